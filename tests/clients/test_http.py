"""The polite transport: limiter, budget, retries, coalescing, cache, URL joining."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
import respx

from bot.clients.limiter import WindowLimiter, retry_after_seconds
from bot.clients.transport import Manners, Response, ServiceHTTP
from bot.errors import (
    BudgetExhausted,
    NotFound,
    RateLimited,
    ServiceError,
    TimedOut,
    Unavailable,
)
from tests.fakes.clock import FakeClock

BASE = "http://sim.test/prefix"


def decode(response: Response) -> ServiceError:
    """As the clients' own: 5xx is Unavailable, anything else (here) NotFound."""
    kind = Unavailable if response.status >= 500 else NotFound
    return kind(response.service, f"HTTP {response.status}", status=response.status)


def make(http: httpx.AsyncClient, clock: FakeClock, **manners: float) -> ServiceHTTP:
    return ServiceHTTP(
        http=http,
        service="demo",
        base_url=BASE,
        headers={"Authorization": "Bearer sekrit-token-123"},
        limiter=WindowLimiter(3, 60, clock),
        decode_error=decode,
        clock=clock,
        manners=Manners(**manners),  # type: ignore[arg-type]
        jitter=lambda: 0.5,
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/stats", f"{BASE}/v1/stats"),
        ("v1/stats", f"{BASE}/v1/stats"),
        ("/api/v1/inspections?page=2", f"{BASE}/api/v1/inspections?page=2"),
        (f"{BASE}/api/x?page=3", f"{BASE}/api/x?page=3"),
        ("http://sim.test/prefix/api/x?page=3", f"{BASE}/api/x?page=3"),
        ("https://api.real.example/api/x?page=4", f"{BASE}/api/x?page=4"),
    ],
    ids=["rooted", "relative", "root-path-next", "absolute-inside", "same", "other-host"],
)
def test_url_keeps_prefix(clock: FakeClock, path: str, expected: str) -> None:
    transport = make(httpx.AsyncClient(), clock)
    assert transport.url(path) == expected


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("30", 30.0), ("Mon, 23 Nov 2026 12:01:00 GMT", 60.0), ("soon", None), (None, None)],
    ids=["delta", "http-date", "garbage", "absent"],
)
def test_retry_after(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, datetime(2026, 11, 23, 12, 0, tzinfo=UTC)) == seconds


@respx.mock
async def test_limiter_refuses_locally_without_sending(clock: FakeClock) -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(200, json={}))
    async with httpx.AsyncClient() as http:
        transport = make(http, clock, cache_ttl=0, max_wait=5)
        for _ in range(3):
            await transport.get("/x")
        with pytest.raises(RateLimited) as caught:
            await transport.get("/x")
    assert caught.value.local is True
    assert 59 <= caught.value.retry_after <= 60
    assert route.call_count == 3
    assert transport.limiter.headroom() == 0


@respx.mock
async def test_limiter_waits_when_the_wait_is_short(clock: FakeClock) -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(200, json={}))
    async with httpx.AsyncClient() as http:
        transport = make(http, clock, cache_ttl=0, max_wait=120)
        for _ in range(4):
            await transport.get("/x")
    assert route.call_count == 4
    assert clock.slept == [60.0]


@respx.mock
async def test_429_retry_after_blocks_later_calls(clock: FakeClock) -> None:
    route = respx.get(f"{BASE}/x").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "30"})
    )
    noted: list[str | None] = []
    async with httpx.AsyncClient() as http:
        transport = make(http, clock, max_wait=5)

        async def note(outcome: str | None) -> None:
            noted.append(outcome)

        transport.observer = note
        with pytest.raises(RateLimited) as first:
            await transport.get("/x")
        assert first.value.retry_after == 30
        with pytest.raises(RateLimited) as second:
            await transport.get("/x")
    assert second.value.local is True
    assert route.call_count == 1
    assert noted and all(n is not None and "sekrit" not in n for n in noted)


