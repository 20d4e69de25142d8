"""WhatPulse client against a mocked transport (respx), with a prefixed base URL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import respx

from bot.clients import whatpulse
from bot.clients.whatpulse import (
    SPEC,
    WhatPulseClient,
)
from bot.errors import (
    AuthFailed,
    BadResponse,
    InvalidRequest,
    NotFound,
    RateLimited,
    ServiceError,
    Unavailable,
)
from tests import samples
from tests.fakes.clock import FakeClock

BASE = "http://sim.test/whatpulse"
TOKEN = "wp-secret-token-0123456789"
PULSES = "/api/v1/users/alice/pulses"
USER = "/api/v1/users/alice"


sample = samples.of("whatpulse")


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def client(http: httpx.AsyncClient, clock: FakeClock) -> WhatPulseClient:
    return whatpulse.SPEC.connect(
        http, credential={"token": TOKEN, "user": "alice"}, base_url=BASE, clock=clock
    )


def paged(pages: dict[str, Any]) -> Any:
    """A respx side effect answering `?page=N` (no page = "1") from `pages`."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("page", "1")])

    return answer


# ---- happy paths -------------------------------------------------------------------------


async def test_pulses_follow_next_link_keep_prefix_and_filters(
    client: WhatPulseClient, router: respx.MockRouter
) -> None:
    route = router.get(PULSES).mock(
        side_effect=paged({"1": sample("pulses_page1.json"), "2": sample("pulses_page2.json")})
    )

    result = await client.pulses(
        "alice",
        date_from=date(2026, 11, 16),
        date_to=date(2026, 11, 22),
        computer_id=771,
        per_page=2,
    )

    assert (result.total, result.truncated, len(result.pulses)) == (3, False, 3)
    first, second, third = result.pulses
    assert first.id == 48211937
    assert first.date == datetime(2026, 11, 20, 17, 42, 5, tzinfo=UTC)
    assert (first.keys, first.clicks, first.scrolls) == (18234, 6120, 930)
    assert (first.download_mb, first.upload_mb) == (2048.5, 312.25)
    assert (first.uptime_seconds, first.distance_miles) == (28800, 0.82)
    assert (first.auto_pulse, first.client_version) == (True, "5.11.2")
    assert (first.computer_id, first.computer_name) == (771, "studio-mac")
    assert (second.scrolls, second.auto_pulse, second.computer_id) == (None, False, None)
    assert second.download_mb == 512.0
    assert third.date == datetime(2026, 11, 22, 21, 15, 40, tzinfo=UTC)
    assert third.client_version == "5.12.0"

    assert route.call_count == 2
    one, two = (call.request for call in route.calls)
    assert one.url.host == two.url.host == "sim.test"
    assert one.url.path == two.url.path == "/whatpulse/api/v1/users/alice/pulses"
    filters = {"date_from": "2026-11-16", "date_to": "2026-11-22", "computer_id": "771"}
    assert dict(one.url.params) == {**filters, "per_page": "2"}
    assert dict(two.url.params) == {**filters, "per_page": "2", "page": "2"}
    assert one.headers["authorization"] == f"Bearer {TOKEN}"
    assert one.headers["accept"] == "application/json"
    assert two.headers["authorization"] == f"Bearer {TOKEN}"


async def test_pulses_fall_back_to_page_numbers_without_next_link(
    client: WhatPulseClient, router: respx.MockRouter
) -> None:
    first = sample("pulses_page1.json")
    first["links"]["next"] = None
    route = router.get(PULSES).mock(
        side_effect=paged({"1": first, "2": sample("pulses_page2.json")})
    )

    result = await client.pulses("alice", date_from=date(2026, 11, 16))

    assert [p.id for p in result.pulses] == [48211937, 48211002, 48212450]
    assert dict(route.calls[1].request.url.params) == {
        "date_from": "2026-11-16",
        "per_page": "100",
        "page": "2",
    }


