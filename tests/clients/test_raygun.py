"""Raygun Pulse client against respx: session keys, the daily budget, pages and errors."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import httpx
import pytest
import respx

from bot.clients import raygun
from bot.clients.budget import MemoryBudget, PersistedBudget
from bot.clients.raygun import (
    SPEC,
    ErrorInstance,
    Location,
    PageView,
    RaygunClient,
    Software,
)
from bot.clients.transport import CallBudget, Manners
from bot.errors import (
    AuthFailed,
    BadResponse,
    BudgetExhausted,
    InvalidRequest,
    NotFound,
    RateLimited,
    ServiceError,
    Unavailable,
)
from tests import samples
from tests.fakes.clock import FakeClock

BASE = "http://sim.test/raygun"
AUTH = "/api/v1/pulse/authenticate"
SESSIONS = "/api/v1/pulse/sessions"
SESSION = "/api/v1/pulse/session"
CRED = {
    "api_key": "RgAppKey0sekrit0value4f2a",
    "client_id": "consumer-client-1d",
    "client_secret": "cl1ent-s3cret-do-not-show",
}
BASIC = "Basic " + base64.b64encode(b"consumer-client-1d:cl1ent-s3cret-do-not-show").decode()
SECRETS = (CRED["api_key"], CRED["client_secret"], BASIC.split()[1])
FROM = datetime(2026, 11, 16, tzinfo=UTC)
TO = datetime(2026, 11, 23, tzinfo=UTC)


sample = samples.of("raygun")


def keyed(*keys: str) -> list[httpx.Response]:
    return [httpx.Response(202, json={"sessionKey": k}) for k in keys]


def rows(count: int) -> list[dict[str, Any]]:
    template = sample("sessions")["sessions"][0]
    return [{**copy.deepcopy(template), "id": 1000 + i} for i in range(count)]


@dataclass(frozen=True)
class Refused:
    at: datetime
    until: datetime
    upstream: bool


class DictBackend:
    """A stand-in for the store's budget tables: dicts that outlive the clients."""

    def __init__(
        self, table: dict[tuple[str, str], int], refusals: dict[str, Refused] | None = None
    ) -> None:
        self.table = table
        self.refusals = refusals if refusals is not None else {}

    async def try_spend(
        self, budget_key: str, limit: int, now: datetime, zone: tzinfo = UTC
    ) -> tuple[bool, int]:
        slot = (budget_key, now.astimezone(zone).date().isoformat())
        used = self.table.get(slot, 0)
        last = self.refusals.get(budget_key)
        if used >= limit or (last is not None and last.upstream and last.until > now):
            return False, used
        self.table[slot] = used + 1
        return True, used + 1

    async def refuse(self, budget_key: str, at: datetime, until: datetime, upstream: bool) -> None:
        last = self.refusals.get(budget_key)
        if upstream or last is None or not last.upstream or last.until <= at:
            self.refusals[budget_key] = Refused(at, until, upstream)

    async def refusal(self, budget_key: str) -> Refused | None:
        return self.refusals.get(budget_key)


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


def make_client(
    http: httpx.AsyncClient,
    clock: FakeClock,
    *,
    budget: CallBudget | None = None,
    manners: Manners | None = None,
    credential: dict[str, str] = CRED,
) -> RaygunClient:
    client = raygun.SPEC.connect(
        http, credential=credential, base_url=BASE, clock=clock, budget=budget, manners=manners
    )
    client.transport.jitter = lambda: 0.5
    return client


@pytest.fixture
def client(http: httpx.AsyncClient, clock: FakeClock) -> RaygunClient:
    return make_client(http, clock)


@pytest.fixture
def auth(mock: respx.MockRouter) -> respx.Route:
    route = mock.get(AUTH)  # as declared; the example's POST is the fallback
    route.side_effect = keyed("key-1", "key-2", "key-3")
    return route


def remaining(client: RaygunClient) -> int:
    assert isinstance(client.transport.budget, MemoryBudget)
    return client.transport.budget.remaining


# ---- authentication -------------------------------------------------------------------


