"""Pulsetracker client against a mocked transport (respx), with a prefixed base URL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from bot.clients import pulsetracker
from bot.clients.pulsetracker import (
    SPEC,
    PulsetrackerClient,
    quota_fraction,
)
from bot.errors import (
    AuthFailed,
    BadResponse,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    RateLimited,
    ServiceError,
    Unavailable,
)
from tests import samples
from tests.fakes.clock import FakeClock

BASE = "http://sim.test/pulsetracker"
TOKEN = "pt-secret-token-9876543210"
QUOTA_SENTENCE = (
    "You have exceeded your monthly quota. "
    "Please upgrade your plan or wait until your quota resets."
)


sample = samples.of("pulsetracker")


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def client(http: httpx.AsyncClient, clock: FakeClock) -> PulsetrackerClient:
    return pulsetracker.SPEC.connect(http, credential={"token": TOKEN}, base_url=BASE, clock=clock)


def by_page(pages: dict[str, Any]) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("page", "1")])

    return answer


# ---- apps --------------------------------------------------------------------------------


async def test_apps_page(client: PulsetrackerClient, router: respx.MockRouter) -> None:
    route = router.get("/api/apps").respond(200, json=sample("apps_page1.json"))

    page = await client.apps()

    assert (page.number, page.last, page.total, len(page.items)) == (1, 2, 13, 2)
    fleet, sales = page.items
    assert (fleet.key, fleet.name, fleet.devices_count) == ("app_9f2c1a", "Delivery fleet", 14)
    assert fleet.created_at == datetime(2025, 3, 2, 8, 30, tzinfo=UTC)
    assert [(q.year, q.month, q.messages_sent) for q in fleet.quota] == [
        (2026, 10, 7120),
        (2026, 11, 8450),
    ]
    assert (sales.quota, sales.devices_count) == ((), 0)

    request = route.calls.last.request
    assert str(request.url) == "http://sim.test/pulsetracker/api/apps?page=1"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["accept"] == "application/json"


async def test_all_apps_reads_every_page(
    client: PulsetrackerClient, router: respx.MockRouter
) -> None:
    route = router.get("/api/apps").mock(
        side_effect=by_page({"1": sample("apps_page1.json"), "2": sample("apps_page2.json")})
    )
    result = await client.all_apps()
    assert [a.key for a in result.apps] == ["app_9f2c1a", "app_77b0d4", "app_c0ffee"]
    assert (result.total, result.truncated) == (13, False)
    assert [c.request.url.params["page"] for c in route.calls] == ["1", "2"]


async def test_all_apps_stops_at_the_cap(
    client: PulsetrackerClient, router: respx.MockRouter
) -> None:
    route = router.get("/api/apps").respond(200, json=sample("apps_page1.json"))
    result = await client.all_apps(max_pages=1)
    assert (len(result.apps), result.total, result.truncated) == (2, 13, True)
    assert route.call_count == 1


async def test_app_by_key_and_monthly_quota(
    client: PulsetrackerClient, router: respx.MockRouter
) -> None:
    route = router.get("/api/apps/app_9f2c1a").respond(200, json=sample("app.json"))

    app = await client.app("app_9f2c1a")

    assert app.name == "Delivery fleet"
    assert app.messages_sent_in(2026, 11) == 8450
    assert app.messages_sent_in(2026, 9) == 0
    assert quota_fraction(app, 2026, 11, 10_000) == pytest.approx(0.845)
    assert quota_fraction(app, 2026, 10, limit=5000) == pytest.approx(1.424)
    with pytest.raises(ValueError):
        quota_fraction(app, 2026, 11, limit=0)
    assert route.calls.last.request.url.path == "/pulsetracker/api/apps/app_9f2c1a"


async def test_unknown_app_is_not_found_naming_the_key(
    client: PulsetrackerClient, router: respx.MockRouter
) -> None:
    router.get("/api/apps/nope").respond(404, json={"message": "Not Found"})
    with pytest.raises(NotFound) as caught:
        await client.app("nope")
    assert "'nope'" in caught.value.detail


async def test_create_app(client: PulsetrackerClient, router: respx.MockRouter) -> None:
    route = router.post("/api/apps").respond(201, json=sample("app_created.json"))

    app = await client.create_app("  Night shift ")

    assert (app.key, app.name, app.devices_count, app.quota) == ("app_new123", "Night shift", 0, ())
    request = route.calls.last.request
    assert json.loads(request.content) == {"name": "Night shift"}
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


async def test_create_app_over_quota_carries_the_services_sentence(
    client: PulsetrackerClient, router: respx.MockRouter
) -> None:
    route = router.post("/api/apps").respond(403, json=sample("error_403_quota.json"))
    with pytest.raises(QuotaExceeded) as caught:
        await client.create_app("One more")
    assert caught.value.detail == QUOTA_SENTENCE
    assert caught.value.status == 403
    assert route.call_count == 1


async def test_create_app_validation_error(
    client: PulsetrackerClient, router: respx.MockRouter
) -> None:
    router.post("/api/apps").respond(422, json=sample("error_422.json"))
    with pytest.raises(InvalidRequest) as caught:
        await client.create_app("x")
    assert caught.value.field_errors == {"name": ["The name field is required."]}


@pytest.mark.parametrize("call", ["create", "rename"], ids=["create", "rename"])
async def test_blank_names_are_refused_before_sending(
    client: PulsetrackerClient, router: respx.MockRouter, call: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        if call == "create":
            await client.create_app("   ")
        else:
            await client.rename_app("app_9f2c1a", "")
    assert "name" in caught.value.field_errors
    assert router.calls.call_count == 0


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (httpx.Response(200, json="Night crew"), "Night crew"),
        (httpx.Response(200, json=2027), "2027"),
        (httpx.Response(200, json={"data": sample("app_created.json")["data"]}), "Night shift"),
        (httpx.Response(204), "Night crew"),
    ],
    ids=["bare-string", "bare-number", "object", "no-content"],
)
async def test_rename_app_answers(
    client: PulsetrackerClient, router: respx.MockRouter, answer: httpx.Response, expected: str
) -> None:
    route = router.put("/api/apps/app_9f2c1a").mock(return_value=answer)

    assert await client.rename_app("app_9f2c1a", "Night crew") == expected

    request = route.calls.last.request
    assert request.url.path == "/pulsetracker/api/apps/app_9f2c1a"
    assert json.loads(request.content) == {"name": "Night crew"}


@pytest.mark.parametrize(
    "answer",
    [[], True, {"data": {}}, {"name": 3}],
    ids=["list", "bool", "object-without-name", "object-without-data"],
)
async def test_rename_app_garbled_answers(
    client: PulsetrackerClient, router: respx.MockRouter, answer: Any
) -> None:
    router.put("/api/apps/app_9f2c1a").respond(200, json=answer)
    with pytest.raises(BadResponse) as caught:
        await client.rename_app("app_9f2c1a", "Night crew")
    assert caught.value.service == SPEC.key


async def test_writes_clear_the_cache(client: PulsetrackerClient, router: respx.MockRouter) -> None:
    listing = router.get("/api/apps").respond(200, json=sample("apps_page1.json"))
    router.put("/api/apps/app_9f2c1a").respond(200, json="Renamed")
    await client.apps()
    await client.apps()
    assert listing.call_count == 1
    await client.rename_app("app_9f2c1a", "Renamed")
    await client.apps()
    assert listing.call_count == 2


@pytest.mark.parametrize("method", ["POST", "PUT"], ids=["post", "put"])
async def test_writes_are_never_retried(
    client: PulsetrackerClient, router: respx.MockRouter, clock: FakeClock, method: str
) -> None:
    route = router.route(method=method).respond(503)
    with pytest.raises(Unavailable):
        if method == "POST":
            await client.create_app("x")
        else:
            await client.rename_app("app_9f2c1a", "x")
    assert route.call_count == 1
    assert clock.slept == []


# ---- devices -----------------------------------------------------------------------------


async def test_devices_of_one_app(client: PulsetrackerClient, router: respx.MockRouter) -> None:
    route = router.get("/api/devices").respond(200, json=sample("devices_page1.json"))

    page = await client.devices("app_9f2c1a", page=1)

    assert (page.number, page.last, page.total, len(page.items)) == (1, 2, 14, 2)
    van12, van14 = page.items
    assert (van12.key, van12.name, van12.type) == ("dev_a1", "Van 12", "android")
    assert (van12.app_key, van12.app_name) == ("app_9f2c1a", "Delivery fleet")
    assert van12.last_location is not None
    assert (van12.last_location.latitude, van12.last_location.longitude) == (51.5072, -0.1276)
    assert van12.last_location.ip_address == "203.0.113.7"
    assert van12.last_location.updated_at == datetime(2026, 11, 23, 11, 58, 10, tzinfo=UTC)
    assert van12.messages_sent_in(2026, 11) == 610
    assert (van14.app_key, van14.app_name, van14.last_location) == ("app_9f2c1a", None, None)
    assert dict(route.calls.last.request.url.params) == {"page": "1", "appKey": "app_9f2c1a"}


async def test_devices_without_app_filter(
    client: PulsetrackerClient, router: respx.MockRouter
) -> None:
    route = router.get("/api/devices").respond(200, json=sample("devices_page1.json"))
    await client.devices(page=2)
    assert dict(route.calls.last.request.url.params) == {"page": "2"}


async def test_device_with_geojson_coordinates(
    client: PulsetrackerClient, router: respx.MockRouter
) -> None:
    router.get("/api/devices/dev_a1").respond(200, json=sample("device.json"))
    device = await client.device("dev_a1")
    assert device.last_location is not None
    assert (device.last_location.latitude, device.last_location.longitude) == (51.5072, -0.1276)


async def test_page_zero_is_refused_before_sending(
    client: PulsetrackerClient, router: respx.MockRouter
) -> None:
    with pytest.raises(InvalidRequest):
        await client.apps(0)
    assert router.calls.call_count == 0


# ---- validate, credentials ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "expected"),
    [(13, "13 apps"), (1, "1 app"), (0, "0 apps")],
    ids=["many", "one", "none"],
)
async def test_validate_counts_apps(
    client: PulsetrackerClient, router: respx.MockRouter, total: int, expected: str
) -> None:
    body = sample("apps_page1.json")
    body["meta"]["total"] = total
    router.get("/api/apps").respond(200, json=body)
    assert await client.validate() == expected


def test_credential_fields_and_secrecy(http: httpx.AsyncClient, client: PulsetrackerClient) -> None:
    assert [(f.name, f.secret, f.required) for f in SPEC.credential_fields] == [
        ("token", True, True),
        ("allowance", False, False),  # what the API never reports: an admin may say it
    ]
    assert TOKEN not in repr(client) and TOKEN not in repr(client.transport)
    with pytest.raises(AuthFailed):
        pulsetracker.SPEC.connect(http, credential={"token": "  "})


@pytest.mark.parametrize(
    ("entered", "allowance"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("10000", 10_000),
        ("10,000", 10_000),
        (" 250 000 ", 250_000),
        ("1_000_000", 1_000_000),
    ],
    ids=["absent", "empty", "blank", "plain", "commas", "spaces", "underscores"],
)
def test_the_monthly_allowance_is_unknown_unless_entered(
    http: httpx.AsyncClient, entered: str | None, allowance: int | None
) -> None:
    credential = {"token": TOKEN} if entered is None else {"token": TOKEN, "allowance": entered}
    client = pulsetracker.SPEC.connect(http, credential=credential, base_url=BASE)
    assert client.allowance == allowance


@pytest.mark.parametrize("entered", ["10k", "0", "-5", "1.5", "10,0000", "１２", "9" * 14])
def test_a_wrong_allowance_is_refused_naming_the_field(
    http: httpx.AsyncClient, entered: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        pulsetracker.SPEC.connect(
            http, credential={"token": TOKEN, "allowance": entered}, base_url=BASE
        )
    assert list(caught.value.field_errors) == ["allowance"]


# ---- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "error", "detail"),
    [
        (401, sample("error_401.json"), AuthFailed, "Unauthenticated."),
        (401, "<html>login</html>", AuthFailed, "the API token was rejected"),
        (403, {"message": "This action is unauthorized."}, AuthFailed, "unauthorized"),
        (403, sample("error_403_quota.json"), QuotaExceeded, QUOTA_SENTENCE),
        (404, {"message": "Not Found"}, NotFound, "no such page"),
        (422, sample("error_422.json"), InvalidRequest, "The name field is required."),
        (500, "oops", Unavailable, "HTTP 500"),
    ],
    ids=["401", "401-html", "403-forbidden", "403-quota", "404", "422", "500"],
)
async def test_error_statuses_map_to_the_error_tree(
    client: PulsetrackerClient,
    router: respx.MockRouter,
    status: int,
    body: Any,
    error: type[ServiceError],
    detail: str,
) -> None:
    kwargs: dict[str, Any] = {"json": body} if isinstance(body, dict) else {"text": body}
    route = router.get("/api/apps").respond(status, **kwargs)
    with pytest.raises(error) as caught:
        await client.apps()
    exc = caught.value
    assert type(exc) is error
    assert (exc.service, exc.status) == (SPEC.key, status)
    assert detail in exc.detail
    assert TOKEN not in str(exc)
    if status < 500:
        assert route.call_count == 1  # nothing retries on 4xx


# ---- manners -----------------------------------------------------------------------------


async def test_limiter_refuses_locally_after_limit_calls(
    client: PulsetrackerClient, router: respx.MockRouter
) -> None:
    route = router.get("/api/apps").respond(200, json=sample("apps_page1.json"))
    for _ in range(SPEC.limits.per_minute):
        await client.apps(fresh=True)
    with pytest.raises(RateLimited) as caught:
        await client.apps(fresh=True)
    assert caught.value.local is True
    assert route.call_count == SPEC.limits.per_minute


async def test_retry_after_is_honoured(
    client: PulsetrackerClient, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get("/api/apps").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "45"}),
            httpx.Response(200, json=sample("apps_page1.json")),
        ]
    )
    with pytest.raises(RateLimited) as first:
        await client.apps()
    assert first.value.retry_after == 45
    with pytest.raises(RateLimited) as second:
        await client.apps()
    assert second.value.local is True and route.call_count == 1
    clock.advance(46)
    assert (await client.apps()).total == 13


@pytest.mark.parametrize(
    ("effects", "ok"),
    [
        ([httpx.Response(503), httpx.Response(200, json=sample("apps_page1.json"))], True),
        ([httpx.Response(502)] * 3, False),
        ([httpx.ConnectError("refused")] * 3, False),
    ],
    ids=["503-then-ok", "502-thrice", "refused-thrice"],
)
async def test_get_retries_with_backoff(
    client: PulsetrackerClient,
    router: respx.MockRouter,
    clock: FakeClock,
    effects: list[Any],
    ok: bool,
) -> None:
    route = router.get("/api/apps").mock(side_effect=effects)
    if ok:
        assert (await client.apps()).total == 13
    else:
        with pytest.raises(Unavailable):
            await client.apps()
    assert route.call_count == len(effects)
    assert len(clock.slept) == len(effects) - 1


async def test_coalescing_and_cache(
    client: PulsetrackerClient, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get("/api/apps/app_9f2c1a").respond(200, json=sample("app.json"))
    apps = await asyncio.gather(*(client.app("app_9f2c1a") for _ in range(10)))
    assert route.call_count == 1 and {a.name for a in apps} == {"Delivery fleet"}
    await client.app("app_9f2c1a")
    assert route.call_count == 1
    clock.advance(61)
    await client.app("app_9f2c1a")
    assert route.call_count == 2
    await client.app("app_9f2c1a", fresh=True)
    assert route.call_count == 3


# ---- garbled bodies ----------------------------------------------------------------------


def _app_page_with(**changes: Any) -> bytes:
    body: dict[str, Any] = sample("apps_page1.json")
    body["data"][0].update(changes)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    "content",
    [
        b"<html><head><title>Pulsetracker</title></head><body>Login</body></html>",
        b'{"data": [{"key": "app_9f2c1a", "na',
        json.dumps({"data": []}).encode(),
        json.dumps({"data": {"key": "x"}, "meta": sample("apps_page1.json")["meta"]}).encode(),
        _app_page_with(name=None),
        _app_page_with(quota=[{"year": 2026, "month": "Nov", "messages_sent": 1}]),
        _app_page_with(devices_count="many"),
        _app_page_with(created_at="last tuesday"),
    ],
    ids=[
        "html-page",
        "truncated-json",
        "missing-meta",
        "data-not-a-list",
        "name-missing",
        "month-not-a-number",
        "devices-count-wrong-type",
        "created-at-not-a-time",
    ],
)
async def test_garbled_app_pages_are_bad_responses(
    client: PulsetrackerClient, router: respx.MockRouter, content: bytes
) -> None:
    router.get("/api/apps").respond(200, content=content)
    with pytest.raises(BadResponse) as caught:
        await client.apps()
    assert caught.value.service == SPEC.key
    assert str(caught.value).startswith("pulsetracker:")


@pytest.mark.parametrize(
    "data",
    [
        {"key": "d", "name": "n", "lastLocation": "here"},
        {"key": "d", "name": "n", "lastLocation": {"location": {"coordinates": {"lat": "N"}}}},
        {"name": "n"},
    ],
    ids=["location-not-object", "latitude-not-number", "missing-key"],
)
async def test_garbled_devices_are_bad_responses(
    client: PulsetrackerClient, router: respx.MockRouter, data: dict[str, Any]
) -> None:
    router.get("/api/devices/d").respond(200, json={"data": data})
    with pytest.raises(BadResponse):
        await client.device("d")