async def test_pulses_stop_at_the_page_cap_and_say_so(
    client: WhatPulseClient, router: respx.MockRouter
) -> None:
    def endless(request: httpx.Request) -> httpx.Response:
        body = sample("pulses_page1.json")
        body["pagination"].update(current_page=int(request.url.params.get("page", "1")))
        body["pagination"].update(last_page=50, total=100)
        body["links"]["next"] = None
        return httpx.Response(200, json=body)

    route = router.get(PULSES).mock(side_effect=endless)

    result = await client.pulses("alice", max_pages=3)

    assert route.call_count == 3
    assert result.truncated is True
    assert len(result.pulses) == 6
    assert result.total == 100
    assert [c.request.url.params.get("page") for c in route.calls] == [None, "2", "3"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"per_page": 0}, "per_page"),
        ({"per_page": 101}, "per_page"),
        ({"date_from": date(2026, 11, 22), "date_to": date(2026, 11, 1)}, "date_to"),
    ],
    ids=["per-page-zero", "per-page-101", "dates-reversed"],
)
async def test_bad_pulse_queries_are_refused_before_sending(
    client: WhatPulseClient, router: respx.MockRouter, kwargs: dict[str, Any], field: str
) -> None:
    route = router.get(PULSES)
    with pytest.raises(InvalidRequest) as caught:
        await client.pulses("alice", **kwargs)
    assert field in caught.value.field_errors
    assert route.call_count == 0


async def test_usernames_are_escaped_in_the_path(
    client: WhatPulseClient, router: respx.MockRouter
) -> None:
    route = router.route().mock(return_value=httpx.Response(200, json=sample("user.json")))
    await client.user("a b/c")
    assert route.calls.last.request.url.raw_path == b"/whatpulse/api/v1/users/a%20b%2Fc"


async def test_user_profile(client: WhatPulseClient, router: respx.MockRouter) -> None:
    route = router.get(USER).mock(return_value=httpx.Response(200, json=sample("user.json")))

    user = await client.user("alice")

    assert (user.id, user.username, user.name) == (102938, "alice", "alice")
    assert user.date_joined == datetime(2011, 4, 2, 10, 0, tzinfo=UTC)
    assert user.last_pulse_at == datetime(2026, 11, 22, 21, 15, 40, tzinfo=UTC)
    assert (user.pulses, user.is_premium) == (9120, True)
    assert user.totals is not None
    assert (user.totals.keys, user.totals.clicks, user.totals.scrolls) == (
        183400211,
        60211034,
        2300110,
    )
    assert user.totals.distance_miles == 3120.4
    assert route.calls.last.request.url.path == "/whatpulse/api/v1/users/alice"


async def test_user_without_optional_fields(
    client: WhatPulseClient, router: respx.MockRouter
) -> None:
    router.get(USER).respond(200, json={"user": {"id": 7, "username": "bob"}})
    user = await client.user("alice")
    assert (user.id, user.username, user.totals, user.date_joined) == (7, "bob", None, None)


async def test_computers(client: WhatPulseClient, router: respx.MockRouter) -> None:
    route = router.get(f"{USER}/computers").respond(200, json=sample("computers.json"))

    computers = await client.computers("alice")
    archived = await client.computers("alice", archived=True)

    assert [(c.id, c.name, c.is_archived) for c in computers] == [
        (771, "studio-mac", False),
        (772, "old-thinkpad", True),
    ]
    assert computers[0].totals is not None and computers[0].totals.keys == 120000000
    assert computers[1].last_pulse_at is None
    assert archived == computers
    assert dict(route.calls[0].request.url.params) == {}
    assert dict(route.calls[1].request.url.params) == {"is_archived": "1"}


async def test_validate_reads_the_configured_user(
    client: WhatPulseClient, router: respx.MockRouter
) -> None:
    router.get(USER).respond(200, json=sample("user.json"))
    assert await client.validate() == "WhatPulse user alice"