@pytest.mark.parametrize("status", [202, 200], ids=["202-as-documented", "200"])
async def test_validate_authenticates_once_with_api_key_and_basic_auth(
    client: RaygunClient, mock: respx.MockRouter, status: int
) -> None:
    route = mock.get(AUTH).respond(status, json=sample("authenticate"))
    assert await client.validate() == "application key …4f2a"
    assert route.call_count == 1 and len(mock.calls) == 1
    request = route.calls.last.request
    assert request.url.path == "/raygun/api/v1/pulse/authenticate"
    assert request.headers["x-apikey"] == CRED["api_key"]
    assert request.headers["authorization"] == BASIC
    assert remaining(client) == 49  # authentication is a budgeted call


async def test_rejected_credentials_fail_without_retry(
    client: RaygunClient, mock: respx.MockRouter
) -> None:
    route = mock.get(AUTH).respond(401, text="")
    sessions = mock.get(SESSIONS)
    with pytest.raises(AuthFailed) as info:
        await client.sessions(FROM, TO)
    assert route.call_count == 1 and sessions.call_count == 0
    assert not any(secret in str(info.value) for secret in SECRETS)


async def test_authenticate_is_never_retried(client: RaygunClient, mock: respx.MockRouter) -> None:
    route = mock.get(AUTH).respond(503)
    post = mock.post(AUTH)
    with pytest.raises(Unavailable):
        await client.validate()
    assert route.call_count == 1 and not post.called  # only 404/405 mean "not this method"


@pytest.mark.parametrize("status", [405, 404])
async def test_authenticate_sends_the_declared_get_then_post_once_and_keeps_what_worked(
    client: RaygunClient, mock: respx.MockRouter, clock: FakeClock, status: int
) -> None:
    # The document declares GET, its example sends POST: GET first, POST once if GET is
    # not routed, and POST from then on for this credential.
    refusal = {"message": "The requested resource does not support http method 'GET'."}
    get = mock.get(AUTH).respond(status, json=refusal)
    post = mock.post(AUTH)
    post.side_effect = keyed("key-1", "key-2")
    details = mock.get(SESSION).respond(200, json=sample("session"))
    await client.session(1)
    assert (get.call_count, post.call_count) == (1, 1)
    assert post.calls.last.request.headers["authorization"] == BASIC
    assert details.calls.last.request.headers["x-sessionkey"] == "key-1"
    clock.advance(15 * 60)  # the key has ended: renewed with what worked
    await client.session(1, fresh=True)
    assert (get.call_count, post.call_count) == (1, 2)
    assert remaining(client) == 50 - 5  # the refused GET was a call too


async def test_authenticate_falls_back_only_once(
    client: RaygunClient, mock: respx.MockRouter
) -> None:
    get = mock.get(AUTH).respond(405)
    post = mock.post(AUTH).respond(404, json={"message": "Not found"})
    with pytest.raises(NotFound):
        await client.validate()
    assert (get.call_count, post.call_count) == (1, 1)


async def test_a_rejected_get_is_not_retried_as_post(
    client: RaygunClient, mock: respx.MockRouter
) -> None:
    get = mock.get(AUTH).respond(401, json={"message": "Unauthorized"})
    post = mock.post(AUTH)
    with pytest.raises(AuthFailed):
        await client.validate()
    assert get.call_count == 1 and not post.called


async def test_session_key_is_kept_until_a_minute_before_its_15_minutes_end(
    client: RaygunClient, mock: respx.MockRouter, auth: respx.Route, clock: FakeClock
) -> None:
    route = mock.get(SESSION).respond(200, json=sample("session"))
    await client.session(1)
    clock.advance(839)
    await client.session(1, fresh=True)
    assert auth.call_count == 1
    assert route.calls[1].request.headers["x-sessionkey"] == "key-1"
    clock.advance(2)
    await client.session(1, fresh=True)
    assert auth.call_count == 2
    assert route.calls[2].request.headers["x-sessionkey"] == "key-2"


async def test_a_refused_session_key_is_renewed_once_and_the_call_retried(
    client: RaygunClient, mock: respx.MockRouter, auth: respx.Route
) -> None:
    route = mock.get(SESSION)
    route.side_effect = [httpx.Response(401), httpx.Response(200, json=sample("session"))]
    assert (await client.session(9012345678)).satisfaction == "Average"
    assert auth.call_count == 2 and route.call_count == 2
    assert [c.request.headers["x-sessionkey"] for c in route.calls] == ["key-1", "key-2"]
    assert remaining(client) == 46