@respx.mock
async def test_ratelimit_headers_feed_the_limiter(clock: FakeClock) -> None:
    route = respx.get(f"{BASE}/x").mock(
        return_value=httpx.Response(
            200, json={}, headers={"RateLimit-Remaining": "0", "RateLimit-Reset": "40"}
        )
    )
    async with httpx.AsyncClient() as http:
        transport = make(http, clock, cache_ttl=0, max_wait=5)
        await transport.get("/x")
        with pytest.raises(RateLimited):
            await transport.get("/x")
        clock.advance(41)
        await transport.get("/x")
    assert route.call_count == 2


@respx.mock
@pytest.mark.parametrize(
    "failure",
    [httpx.Response(503), httpx.Response(502), httpx.ConnectError("x")],
    ids=["503", "502", "connect"],
)
async def test_get_retries_then_succeeds(
    clock: FakeClock, failure: httpx.Response | Exception
) -> None:
    route = respx.get(f"{BASE}/x").mock(side_effect=[failure, failure, httpx.Response(200, json=1)])
    async with httpx.AsyncClient() as http:
        transport = make(http, clock, max_wait=5)
        response = await transport.get("/x")
    assert response.json() == 1
    assert route.call_count == 3
    assert clock.slept == [0.5, 1.0]  # backoff 0.5 * 2**n * (0.5 + jitter 0.5)


@respx.mock
async def test_get_gives_up_after_bounded_retries(clock: FakeClock) -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(504))
    async with httpx.AsyncClient() as http:
        transport = make(http, clock, retries=2, max_wait=5)
        with pytest.raises(Unavailable):
            await transport.get("/x")
    assert route.call_count == 3


@respx.mock
async def test_no_retry_on_4xx_or_for_posts(clock: FakeClock) -> None:
    get = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(404))
    post = respx.post(f"{BASE}/x").mock(return_value=httpx.Response(503))
    async with httpx.AsyncClient() as http:
        transport = make(http, clock, max_wait=5)
        with pytest.raises(NotFound):
            await transport.get("/x")
        with pytest.raises(Unavailable):
            await transport.send("POST", "/x", json_body={"a": 1})
    assert get.call_count == 1
    assert post.call_count == 1


@respx.mock
async def test_identical_concurrent_gets_are_coalesced(clock: FakeClock) -> None:
    gate = asyncio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        await gate.wait()
        return httpx.Response(200, json={"n": 7})

    route = respx.get(f"{BASE}/x").mock(side_effect=slow)
    async with httpx.AsyncClient() as http:
        transport = make(http, clock, cache_ttl=0)
        tasks = [asyncio.create_task(transport.get("/x", {"a": 1})) for _ in range(10)]
        await asyncio.sleep(0.01)
        gate.set()
        results = await asyncio.gather(*tasks)
    assert route.call_count == 1
    assert [r.json()["n"] for r in results] == [7] * 10


@respx.mock
async def test_cache_ttl_and_fresh(clock: FakeClock) -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(200, json={}))
    async with httpx.AsyncClient() as http:
        transport = make(http, clock, max_wait=5)
        await transport.get("/x", {"b": 2, "a": 1})
        await transport.get("/x", {"a": 1, "b": 2})
        assert route.call_count == 1
        await transport.get("/x", {"a": 1, "b": 2}, fresh=True)
        assert route.call_count == 2
        clock.advance(61)
        await transport.get("/x", {"a": 1, "b": 2})
        assert route.call_count == 3


@respx.mock
async def test_a_fresh_read_is_not_kept_and_expired_answers_go(clock: FakeClock) -> None:
    """Alerts read fresh every minute: their answers are not kept for nobody (with 10,000
    workspaces, 8 KiB each). An answer past its time leaves the cache when the next comes."""
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(200, json={}))
    respx.get(f"{BASE}/y").mock(return_value=httpx.Response(200, json={}))
    async with httpx.AsyncClient() as http:
        transport = make(http, clock, max_wait=5)
        await transport.get("/x", fresh=True)
        assert not transport.cached("/x")
        await transport.get("/x")
        assert transport.cached("/x")
        clock.advance(61)
        await transport.get("/y")
        assert list(transport._cache) == [transport._key("GET", f"{BASE}/y", None)]