async def test_validate_without_a_user_sends_nothing(
    http: httpx.AsyncClient, clock: FakeClock, router: respx.MockRouter
) -> None:
    client = whatpulse.SPEC.connect(http, credential={"token": TOKEN}, base_url=BASE, clock=clock)
    with pytest.raises(InvalidRequest) as caught:
        await client.validate()
    assert "user" in caught.value.field_errors
    assert router.calls.call_count == 0


def test_credential_fields_and_missing_token(http: httpx.AsyncClient) -> None:
    fields = [(f.name, f.secret) for f in SPEC.credential_fields]
    assert fields == [("token", True), ("user", False)]
    with pytest.raises(AuthFailed):
        whatpulse.SPEC.connect(http, credential={"user": "alice"})


def test_token_never_in_reprs(client: WhatPulseClient) -> None:
    assert TOKEN not in repr(client)
    assert TOKEN not in repr(client.transport)


# ---- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error", "detail"),
    [
        (401, sample("error_401.json"), AuthFailed, "Unauthenticated."),
        (401, "<html>Login</html>", AuthFailed, "the API token was rejected"),
        (403, {"message": "This profile is private."}, AuthFailed, "This profile is private."),
        (404, sample("error_404.json"), NotFound, "no WhatPulse user 'alice'"),
        (422, sample("error_422.json"), InvalidRequest, "The date to field must be"),
        (500, "Server Error", Unavailable, "HTTP 500"),
        (418, {"message": "teapot"}, InvalidRequest, "teapot"),
    ],
    ids=["401-json", "401-html", "403", "404", "422", "500", "418"],
)
async def test_error_statuses_map_to_the_error_tree(
    client: WhatPulseClient,
    router: respx.MockRouter,
    status: int,
    body: Any,
    error: type[ServiceError],
    detail: str,
) -> None:
    kwargs: dict[str, Any] = {"json": body} if isinstance(body, dict) else {"text": body}
    route = router.get(PULSES).respond(status, **kwargs)

    with pytest.raises(error) as caught:
        await client.pulses("alice")

    exc = caught.value
    assert type(exc) is error
    assert (exc.service, exc.status) == (SPEC.key, status)
    assert detail in exc.detail
    assert TOKEN not in str(exc) and TOKEN not in repr(exc.args)
    if status < 500:
        assert route.call_count == 1  # nothing retries on 4xx


async def test_validation_errors_carry_field_errors(
    client: WhatPulseClient, router: respx.MockRouter
) -> None:
    router.get(PULSES).respond(422, json=sample("error_422.json"))
    with pytest.raises(InvalidRequest) as caught:
        await client.pulses("alice")
    assert caught.value.field_errors == {
        "date_to": ["The date to field must be a date after or equal to date from."],
        "computer_id": ["The selected computer id is invalid."],
    }


# ---- manners: limiter, retries, coalescing, cache ----------------------------------------


async def test_limiter_refuses_locally_after_limit_calls(
    client: WhatPulseClient, router: respx.MockRouter
) -> None:
    route = router.get(USER).respond(200, json=sample("user.json"))
    for _ in range(SPEC.limits.per_minute):
        await client.user("alice", fresh=True)

    with pytest.raises(RateLimited) as caught:
        await client.user("alice", fresh=True)

    assert caught.value.local is True
    assert caught.value.retry_after > 50
    assert route.call_count == SPEC.limits.per_minute


async def test_retry_after_is_honoured(
    client: WhatPulseClient, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(USER).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "30"}),
            httpx.Response(200, json=sample("user.json")),
        ]
    )
    with pytest.raises(RateLimited) as first:
        await client.user("alice")
    assert (first.value.retry_after, first.value.status, first.value.local) == (30, 429, False)

    with pytest.raises(RateLimited) as second:
        await client.user("alice")
    assert second.value.local is True
    assert route.call_count == 1

    clock.advance(31)
    assert (await client.user("alice")).username == "alice"
    assert route.call_count == 2