async def test_a_second_401_is_auth_failed(
    client: RaygunClient, mock: respx.MockRouter, auth: respx.Route
) -> None:
    route = mock.get(SESSIONS).respond(401, json={"message": "Unauthorized"})
    with pytest.raises(AuthFailed) as info:
        await client.sessions(FROM, TO)
    assert auth.call_count == 2 and route.call_count == 2
    assert not any(secret in str(info.value) for secret in SECRETS)


def test_reprs_hold_no_secret(client: RaygunClient) -> None:
    client._session_key = "live-session-key"
    shown = repr(client) + repr(client.transport)
    assert not any(s in shown for s in (*SECRETS, "live-session-key"))


@pytest.mark.parametrize("missing", ["api_key", "client_id", "client_secret"])
def test_an_incomplete_credential_is_an_auth_failure(http: httpx.AsyncClient, missing: str) -> None:
    with pytest.raises(AuthFailed) as info:
        raygun.SPEC.connect(http, credential={**CRED, missing: ""}, base_url=BASE)
    label = {f.name: f.label for f in SPEC.credential_fields}[missing]
    assert label in str(info.value)
    assert not any(secret in str(info.value) for secret in SECRETS)


# ---- sessions and session -------------------------------------------------------------


async def test_sessions_sends_the_documented_query_and_parses_the_sample(
    client: RaygunClient, mock: respx.MockRouter, auth: respx.Route
) -> None:
    route = mock.get(SESSIONS).respond(200, json=sample("sessions"))
    page = await client.sessions(
        FROM,
        TO,
        user_identifier="ana@example.com",
        countries=("US", "NZ"),
        user_type="identified",
    )
    request = route.calls.last.request
    assert request.url.path == "/raygun/api/v1/pulse/sessions"
    assert dict(request.url.params) == {
        "dateFrom": "2026-11-16T00:00:00Z",
        "dateTo": "2026-11-23T00:00:00Z",
        "userIdentifier": "ana@example.com",
        "country": "US,NZ",
        "userType": "identified",
        "skip": "0",
        "limit": "50",
    }
    assert request.headers["x-sessionkey"] == "key-1"
    assert "x-apikey" not in request.headers and "authorization" not in request.headers
    assert request.extensions["timeout"] == dict.fromkeys(("connect", "read", "write", "pool"), 12)

    assert (page.total, page.truncated, len(page.sessions)) == (2, False, 2)
    first, second = page.sessions
    assert first.id == 9012345678
    assert first.started == datetime(2026, 11, 20, 8, 15, 2, 112000, tzinfo=UTC)
    assert first.ended == datetime(2026, 11, 20, 8, 31, 40, 5000, tzinfo=UTC)
    assert (first.length_ms, first.status, first.page_view_count) == (998000, "ended", 7)
    assert first.browser == Software("Chrome", "131.0.6778.86")
    assert first.os == Software("Windows", "11")
    assert (first.platform, first.location) == ("Desktop", Location("NZ"))
    assert first.user.email == "ana@example.com" and not first.user.anonymous
    assert first.web_url == "https://app.raygun.com/pulse/sessions/9012345678"
    assert (second.ended, second.status, second.user.first_seen) == (None, "active", None)


async def test_session_detail_parses_views_errors_and_location(
    client: RaygunClient, mock: respx.MockRouter, auth: respx.Route
) -> None:
    route = mock.get(SESSION).respond(200, json=sample("session"))
    detail = await client.session(9012345678)
    assert dict(route.calls.last.request.url.params) == {"id": "9012345678"}
    assert route.calls.last.request.url.path == "/raygun/api/v1/pulse/session"
    assert detail.satisfaction == "Average"
    assert detail.location == Location("NZ", "New Zealand", "Wellington", "Wellington")
    shop = "https://shop.example.com"
    assert detail.page_views == (
        PageView(f"{shop}/", 812, 41000, datetime(2026, 11, 20, 8, 15, 2, 112000, tzinfo=UTC)),
        PageView(
            f"{shop}/pricing", 2350, 95000, datetime(2026, 11, 20, 8, 15, 43, 500_000, tzinfo=UTC)
        ),
    )
    assert detail.errors == (
        ErrorInstance(
            77001,
            5550123,
            "TypeError: Cannot read properties of undefined (reading 'price')",
            "https://app.raygun.com/crashreporting/groups/77001/instances/5550123",
        ),
    )
    assert (detail.user.full_name, detail.user.identifier) == ("Ana Example", "ana@example.com")
    assert (detail.browser.name, detail.os.name, detail.platform) == (
        "Chrome",
        "Windows",
        "Desktop",
    )
    assert (detail.length_ms, detail.status) == (998000, "ended")