class SpentBudget:
    async def spend(self, service: str) -> None:
        raise BudgetExhausted(service, 3600, datetime(2026, 11, 24, tzinfo=UTC), 50)

    async def exhausted(self, service: str, retry_after: float | None) -> BudgetExhausted:
        raise AssertionError("nothing was sent, so nothing was refused")


@respx.mock
async def test_budget_refusal_sends_nothing(clock: FakeClock) -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(200, json={}))
    async with httpx.AsyncClient() as http:
        transport = make(http, clock)
        transport.budget = SpentBudget()
        with pytest.raises(BudgetExhausted):
            await transport.get("/x")
    assert route.call_count == 0


@respx.mock
async def test_garbled_json_is_bad_response(clock: FakeClock) -> None:
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(200, text="<html>oops"))
    async with httpx.AsyncClient() as http:
        response = await make(http, clock).get("/x")
    with pytest.raises(ServiceError) as caught:
        response.json()
    assert type(caught.value).__name__ == "BadResponse"
    assert caught.value.service == "demo"


@respx.mock
async def test_link_query_survives_and_merges_with_params(clock: FakeClock) -> None:
    route = respx.get(f"{BASE}/api/v1/inspections").mock(return_value=httpx.Response(200, json={}))
    async with httpx.AsyncClient() as http:
        transport = make(http, clock)
        await transport.get("/api/v1/inspections?page=2")
        await transport.get("/api/v1/inspections?page=3", {"location": "L1"})
    assert [str(c.request.url) for c in route.calls] == [
        f"{BASE}/api/v1/inspections?page=2",
        f"{BASE}/api/v1/inspections?page=3&location=L1",
    ]


@respx.mock
async def test_plain_500_is_not_retried(clock: FakeClock) -> None:
    def decode_500(response: Response) -> ServiceError:
        return Unavailable(response.service, "HTTP 500", status=500)

    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(500))
    async with httpx.AsyncClient() as http:
        transport = make(http, clock)
        transport.decode_error = decode_500
        with pytest.raises(Unavailable):
            await transport.get("/x")
    assert route.call_count == 1


def test_repr_hides_credentials(clock: FakeClock) -> None:
    assert "sekrit" not in repr(make(httpx.AsyncClient(), clock))


@respx.mock
async def test_a_links_own_query_wins_over_params(clock: FakeClock) -> None:
    route = respx.get(f"{BASE}/api/v1/pulses").mock(return_value=httpx.Response(200, json={}))
    async with httpx.AsyncClient() as http:
        await make(http, clock).get("/api/v1/pulses?page=2", {"page": 1, "per_page": 100})
    assert str(route.calls.last.request.url) == f"{BASE}/api/v1/pulses?page=2&per_page=100"


async def test_a_service_that_trickles_its_answer_is_cut_at_the_deadline(
    clock: FakeClock,
) -> None:
    """Headers at once, then a byte now and then, forever: no read ever times out, so only
    an overall deadline ends the request; it is said once, and not retried."""
    from aiohttp import web

    started = asyncio.Event()

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        started.set()
        while True:
            await response.write(b" ")
            await asyncio.sleep(0.02)

    app = web.Application()
    app.router.add_get("/x", trickle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with httpx.AsyncClient() as http:
            transport = make(http, clock, deadline=0.3)
            transport.base_url = f"http://127.0.0.1:{port}"
            with pytest.raises(TimedOut) as caught:
                await transport.get("/x")
    finally:
        await runner.cleanup()
    assert started.is_set() and caught.value.seconds == 0.3
    assert transport.requests_sent == 1