async def test_get_retries_503_then_succeeds(
    client: WhatPulseClient, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(USER).mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(503),
            httpx.Response(200, json=sample("user.json")),
        ]
    )
    assert (await client.user("alice")).id == 102938
    assert route.call_count == 3
    assert len(clock.slept) == 2


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(503), httpx.ConnectError("refused")],
    ids=["503", "refused"],
)
async def test_get_gives_up_after_retries(
    client: WhatPulseClient,
    router: respx.MockRouter,
    clock: FakeClock,
    failure: httpx.Response | Exception,
) -> None:
    if isinstance(failure, httpx.Response):
        route = router.get(USER).mock(return_value=failure)
    else:
        route = router.get(USER).mock(side_effect=failure)
    with pytest.raises(Unavailable) as caught:
        await client.user("alice")
    assert caught.value.service == SPEC.key
    assert route.call_count == 3
    assert len(clock.slept) == 2


async def test_identical_calls_in_flight_are_coalesced(
    client: WhatPulseClient, router: respx.MockRouter
) -> None:
    route = router.get(USER).respond(200, json=sample("user.json"))
    users = await asyncio.gather(*(client.user("alice") for _ in range(10)))
    assert route.call_count == 1
    assert {u.username for u in users} == {"alice"}


async def test_answers_are_cached_for_a_minute(
    client: WhatPulseClient, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(USER).respond(200, json=sample("user.json"))
    await client.user("alice")
    clock.advance(30)
    await client.user("alice")
    assert route.call_count == 1
    clock.advance(31)
    await client.user("alice")
    assert route.call_count == 2
    await client.user("alice", fresh=True)
    assert route.call_count == 3


# ---- garbled bodies ----------------------------------------------------------------------


def _pulses_with(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = sample("pulses_page2.json")
    body["pulses"][0].update(changes)
    return body


def _without(key: str) -> dict[str, Any]:
    body: dict[str, Any] = sample("pulses_page2.json")
    del body["pulses"][0][key]
    return body


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><body>Maintenance</body></html>",
        b'{"pulses": [{"id": 1, "date": "2026-11-',
        json.dumps(_without("keys")).encode(),
        json.dumps(
            {k: v for k, v in sample("pulses_page2.json").items() if k != "pagination"}
        ).encode(),
        json.dumps(_pulses_with(keys="lots")).encode(),
        json.dumps(_pulses_with(date="yesterday")).encode(),
        json.dumps(_pulses_with(auto_pulse="yes")).encode(),
        json.dumps({**sample("pulses_page2.json"), "pulses": {"id": 1}}).encode(),
        b"[]",
    ],
    ids=[
        "html-page",
        "truncated-json",
        "missing-keys",
        "missing-pagination",
        "keys-not-a-number",
        "date-not-a-date",
        "auto-pulse-not-bool",
        "pulses-not-a-list",
        "bare-list",
    ],
)
async def test_garbled_pulse_pages_are_bad_responses(
    client: WhatPulseClient, router: respx.MockRouter, content: bytes
) -> None:
    router.get(PULSES).respond(200, content=content)
    with pytest.raises(BadResponse) as caught:
        await client.pulses("alice")
    assert caught.value.service == SPEC.key
    assert str(caught.value).startswith("whatpulse:")


@pytest.mark.parametrize(
    "body",
    [{"user": None}, {"user": {"id": 1}}, {"user": {"id": "x", "username": "a"}}, {"data": {}}],
    ids=["user-null", "missing-username", "id-not-a-number", "no-user-key"],
)
async def test_garbled_user_is_a_bad_response(
    client: WhatPulseClient, router: respx.MockRouter, body: Any
) -> None:
    router.get(USER).respond(200, json=body)
    with pytest.raises(BadResponse) as caught:
        await client.user("alice")
    assert caught.value.service == SPEC.key