def paged(pool: list[dict[str, Any]], total: int) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        skip, limit = int(request.url.params["skip"]), int(request.url.params["limit"])
        body = {"totalSessions": total, "sessions": pool[skip : skip + limit], "links": {}}
        return httpx.Response(200, json=body)

    return answer


@pytest.mark.parametrize(
    ("available", "total", "limit", "cap", "pages", "expected"),
    [
        pytest.param(5, 5, 2, 500, [("0", "2"), ("2", "2"), ("4", "2")], (5, False), id="to-end"),
        pytest.param(4, 4, 2, 500, [("0", "2"), ("2", "2")], (4, False), id="exact-pages"),
        pytest.param(
            9, 1000, 2, 5, [("0", "2"), ("2", "2"), ("4", "1")], (5, True), id="to-the-cap"
        ),
        pytest.param(3, 7, 2, 500, [("0", "2"), ("2", "2")], (3, True), id="short-page-stops"),
    ],
)
async def test_sessions_follow_pages_by_skip(
    client: RaygunClient,
    mock: respx.MockRouter,
    auth: respx.Route,
    available: int,
    total: int,
    limit: int,
    cap: int,
    pages: list[tuple[str, str]],
    expected: tuple[int, bool],
) -> None:
    pool = rows(available)
    route = mock.get(SESSIONS)
    route.side_effect = paged(pool, total)
    page = await client.sessions(FROM, TO, limit=limit, max_sessions=cap)
    sent = [(c.request.url.params["skip"], c.request.url.params["limit"]) for c in route.calls]
    assert sent == pages
    assert (len(page.sessions), page.truncated) == expected
    assert page.total == total
    assert [s.id for s in page.sessions] == [r["id"] for r in pool[: expected[0]]]
    assert auth.call_count == 1


