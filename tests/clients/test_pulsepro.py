"""PulsePro client against a mocked transport (respx), with a prefixed base URL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import respx

from bot.clients import pulsepro
from bot.clients.pulsepro import (
    ACTIONS_PATH,
    INSPECTIONS_PATH,
    LOCATIONS_PATH,
    SPEC,
    PulseProClient,
    RateLimit,
    decode_error,
)
from bot.clients.transport import Response
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
from bot.messages import sentence
from tests import samples
from tests.fakes.clock import FakeClock

BASE = "http://sim.test/pulsepro"
API_KEY = "pp-secret-api-key-5555"
DOC_HEADERS = {
    "Organization-RateLimit-Limit": "60;w=60;b=60",
    "RateLimit-Remaining": "48",
    "RateLimit-Reset": "50",
}


sample = samples.of("pulsepro")


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def client(http: httpx.AsyncClient, clock: FakeClock) -> PulseProClient:
    return pulsepro.SPEC.connect(http, credential={"api_key": API_KEY}, base_url=BASE, clock=clock)


def page(results: list[Any], count: int, next_link: str | None = None) -> dict[str, Any]:
    return {"count": count, "next": next_link, "previous": None, "results": results}


# ---- inspections and pagination ----------------------------------------------------------


async def test_inspections_walk_next_links_under_the_prefix(
    client: PulseProClient, router: respx.MockRouter
) -> None:
    route = router.get(INSPECTIONS_PATH).mock(
        side_effect=[
            httpx.Response(200, json=sample("inspections_page1.json")),
            httpx.Response(200, json=sample("inspections_page2.json")),
        ]
    )

    found = await client.inspections(date(2026, 11, 16), date(2026, 11, 22))

    assert (found.count, found.truncated, len(found.items)) == (3, False, 3)
    kitchen, exits, forklift = found.items
    assert (kitchen.id, kitchen.title, kitchen.template) == (
        "5012",
        "Weekly kitchen hygiene",
        "Food safety (HACCP)",
    )
    assert (kitchen.location_id, kitchen.location_name) == ("12", "Wellington Central")
    assert kitchen.conducted_at == datetime(2026, 11, 17, 9, 30, tzinfo=UTC)
    assert (kitchen.score, kitchen.status, kitchen.inspector) == (92.5, "completed", "Mere Tane")
    assert (exits.template, exits.location_id, exits.location_name) == ("Fire safety", "14", None)
    assert exits.conducted_at == datetime(2026, 11, 18, 1, 0, tzinfo=UTC)
    assert (exits.score, exits.inspector) == (78.0, "sam@example.com")
    assert (forklift.score, forklift.conducted_at, forklift.template) == (None, None, None)

    first, second = (str(call.request.url) for call in route.calls)
    assert first == f"{BASE}/api/v1/inspections?date_from=2026-11-16&date_to=2026-11-22"
    assert second == f"{BASE}/api/v1/inspections?date_from=2026-11-16&date_to=2026-11-22&page=2"
    for call in route.calls:
        assert call.request.headers["authorization"] == f"Api-key {API_KEY}"


@pytest.mark.parametrize(
    "next_link",
    ["/api/v1/inspections?page=2", "https://api.pulsepro.ai/api/v1/inspections?page=2"],
    ids=["root-relative-path", "absolute-url"],
)
async def test_next_link_is_resolved_against_the_base_url_with_prefix(
    client: PulseProClient, router: respx.MockRouter, next_link: str
) -> None:
    route = router.get(INSPECTIONS_PATH).mock(
        side_effect=[
            httpx.Response(200, json=page([], 0, next_link)),
            httpx.Response(200, json=page([], 0)),
        ]
    )
    await client.inspections()
    assert str(route.calls[1].request.url) == "http://sim.test/pulsepro/api/v1/inspections?page=2"


async def test_inspections_stop_at_the_page_cap(
    client: PulseProClient, router: respx.MockRouter
) -> None:
    def endless(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page", "1"))
        item = {"id": number, "title": f"Round {number}"}
        return httpx.Response(
            200, json=page([item], 500, f"/api/v1/inspections?location=12&page={number + 1}")
        )

    route = router.get(INSPECTIONS_PATH).mock(side_effect=endless)

    found = await client.inspections(location="12", max_pages=2)

    assert (found.count, found.truncated) == (500, True)
    assert [i.title for i in found.items] == ["Round 1", "Round 2"]
    assert route.call_count == 2
    assert dict(route.calls[0].request.url.params) == {"location": "12"}


async def test_reversed_dates_are_refused_before_sending(
    client: PulseProClient, router: respx.MockRouter
) -> None:
    with pytest.raises(InvalidRequest):
        await client.inspections(date(2026, 11, 22), date(2026, 11, 1))
    assert router.calls.call_count == 0


# ---- actions and locations ---------------------------------------------------------------


async def test_actions(client: PulseProClient, router: respx.MockRouter) -> None:
    route = router.get(ACTIONS_PATH).respond(200, json=sample("actions.json"))

    found = await client.actions()

    seal, labels, fridge = found.items
    assert (seal.id, seal.title, seal.status, seal.priority) == (
        "901",
        "Replace cracked fire-door seal",
        "open",
        "high",
    )
    assert (seal.due_date, seal.overdue) == (date(2026, 11, 20), True)
    assert (seal.location, seal.assignee) == ("Petone Warehouse", "Aroha Ngata")
    assert seal.created_at == datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    assert (labels.overdue, labels.location, labels.assignee) == (
        False,
        "Wellington Central",
        "Sam Lee",
    )
    # No `overdue` field: derived from the due date (21 Nov) against today (23 Nov).
    assert (fridge.due_date, fridge.overdue, fridge.priority) == (date(2026, 11, 21), True, None)
    assert (found.count, found.overdue_count, found.truncated) == (3, 2, False)
    assert dict(route.calls.last.request.url.params) == {"status": "open"}


@pytest.mark.parametrize(
    ("kwargs", "params"),
    [
        ({"overdue": True}, {"status": "open", "overdue": "true"}),
        ({"overdue": False}, {"status": "open", "overdue": "false"}),
        ({"status": None}, {}),
        ({"status": "closed"}, {"status": "closed"}),
    ],
    ids=["overdue", "not-overdue", "any-status", "closed"],
)
async def test_action_filters(
    client: PulseProClient,
    router: respx.MockRouter,
    kwargs: dict[str, Any],
    params: dict[str, str],
) -> None:
    route = router.get(ACTIONS_PATH).respond(200, json=page([], 0))
    await client.actions(**kwargs)
    assert dict(route.calls.last.request.url.params) == params


@pytest.mark.parametrize(
    ("status", "due", "expected"),
    [
        ("open", "2026-11-22", True),
        ("open", "2026-11-23", False),
        ("Completed", "2026-01-01", False),
        ("open", None, False),
    ],
    ids=["past-due", "due-today", "closed-past-due", "no-due-date"],
)
async def test_overdue_is_derived_when_not_given(
    client: PulseProClient, router: respx.MockRouter, status: str, due: str | None, expected: bool
) -> None:
    item = {"id": 1, "title": "Fix it", "status": status, "due_date": due}
    router.get(ACTIONS_PATH).respond(200, json=page([item], 1))
    (action,) = (await client.actions()).items
    assert action.overdue is expected


async def test_locations_and_validate(client: PulseProClient, router: respx.MockRouter) -> None:
    route = router.get(LOCATIONS_PATH).respond(200, json=sample("locations.json"))

    found = await client.locations()
    assert [(loc.id, loc.name, loc.address) for loc in found.items] == [
        ("12", "Wellington Central", "1 Lambton Quay, Wellington"),
        ("14", "Petone Warehouse", None),
    ]
    assert await client.validate() == "2 locations"
    assert route.call_count == 2  # validate always asks the service
    assert route.calls.last.request.url.path == "/pulsepro/api/v1/locations"


async def test_validate_singular(client: PulseProClient, router: respx.MockRouter) -> None:
    router.get(LOCATIONS_PATH).respond(200, json=page([{"id": "x", "name": "Only"}], 1))
    assert await client.validate() == "1 location"


def test_credential_fields_and_secrecy(http: httpx.AsyncClient, client: PulseProClient) -> None:
    assert [(f.name, f.secret) for f in SPEC.credential_fields] == [("api_key", True)]
    assert API_KEY not in repr(client) and API_KEY not in repr(client.transport)
    with pytest.raises(AuthFailed):
        pulsepro.SPEC.connect(http, credential={"token": API_KEY})


# ---- rate limit headers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (DOC_HEADERS, RateLimit(60, 60, 60, 48, 50.0)),
        (
            {k.lower(): v for k, v in DOC_HEADERS.items()},
            RateLimit(60, 60, 60, 48, 50.0),
        ),
        ({"Organization-RateLimit-Limit": "120;w=60"}, RateLimit(120, 60, None, None, None)),
        ({"RateLimit-Remaining": "0", "RateLimit-Reset": "7"}, RateLimit(None, None, None, 0, 7.0)),
        ({"RateLimit-Limit": "60, 60;w=60"}, RateLimit(60, None, None, None, None)),
        (
            {"Organization-RateLimit-Limit": "lots;w=x", "RateLimit-Remaining": "3"},
            RateLimit(None, None, None, 3, None),
        ),
        ({"Content-Type": "application/json"}, None),
    ],
    ids=["documented", "lower-case", "no-burst", "no-policy", "ietf-list", "garbage", "none"],
)
def test_rate_limit_from_headers(headers: dict[str, str], expected: RateLimit | None) -> None:
    assert RateLimit.from_headers(headers) == expected


async def test_client_exposes_the_last_rate_limit_and_feeds_the_limiter(
    client: PulseProClient, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(LOCATIONS_PATH).mock(
        side_effect=[
            httpx.Response(200, json=sample("locations.json"), headers=DOC_HEADERS),
            httpx.Response(
                200,
                json=sample("locations.json"),
                headers={**DOC_HEADERS, "RateLimit-Remaining": "0", "RateLimit-Reset": "40"},
            ),
            httpx.Response(200, json=sample("locations.json")),
        ]
    )
    assert client.rate_limit is None
    await client.locations()
    assert client.rate_limit == RateLimit(60, 60, 60, 48, 50.0)
    await client.locations()  # cached: the last rate limit stays the newest one seen
    assert client.rate_limit == RateLimit(60, 60, 60, 48, 50.0)

    await client.locations(fresh=True)
    assert client.rate_limit == RateLimit(60, 60, 60, 0, 40.0)
    assert client.transport.limiter.headroom() == 0
    with pytest.raises(RateLimited) as caught:  # the bucket is empty: don't even ask
        await client.locations(fresh=True)
    assert caught.value.local is True
    assert route.call_count == 2

    clock.advance(41)
    await client.locations(fresh=True)
    assert route.call_count == 3
    # An answer without rate-limit headers keeps the last value seen.
    assert client.rate_limit == RateLimit(60, 60, 60, 0, 40.0)


async def test_limiter_refuses_locally_after_limit_calls(
    client: PulseProClient, router: respx.MockRouter
) -> None:
    route = router.get(LOCATIONS_PATH).respond(200, json=sample("locations.json"))
    for _ in range(SPEC.limits.per_minute):
        await client.locations(fresh=True)
    with pytest.raises(RateLimited) as caught:
        await client.locations(fresh=True)
    assert caught.value.local is True
    assert route.call_count == SPEC.limits.per_minute


async def test_429_retry_after_is_honoured(
    client: PulseProClient, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(ACTIONS_PATH).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "20"}, json={"error": "Too many"}),
            httpx.Response(200, json=sample("actions.json")),
        ]
    )
    with pytest.raises(RateLimited) as first:
        await client.actions()
    assert (first.value.retry_after, first.value.status) == (20, 429)
    with pytest.raises(RateLimited):
        await client.actions()
    assert route.call_count == 1
    clock.advance(21)
    assert (await client.actions()).count == 3


# ---- 503 spikes and retries --------------------------------------------------------------


async def test_503_is_retried_then_explained(
    client: PulseProClient, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(INSPECTIONS_PATH).respond(503, json={"error": "Service Unavailable"})
    with pytest.raises(Unavailable) as caught:
        await client.inspections()
    assert route.call_count == 3
    assert len(clock.slept) == 2
    assert caught.value.status == 503
    said = sentence(caught.value)  # the advice is said once, not twice
    assert said.count("5 minutes") == 1 and "try again in a few minutes" not in said


async def test_503_then_success(
    client: PulseProClient, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(INSPECTIONS_PATH).mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(200, json=sample("inspections_page2.json")),
        ]
    )
    assert (await client.inspections()).count == 3
    assert route.call_count == 2 and len(clock.slept) == 1


async def test_a_timeout_is_said_once_and_not_retried(
    client: PulseProClient, router: respx.MockRouter
) -> None:
    route = router.get(LOCATIONS_PATH).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(TimedOut) as caught:
        await client.locations()
    assert route.call_count == 1
    assert sentence(caught.value) == (
        "PulsePro did not answer within 10 s; try again in a few minutes."
    )


def test_decode_error_names_the_spike() -> None:
    error = decode_error(Response(SPEC.key, 503, {}, b"<html>busy</html>"))
    assert isinstance(error, Unavailable) and "5 minutes" in sentence(error)


# ---- error statuses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error", "detail", "fields"),
    [
        (401, sample("error_401.json"), AuthFailed, "invalid or has been revoked", {}),
        (401, "<html>Sign in</html>", AuthFailed, "the API key was rejected", {}),
        (403, {"error": {"code": "forbidden"}}, AuthFailed, "forbidden", {}),
        (404, sample("error_404_text.json"), NotFound, "Location 999 does not exist.", {}),
        (
            400,
            sample("error_400.json"),
            InvalidRequest,
            "date_from must be a date",
            {"date_from": ["Enter a valid date."]},
        ),
        (
            400,
            {"location": ["Invalid pk."]},
            InvalidRequest,
            "HTTP 400",
            {"location": ["Invalid pk."]},
        ),
        (422, {"detail": "Unprocessable"}, InvalidRequest, "Unprocessable", {}),
        (500, {"error": "boom"}, Unavailable, "boom", {}),
    ],
    ids=["401", "401-html", "403", "404-text", "400-fields", "400-drf", "422-detail", "500"],
)
async def test_error_statuses_map_to_the_error_tree(
    client: PulseProClient,
    router: respx.MockRouter,
    status: int,
    body: Any,
    error: type[ServiceError],
    detail: str,
    fields: dict[str, list[str]],
) -> None:
    kwargs: dict[str, Any] = {"json": body} if isinstance(body, dict) else {"text": body}
    route = router.get(INSPECTIONS_PATH).respond(status, **kwargs)
    with pytest.raises(error) as caught:
        await client.inspections()
    exc = caught.value
    assert type(exc) is error
    assert (exc.service, exc.status) == (SPEC.key, status)
    assert detail in exc.detail
    assert API_KEY not in str(exc)
    if isinstance(exc, InvalidRequest):
        assert exc.field_errors == fields
    if status < 500:
        assert route.call_count == 1  # nothing retries on 4xx


# ---- coalescing and cache ----------------------------------------------------------------


async def test_coalescing_and_cache(
    client: PulseProClient, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(LOCATIONS_PATH).respond(200, json=sample("locations.json"))
    results = await asyncio.gather(*(client.locations() for _ in range(10)))
    assert route.call_count == 1
    assert {r.count for r in results} == {2}
    await client.locations()
    assert route.call_count == 1
    clock.advance(61)
    await client.locations()
    assert route.call_count == 2
    await client.locations(fresh=True)
    assert route.call_count == 3


# ---- garbled bodies ----------------------------------------------------------------------


def _inspection(**changes: Any) -> bytes:
    body: dict[str, Any] = sample("inspections_page2.json")
    body["results"][0].update(changes)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    "content",
    [
        b"<!doctype html><html><body>502 Bad Gateway</body></html>",
        b'{"count": 3, "results": [{"id": 5',
        json.dumps({"results": []}).encode(),
        json.dumps({"count": 1, "results": {"id": 1}}).encode(),
        json.dumps({"count": "3", "results": []}).encode(),
        json.dumps([{"id": 1, "title": "bare list"}]).encode(),
        _inspection(id=True),
        _inspection(title=None),
        _inspection(score="high"),
        _inspection(conducted_at="soon"),
        _inspection(location=[12]),
    ],
    ids=[
        "html-page",
        "truncated-json",
        "missing-count",
        "results-not-a-list",
        "count-not-a-number",
        "bare-list",
        "id-is-bool",
        "title-missing",
        "score-not-a-number",
        "time-not-a-time",
        "location-wrong-type",
    ],
)
async def test_garbled_inspection_pages_are_bad_responses(
    client: PulseProClient, router: respx.MockRouter, content: bytes
) -> None:
    router.get(INSPECTIONS_PATH).respond(200, content=content)
    with pytest.raises(BadResponse) as caught:
        await client.inspections()
    assert caught.value.service == SPEC.key
    assert str(caught.value).startswith("pulsepro:")


@pytest.mark.parametrize(
    "item",
    [
        {"id": 1, "title": "t"},
        {"id": 1, "title": "t", "status": "open", "overdue": "yes"},
        {"id": 1, "title": "t", "status": "open", "due_date": "next week"},
    ],
    ids=["status-missing", "overdue-not-bool", "due-date-not-a-date"],
)
async def test_garbled_actions_are_bad_responses(
    client: PulseProClient, router: respx.MockRouter, item: dict[str, Any]
) -> None:
    router.get(ACTIONS_PATH).respond(200, json=page([item], 1))
    with pytest.raises(BadResponse):
        await client.actions()
