"""WeldPulse client against respx: documented bodies, errors, and the transport's manners."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from bot.clients import weldpulse
from bot.clients.transport import Manners
from bot.clients.weldpulse import (
    DeviceRow,
    EventRow,
    GeoRow,
    PageRow,
    ProjectForbidden,
    Realtime,
    ReferrerRow,
    Site,
    Stats,
    TimeBucket,
    WeldPulseClient,
)
from bot.clients.weldpulse_models import RealtimeRow
from bot.errors import (
    AuthFailed,
    BadResponse,
    InvalidRequest,
    NotFound,
    RateLimited,
    ServiceError,
    TimedOut,
    Unavailable,
)
from tests import samples
from tests.fakes.clock import FakeClock

BASE = "http://sim.test/weldpulse"
KEY = "ak_live_t3st5ecretK3y9f2"
START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2024, 1, 31, 23, 59, 59, tzinfo=UTC)
RANGE = {"start": "2024-01-01T00:00:00Z", "end": "2024-01-31T23:59:59Z"}


sample = samples.of("weldpulse")


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


def make_client(
    http: httpx.AsyncClient, clock: FakeClock, manners: Manners | None = None
) -> WeldPulseClient:
    client = weldpulse.SPEC.connect(
        http, credential={"api_key": KEY}, base_url=BASE, clock=clock, manners=manners
    )
    client.transport.jitter = lambda: 0.5  # backoff delays become exactly 0.5 s, 1 s, …
    return client


@pytest.fixture
def client(http: httpx.AsyncClient, clock: FakeClock) -> WeldPulseClient:
    return make_client(http, clock)


Call = Callable[[WeldPulseClient], Awaitable[Any]]

ENDPOINTS: list[Any] = [
    pytest.param(
        lambda c: c.stats(START, END),
        "/v1/stats",
        "stats",
        RANGE,
        Stats(visitors=1234, pageviews=5678, sessions=2345, avg_duration=45.2, bounce_rate=0.42),
        id="stats",
    ),
    pytest.param(
        lambda c: c.pages(START, END, limit=5),
        "/v1/pages",
        "pages",
        {**RANGE, "limit": "5"},
        (PageRow("/pricing", 456, 890, 32.1, 0.38), PageRow("/", 301, 512, 21.5, 0.51)),
        id="pages",
    ),
    pytest.param(
        lambda c: c.referrers(START, END),
        "/v1/referrers",
        "referrers",
        {**RANGE, "limit": "10"},
        (ReferrerRow("Google", 320, 580, 0.45), ReferrerRow(None, 120, 150, 0.6)),
        id="referrers-direct-is-none",
    ),
    pytest.param(
        lambda c: c.geo(START, END),
        "/v1/geo",
        "geo",
        {**RANGE, "limit": "50"},
        (GeoRow("US", "California", 890, 2100),),
        id="geo",
    ),
    pytest.param(
        lambda c: c.devices(START, END, limit=3),
        "/v1/devices",
        "devices",
        {**RANGE, "limit": "3"},
        (DeviceRow("desktop", "Chrome", "macOS", 567, 1200),),
        id="devices",
    ),
    pytest.param(
        lambda c: c.events(START, END),
        "/v1/events",
        "events",
        RANGE,
        (EventRow("signup_click", 234, 189),),
        id="events",
    ),
    pytest.param(
        lambda c: c.timeseries(START, END),
        "/v1/timeseries",
        "timeseries",
        {**RANGE, "interval": "1 hour"},
        (
            TimeBucket(datetime(2024, 1, 15, 0, tzinfo=UTC), 42, 98, 56),
            TimeBucket(datetime(2024, 1, 15, 1, tzinfo=UTC), 17, 31, 20),
        ),
        id="timeseries-hourly-naive-t-is-utc",
    ),
    pytest.param(
        lambda c: c.timeseries(START, END, interval="1 day"),
        "/v1/timeseries",
        "timeseries",
        {**RANGE, "interval": "1 day"},
        (
            TimeBucket(datetime(2024, 1, 15, 0, tzinfo=UTC), 42, 98, 56),
            TimeBucket(datetime(2024, 1, 15, 1, tzinfo=UTC), 17, 31, 20),
        ),
        id="timeseries-daily",
    ),
    pytest.param(
        lambda c: c.realtime(),
        "/v1/realtime",
        "realtime",
        {},
        Realtime(
            (
                RealtimeRow("/", "US", "desktop", "Google", 3),
                RealtimeRow("/pricing", "NZ", "mobile", None, 2),
            )
        ),
        id="realtime",
    ),
    pytest.param(
        lambda c: c.sites(),
        "/v1/sites",
        "sites",
        {},
        (
            Site(
                "0b6f5a5e-2c1d-4f7e-9a35-6c0d6f1c2a10",
                "example.com",
                "Main Site",
                True,
                datetime(2024, 1, 1, tzinfo=UTC),
                "sk_live_0000scrubbed",
            ),
            Site(
                "7d2e9c41-8b3a-4e55-b0f1-2f9a3c4d5e6f",
                "docs.example.com",
                "Docs",
                False,
                datetime(2024, 3, 5, 9, 30, tzinfo=UTC),
                "sk_live_1111scrubbed",
            ),
        ),
        id="sites",
    ),
]


@pytest.mark.parametrize(("call", "path", "body", "params", "expected"), ENDPOINTS)
async def test_endpoint_parses_the_documented_body_and_sends_the_documented_request(
    client: WeldPulseClient,
    mock: respx.MockRouter,
    call: Call,
    path: str,
    body: str,
    params: dict[str, str],
    expected: Any,
) -> None:
    route = mock.get(path).respond(200, json=sample(body))
    assert await call(client) == expected
    request = route.calls.last.request
    assert request.url.path == "/weldpulse" + path  # the base URL's prefix is kept
    assert dict(request.url.params) == params
    assert request.headers["authorization"] == f"Bearer {KEY}"


async def test_realtime_totals_current_visitors_and_is_never_cached(
    client: WeldPulseClient, mock: respx.MockRouter
) -> None:
    route = mock.get("/v1/realtime").respond(200, json=sample("realtime"))
    assert (await client.realtime()).current_visitors == 5
    await client.realtime()
    assert route.call_count == 2
    assert Realtime(()).current_visitors == 0


@pytest.mark.parametrize(
    ("rows", "expected"),
    [(2, "project with 2 sites"), (1, "project with 1 site"), (0, "project with 0 sites")],
    ids=["two", "one", "none"],
)
async def test_validate_describes_the_project(
    client: WeldPulseClient, mock: respx.MockRouter, rows: int, expected: str
) -> None:
    body = sample("sites")
    body["data"] = (body["data"] * 2)[:rows]
    route = mock.get("/v1/sites").respond(200, json=body)
    assert await client.validate() == expected
    assert route.call_count == 1


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.stats(datetime(2024, 1, 1), END), id="naive-start"),
        pytest.param(lambda c: c.pages(START, END, limit=0), id="limit-zero"),
        pytest.param(lambda c: c.timeseries(START, END, interval="5 min"), id="bad-interval"),
    ],
)
async def test_bad_arguments_are_refused_before_sending(
    client: WeldPulseClient, mock: respx.MockRouter, call: Call
) -> None:
    route = mock.route().respond(200, json=sample("stats"))
    with pytest.raises(ValueError):
        await call(client)
    assert route.call_count == 0


def test_missing_credential_is_an_auth_failure(http: httpx.AsyncClient) -> None:
    with pytest.raises(AuthFailed) as info:
        weldpulse.SPEC.connect(http, credential={"api_key": "  "}, base_url=BASE)
    assert info.value.service == "weldpulse"


@pytest.mark.parametrize(
    ("status", "content", "error", "detail"),
    [
        pytest.param(
            400, json.dumps(sample("error_bad_request")), InvalidRequest, "Missing", id="400"
        ),
        pytest.param(
            401, json.dumps(sample("error_unauthorized")), AuthFailed, "Invalid", id="401"
        ),
        pytest.param(
            403, json.dumps(sample("error_forbidden")), ProjectForbidden, "add a site", id="403"
        ),
        pytest.param(500, json.dumps(sample("error_internal")), Unavailable, "Internal", id="500"),
        pytest.param(404, "<html><h1>Not Found</h1></html>", NotFound, "", id="404-html"),
        pytest.param(400, "Bad Request", InvalidRequest, "HTTP 400", id="400-text"),
        pytest.param(401, "", AuthFailed, "rejected", id="401-empty"),
        pytest.param(403, "{}", ProjectForbidden, "may not be queried", id="403-no-message"),
        pytest.param(418, "{}", InvalidRequest, "HTTP 418", id="other-4xx"),
    ],
)
async def test_error_statuses_map_to_the_error_tree_without_retry(
    client: WeldPulseClient,
    mock: respx.MockRouter,
    status: int,
    content: str,
    error: type[ServiceError],
    detail: str,
) -> None:
    route = mock.get("/v1/stats").respond(status, text=content)
    with pytest.raises(error) as info:
        await client.stats(START, END)
    assert type(info.value) is error
    assert info.value.service == "weldpulse"
    assert info.value.status == status
    assert detail in info.value.detail
    assert KEY not in str(info.value) and KEY not in repr(info.value)
    if status < 500:
        assert route.call_count == 1  # nothing retries on 4xx


async def test_bad_request_names_the_missing_parameters(
    client: WeldPulseClient, mock: respx.MockRouter
) -> None:
    mock.get("/v1/stats").respond(400, json=sample("error_bad_request"))
    with pytest.raises(InvalidRequest) as info:
        await client.stats(START, END)
    assert info.value.field_errors == {"start": ["is required"], "end": ["is required"]}


async def test_forbidden_is_an_invalid_request_not_an_auth_failure(
    client: WeldPulseClient, mock: respx.MockRouter
) -> None:
    mock.get("/v1/pages").respond(403, json=sample("error_forbidden"))
    with pytest.raises(InvalidRequest) as info:
        await client.pages(START, END)
    assert not isinstance(info.value, AuthFailed)
    assert info.value.detail.startswith("No sites configured for the project")


async def test_a_key_echoed_by_the_service_is_masked(
    client: WeldPulseClient, mock: respx.MockRouter
) -> None:
    body = {"error": f"Invalid API key {KEY}", "code": "UNAUTHORIZED"}
    mock.get("/v1/stats").respond(401, json=body)
    noted: list[str | None] = []

    async def note(outcome: str | None) -> None:
        noted.append(outcome)

    client.transport.observer = note
    with pytest.raises(AuthFailed) as info:
        await client.stats(START, END)
    assert KEY not in str(info.value)
    assert info.value.detail == "Invalid API key [redacted]"
    assert noted and all(n is not None and KEY not in n for n in noted)


def test_reprs_hold_no_secret(client: WeldPulseClient) -> None:
    assert KEY not in repr(client)
    assert KEY not in repr(client.transport)


async def test_429_retry_after_is_honoured_then_lifted(
    client: WeldPulseClient, mock: respx.MockRouter, clock: FakeClock
) -> None:
    route = mock.get("/v1/stats")
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "30"}, json=sample("error_rate_limited")),
        httpx.Response(200, json=sample("stats")),
    ]
    with pytest.raises(RateLimited) as info:
        await client.stats(START, END)
    assert (info.value.retry_after, info.value.local, info.value.status) == (30, False, 429)
    with pytest.raises(RateLimited) as again:
        await client.stats(START, END)
    assert again.value.local and 29 <= again.value.retry_after <= 30
    assert route.call_count == 1  # refused locally: nothing sent
    clock.advance(31)
    assert (await client.stats(START, END)).visitors == 1234
    assert route.call_count == 2


async def test_the_101st_call_in_a_minute_is_refused_locally(
    client: WeldPulseClient, mock: respx.MockRouter, clock: FakeClock
) -> None:
    route = mock.get("/v1/stats").respond(200, json=sample("stats"))
    for _ in range(100):
        await client.stats(START, END, fresh=True)
    assert client.transport.limiter.headroom() == 0
    with pytest.raises(RateLimited) as info:
        await client.stats(START, END, fresh=True)
    assert info.value.local and info.value.retry_after == pytest.approx(60)
    assert route.call_count == 100
    clock.advance(60)
    await client.stats(START, END, fresh=True)
    assert route.call_count == 101


async def test_get_retries_503_with_backoff(
    client: WeldPulseClient, mock: respx.MockRouter, clock: FakeClock
) -> None:
    route = mock.get("/v1/stats")
    route.side_effect = [
        httpx.Response(503),
        httpx.Response(503),
        httpx.Response(200, json=sample("stats")),
    ]
    assert (await client.stats(START, END)).pageviews == 5678
    assert route.call_count == 3
    assert clock.slept == [0.5, 1.0]


async def test_get_gives_up_after_two_retries(
    client: WeldPulseClient, mock: respx.MockRouter
) -> None:
    route = mock.get("/v1/stats").respond(503, text="<html>maintenance</html>")
    with pytest.raises(Unavailable) as info:
        await client.stats(START, END)
    assert route.call_count == 3 and info.value.status == 503


@pytest.mark.parametrize(
    ("effects", "attempts", "outcome"),
    [
        pytest.param(["timeout", "ok"], 1, TimedOut, id="a-timeout-is-not-retried"),
        pytest.param(["connect", "connect", "connect"], 3, Unavailable, id="refused-thrice"),
        pytest.param(["connect", "ok"], 2, None, id="connect-error-then-ok"),
    ],
)
async def test_broken_connections_are_retried_timeouts_are_not(
    client: WeldPulseClient,
    mock: respx.MockRouter,
    effects: list[str],
    attempts: int,
    outcome: type[Exception] | None,
) -> None:
    table: dict[str, Any] = {
        "timeout": httpx.ReadTimeout("slow"),
        "connect": httpx.ConnectError("refused"),
        "ok": httpx.Response(200, json=sample("stats")),
    }
    route = mock.get("/v1/stats")
    route.side_effect = [table[e] for e in effects]
    if outcome is None:
        assert (await client.stats(START, END)).sessions == 2345
    else:
        with pytest.raises(outcome):
            await client.stats(START, END)
    assert route.call_count == attempts


async def test_identical_calls_in_flight_are_coalesced(
    http: httpx.AsyncClient, mock: respx.MockRouter, clock: FakeClock
) -> None:
    client = make_client(http, clock, Manners(cache_ttl=0))  # only coalescing can help
    route = mock.get("/v1/stats").respond(200, json=sample("stats"))
    results = await asyncio.gather(*(client.stats(START, END) for _ in range(10)))
    assert route.call_count == 1
    assert {r.visitors for r in results} == {1234}
    await client.stats(START, END)
    assert route.call_count == 2  # nothing cached once the flight landed



async def test_callers_sharing_an_answer_share_its_parsing(
    client: WeldPulseClient, mock: respx.MockRouter
) -> None:
    """A burst of the same question is one request and one parse, not one per caller:
    parsing runs on the event loop every acknowledgement waits for."""
    mock.get("/v1/timeseries").respond(200, json=sample("timeseries"))
    coalesced = await asyncio.gather(*(client.timeseries(START, END) for _ in range(10)))
    cached = await client.timeseries(START, END)
    assert all(r is coalesced[0] for r in (*coalesced, cached))
    other = await client.timeseries(START, END, interval="1 day")
    assert other is not cached

async def test_answers_are_cached_for_60_seconds(
    client: WeldPulseClient, mock: respx.MockRouter, clock: FakeClock
) -> None:
    route = mock.get("/v1/stats").respond(200, json=sample("stats"))
    await client.stats(START, END)
    clock.advance(59)
    await client.stats(START, END)
    assert route.call_count == 1
    clock.advance(2)
    await client.stats(START, END)
    assert route.call_count == 2
    await client.stats(START, END, fresh=True)
    assert route.call_count == 3
    await client.stats(START, datetime(2024, 2, 1, tzinfo=UTC))  # other range, other entry
    assert route.call_count == 4


@pytest.mark.parametrize(
    ("path", "call", "content"),
    [
        pytest.param("/v1/stats", "stats", "<html><body>Welcome</body></html>", id="html"),
        pytest.param("/v1/stats", "stats", '{"data": [{"visitors": 12', id="truncated"),
        pytest.param("/v1/stats", "stats", '{"data": [{"visitors": 1}]}', id="missing-field"),
        pytest.param(
            "/v1/stats",
            "stats",
            '{"data": [{"visitors": "1234", "pageviews": 1, "sessions": 1,'
            ' "avg_duration": 1, "bounce_rate": 0}]}',
            id="number-as-text",
        ),
        pytest.param("/v1/stats", "stats", '{"data": []}', id="stats-empty"),
        pytest.param("/v1/stats", "stats", '{"data": {"visitors": 1}}', id="data-not-list"),
        pytest.param("/v1/stats", "stats", "[]", id="not-an-object"),
        pytest.param("/v1/pages", "pages", '{"data": [null]}', id="row-null"),
        pytest.param(
            "/v1/timeseries",
            "timeseries",
            '{"data": [{"t": "yesterday", "visitors": 1, "pageviews": 1, "sessions": 1}]}',
            id="bad-time",
        ),
        pytest.param(
            "/v1/sites",
            "sites",
            '{"data": [{"id": "x", "domain": "d", "name": "n", "is_active": "yes",'
            ' "created_at": "2024-01-01T00:00:00Z"}]}',
            id="flag-as-text",
        ),
    ],
)
async def test_garbled_bodies_are_bad_responses(
    client: WeldPulseClient, mock: respx.MockRouter, path: str, call: str, content: str
) -> None:
    mock.get(path).respond(200, text=content)
    method = getattr(client, call)
    with pytest.raises(BadResponse) as info:
        await (method() if call == "sites" else method(START, END))
    assert info.value.service == "weldpulse"