@pytest.mark.parametrize(
    "kwargs", [{"limit": 501}, {"limit": 0}, {"max_sessions": 0}], ids=["501", "0", "cap-0"]
)
async def test_impossible_page_sizes_are_refused_before_sending(
    client: RaygunClient, mock: respx.MockRouter, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        await client.sessions(FROM, TO, **kwargs)
    assert len(mock.calls) == 0


@pytest.mark.parametrize(
    ("status", "body", "error", "detail"),
    [
        pytest.param(
            400,
            {"message": "The request is invalid.", "errors": {"dateFrom": ["is required"]}},
            InvalidRequest,
            "The request is invalid.",
            id="400-with-fields",
        ),
        pytest.param(400, "<html>Bad Request</html>", InvalidRequest, "check", id="400-html"),
        pytest.param(403, {"message": "Forbidden"}, AuthFailed, "Forbidden", id="403"),
        pytest.param(404, "", NotFound, "no session 42", id="404"),
        pytest.param(500, {"Message": "An error has occurred."}, Unavailable, "error", id="500"),
    ],
)
async def test_session_errors_map_to_the_error_tree(
    client: RaygunClient,
    mock: respx.MockRouter,
    auth: respx.Route,
    status: int,
    body: Any,
    error: type[ServiceError],
    detail: str,
) -> None:
    content = body if isinstance(body, str) else json.dumps(body)
    route = mock.get(SESSION).respond(status, text=content)
    with pytest.raises(error) as info:
        await client.session(42)
    assert type(info.value) is error and info.value.service == "raygun"
    assert info.value.status == status and detail in info.value.detail
    assert not any(secret in str(info.value) for secret in SECRETS)
    if status < 500:
        assert route.call_count == 1 and auth.call_count == 1  # no retry, no renewal
    if isinstance(info.value, InvalidRequest) and status == 400 and "errors" in content:
        assert info.value.field_errors == {"dateFrom": ["is required"]}


# ---- the daily budget -----------------------------------------------------------------


async def test_a_spent_budget_sends_nothing_until_utc_midnight(
    http: httpx.AsyncClient, mock: respx.MockRouter, auth: respx.Route, clock: FakeClock
) -> None:
    budget = MemoryBudget(limit=3, clock=clock)
    client = make_client(http, clock, budget=budget)
    sessions = mock.get(SESSIONS).respond(200, json=sample("sessions"))
    detail = mock.get(SESSION).respond(200, json=sample("session"))
    await client.sessions(FROM, TO)  # authenticate + sessions: 2 calls
    await client.session(1)  # 3
    sent = len(mock.calls)
    with pytest.raises(BudgetExhausted) as info:
        await client.session(2)
    assert len(mock.calls) == sent == 3  # refused before sending
    assert info.value.limit == 3 and info.value.local
    assert info.value.resets_at == datetime(2026, 11, 24, tzinfo=UTC)
    assert info.value.retry_after == 12 * 3600
    assert (await client.sessions(FROM, TO)).total == 2  # cached answers cost nothing
    assert budget.remaining == 0 and sessions.call_count == 1
    clock.set(datetime(2026, 11, 24, 0, 0, 1, tzinfo=UTC))
    assert budget.remaining == 3
    await client.session(2)
    assert detail.call_count == 2


async def test_a_persisted_budget_survives_a_restart(
    mock: respx.MockRouter, auth: respx.Route, clock: FakeClock
) -> None:
    table: dict[tuple[str, str], int] = {}
    mock.get(SESSION).respond(200, json=sample("session"))

    def restart(http: httpx.AsyncClient, credential: dict[str, str] = CRED) -> RaygunClient:
        key = SPEC.budget_key({"api_key": credential["api_key"]})
        budget = PersistedBudget(DictBackend(table), key, limit=4, clock=clock)
        return make_client(http, clock, budget=budget, credential=credential)

    async with httpx.AsyncClient() as http:
        first = restart(http)
        await first.validate()
        await first.session(1)
        await first.session(2)
    assert table == {(SPEC.budget_key({"api_key": CRED["api_key"]}), "2026-11-23"): 3}

    async with httpx.AsyncClient() as http:
        second = restart(http)
        sent = len(mock.calls)
        with pytest.raises(BudgetExhausted) as info:
            await second.session(3)  # a new process must authenticate: the 4th call
        assert len(mock.calls) == sent + 1 and mock.calls.last.request.url.path.endswith(AUTH)
        assert info.value.limit == 4
        budget = second.transport.budget
        assert isinstance(budget, PersistedBudget) and budget.remaining == 0

        other = restart(http, {**CRED, "api_key": "another-application-key"})
        assert (await other.session(3)).id == 9012345678  # another application, own budget
    assert not any(CRED["api_key"] in key for key, _day in table)


def test_budget_key_names_the_application_without_its_key() -> None:
    key = SPEC.budget_key(CRED)
    assert key.startswith("raygun:") and len(key) == len("raygun:") + 16
    assert CRED["api_key"] not in key and CRED["api_key"][-4:] not in key
    assert key == SPEC.budget_key(dict(CRED)) != SPEC.budget_key({**CRED, "api_key": "other"})


async def test_without_a_budget_the_client_keeps_50_calls_a_day(client: RaygunClient) -> None:
    assert isinstance(client.transport.budget, MemoryBudget)
    assert (client.transport.budget.limit, client.transport.budget.remaining) == (50, 50)


# ---- manners --------------------------------------------------------------------------


async def test_answers_are_cached_for_five_minutes(
    client: RaygunClient, mock: respx.MockRouter, auth: respx.Route, clock: FakeClock
) -> None:
    route = mock.get(SESSIONS).respond(200, json=sample("sessions"))
    await client.sessions(FROM, TO)
    clock.advance(299)
    await client.sessions(FROM, TO)
    assert route.call_count == 1
    clock.advance(2)
    await client.sessions(FROM, TO)
    assert route.call_count == 2
    await client.sessions(FROM, TO, fresh=True)
    assert route.call_count == 3
    assert auth.call_count == 1 and remaining(client) == 46


async def test_a_cached_answer_needs_no_new_session_key(
    client: RaygunClient, mock: respx.MockRouter, auth: respx.Route, clock: FakeClock
) -> None:
    route = mock.get(SESSION).respond(200, json=sample("session"))
    await client.session(1)  # key-1 from t=0, kept until t=840
    clock.advance(700)
    await client.session(2)  # cached until t=1000
    clock.advance(150)  # t=850: the key is due for renewal, the answer is not
    await client.session(2)
    assert (auth.call_count, route.call_count, remaining(client)) == (1, 2, 47)


async def test_identical_calls_in_flight_share_one_key_and_one_request(
    http: httpx.AsyncClient, mock: respx.MockRouter, auth: respx.Route, clock: FakeClock
) -> None:
    client = make_client(http, clock, manners=Manners(cache_ttl=0))
    route = mock.get(SESSION).respond(200, json=sample("session"))
    results = await asyncio.gather(*(client.session(9012345678) for _ in range(10)))
    assert {r.id for r in results} == {9012345678}
    assert (auth.call_count, route.call_count) == (1, 1)


async def test_429_retry_after_is_honoured(
    client: RaygunClient, mock: respx.MockRouter, auth: respx.Route, clock: FakeClock
) -> None:
    route = mock.get(SESSIONS)
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "120"}),
        httpx.Response(200, json=sample("sessions")),
    ]
    with pytest.raises(BudgetExhausted) as info:
        await client.sessions(FROM, TO)
    assert (info.value.retry_after, info.value.local, info.value.status) == (120, False, 429)
    assert info.value.upstream and info.value.resets_at == clock.now() + timedelta(seconds=120)
    sent = len(mock.calls)
    with pytest.raises(BudgetExhausted) as again:
        await client.sessions(FROM, TO)
    assert again.value.local and again.value.upstream and len(mock.calls) == sent
    clock.advance(121)
    assert (await client.sessions(FROM, TO)).total == 2


async def test_a_429_spends_the_rest_of_the_utc_day_for_every_process(
    mock: respx.MockRouter, auth: respx.Route, clock: FakeClock
) -> None:
    # Raygun's only documented period is the day: a 429 without Retry-After stops every
    # call until its day ends (UTC midnight, as DAY_ZONE says), whatever was counted, and
    # the stop is kept with the budget, so another process does not try either.
    table: dict[tuple[str, str], int] = {}
    refusals: dict[str, Refused] = {}
    key = SPEC.budget_key(CRED)
    route = mock.get(SESSION)
    route.side_effect = [
        httpx.Response(429, json={"message": "Rate limit exceeded"}),
        httpx.Response(200, json=sample("session")),
    ]
    async with httpx.AsyncClient() as http:

        def process() -> RaygunClient:
            budget = PersistedBudget(DictBackend(table, refusals), key, limit=50, clock=clock)
            return make_client(http, clock, budget=budget)

        first, second = process(), process()
        with pytest.raises(BudgetExhausted) as info:
            await first.session(1)  # authenticate (1) + the refused read (2)
        sent = len(mock.calls)
        assert sent == 2 and table == {(key, "2026-11-23"): 2}
        assert info.value.upstream and not info.value.local
        assert info.value.resets_at == datetime(2026, 11, 24, tzinfo=UTC)
        assert info.value.retry_after == 12 * 3600
        for client in (first, second):
            with pytest.raises(BudgetExhausted) as again:
                await client.session(2)
            assert again.value.upstream and again.value.local
            assert again.value.resets_at == datetime(2026, 11, 24, tzinfo=UTC)
        assert len(mock.calls) == sent  # refused here: not a single request more
        assert refusals[key].upstream and refusals[key].at == clock.now()
        clock.set(datetime(2026, 11, 24, 0, 0, 1, tzinfo=UTC))
        assert (await second.session(3)).id == 9012345678


async def test_a_spent_count_records_a_local_refusal_that_never_shortens_the_services(
    clock: FakeClock,
) -> None:
    refusals: dict[str, Refused] = {}
    backend = DictBackend({}, refusals)
    budget = PersistedBudget(backend, "raygun:k", limit=1, clock=clock)
    await budget.spend("raygun")
    with pytest.raises(BudgetExhausted) as info:
        await budget.spend("raygun")
    assert not info.value.upstream and info.value.local
    assert refusals["raygun:k"] == Refused(clock.now(), datetime(2026, 11, 24, tzinfo=UTC), False)
    later = await budget.exhausted("raygun", 3 * 86400.0)  # the service says: three days
    assert later.upstream and later.status == 429
    clock.advance(60)
    with pytest.raises(BudgetExhausted):
        await budget.spend("raygun")
    assert refusals["raygun:k"].upstream  # the count's refusal did not replace the service's
    clock.set(datetime(2026, 11, 25, 12, tzinfo=UTC))  # a new day, but still stopped
    with pytest.raises(BudgetExhausted) as still:
        await budget.spend("raygun")
    assert still.value.upstream and still.value.resets_at == datetime(2026, 11, 26, 12, tzinfo=UTC)


async def test_a_burst_beyond_the_limiter_is_refused_locally(
    http: httpx.AsyncClient, mock: respx.MockRouter, auth: respx.Route, clock: FakeClock
) -> None:
    client = make_client(http, clock, budget=MemoryBudget(limit=1000, clock=clock))
    mock.get(SESSION).respond(200, json=sample("session"))
    for i in range(49):  # plus authentication: 50 in one minute
        await client.session(i)
    with pytest.raises(RateLimited) as info:
        await client.session(99)
    assert info.value.local and not isinstance(info.value, BudgetExhausted)
    assert len(mock.calls) == 50


@pytest.mark.parametrize(
    ("effects", "attempts", "outcome"),
    [
        pytest.param([503, 200], 2, None, id="503-then-ok"),
        pytest.param([503, 503], 2, Unavailable, id="retried-once-only"),
    ],
)
async def test_gets_retry_once_on_503(
    client: RaygunClient,
    mock: respx.MockRouter,
    auth: respx.Route,
    clock: FakeClock,
    effects: list[Any],
    attempts: int,
    outcome: type[Exception] | None,
) -> None:
    route = mock.get(SESSION)
    route.side_effect = [
        httpx.ReadTimeout("slow")
        if e == "timeout"
        else httpx.Response(e, json=sample("session") if e == 200 else None)
        for e in effects
    ]
    if outcome is None:
        assert (await client.session(1)).id == 9012345678
    else:
        with pytest.raises(outcome):
            await client.session(1)
    assert route.call_count == attempts
    assert clock.slept == [0.5]
    assert remaining(client) == 50 - 1 - attempts  # every attempt is a budgeted call


def test_a_person_waits_at_most_12_seconds_for_raygun(client: RaygunClient) -> None:
    # Raygun's own timeout is 30 s; an answer (or "did not answer") comes after 12.
    assert client.transport.manners.deadline == 12.0


# ---- garbled answers ------------------------------------------------------------------

SESSION_ROW = sample("session")["session"]


@pytest.mark.parametrize(
    ("path", "content"),
    [
        pytest.param(SESSIONS, "<!DOCTYPE html><html>Sign in</html>", id="sessions-html"),
        pytest.param(SESSIONS, '{"totalSessions": 2, "sessions": [{"id"', id="truncated"),
        pytest.param(SESSIONS, '{"sessions": []}', id="no-total"),
        pytest.param(SESSIONS, '{"totalSessions": 1, "sessions": {}}', id="sessions-not-list"),
        pytest.param(SESSION, '{"id": 1}', id="detail-not-wrapped"),
        pytest.param(
            SESSION,
            json.dumps({"session": {**SESSION_ROW, "user": {"identifier": "x"}}}),
            id="user-without-anonymous-flag",
        ),
        pytest.param(
            SESSION,
            json.dumps(
                {
                    "session": {
                        **SESSION_ROW,
                        "pageViews": [{**SESSION_ROW["pageViews"][0], "loadingTime": "fast"}],
                    }
                }
            ),
            id="loading-time-as-text",
        ),
        pytest.param(
            SESSION,
            json.dumps({"session": {**SESSION_ROW, "sessionStart": "last tuesday"}}),
            id="bad-start-time",
        ),
    ],
)
async def test_garbled_bodies_are_bad_responses(
    client: RaygunClient, mock: respx.MockRouter, auth: respx.Route, path: str, content: str
) -> None:
    mock.get(path).respond(200, text=content)
    with pytest.raises(BadResponse) as info:
        if path == SESSIONS:
            await client.sessions(FROM, TO)
        else:
            await client.session(1)
    assert info.value.service == "raygun"


@pytest.mark.parametrize(
    "content",
    ['{"token": "x"}', '{"sessionKey": ""}', '{"sessionKey": 12}', "<html></html>"],
    ids=["no-key", "empty-key", "key-not-text", "html"],
)
async def test_a_garbled_authentication_answer_is_a_bad_response(
    client: RaygunClient, mock: respx.MockRouter, content: str
) -> None:
    mock.get(AUTH).respond(202, text=content)
    with pytest.raises(BadResponse) as info:
        await client.validate()
    assert info.value.service == "raygun"


def test_credential_fields_are_the_three_documented_inputs() -> None:
    assert [f.name for f in SPEC.credential_fields] == ["api_key", "client_id", "client_secret"]
    assert [f.secret for f in SPEC.credential_fields] == [True, False, True]
