"""A credential's per-minute limit holds for the deployment: two processes (two pools on
one database) together send WeldPulse at most 100 requests a minute, and refuse the rest
locally with a sentence, on either engine. The cache and coalescing stay per process."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx
from cryptography.fernet import Fernet

from bot.clients import weldpulse
from bot.clients.pool import ClientPool
from bot.errors import RateLimited
from bot.messages import sentence
from bot.store import Secrets, Store, open_database
from bot.team import Team
from tests.fakes.clock import FakeClock

BASE = "http://weldpulse.test/weldpulse"
TEAM = Team("T0SHARED")
KEY = {"api_key": "ak_live_shared_limit_0001"}


def process(http: httpx.AsyncClient, database_url: str, key: bytes, clock: FakeClock) -> Store:
    return Store(open_database(database_url), Secrets([key]), clock)


@respx.mock
async def test_two_processes_together_send_at_most_100_a_minute(
    database_url: str, clock: FakeClock, http: httpx.AsyncClient
) -> None:
    route = respx.get(f"{BASE}/v1/pages").mock(return_value=httpx.Response(200, json={"data": []}))
    key = Fernet.generate_key()
    stores = [process(http, database_url, key, clock) for _ in range(2)]
    try:
        await stores[0].credentials.save(TEAM, "weldpulse", KEY, "U1")
        pools = [
            ClientPool(
                http,
                {"weldpulse": BASE},
                clock,
                s.credentials,
                s.budgets,
                windows=s.rate_windows,
            )
            for s in stores
        ]
        clients = [(await p.directory(TEAM)).get(weldpulse.SPEC) for p in pools]
        start, end = clock.now().replace(hour=0), clock.now()

        async def ask(n: int) -> str:
            try:
                # distinct limits: no cache and no coalescing hides a request
                await clients[n % 2].pages(start, end, limit=n + 1)
                return "sent"
            except RateLimited as err:
                assert err.local, "the service itself never had to refuse"
                return sentence(err)

        outcomes = await asyncio.gather(*(ask(n) for n in range(120)))
    finally:
        for s in stores:
            s.close()
    assert route.call_count == 100
    assert outcomes.count("sent") == 100
    refusals = [o for o in outcomes if o != "sent"]
    assert len(refusals) == 20 and all("WeldPulse is rate limiting us" in r for r in refusals)


@pytest.mark.parametrize("processes", [1, 2])
@respx.mock
async def test_identical_requests_coalesce_within_a_process(
    processes: int, database_url: str, clock: FakeClock, http: httpx.AsyncClient
) -> None:
    gate, arrived = asyncio.Event(), asyncio.Event()
    seen = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal seen
        seen += 1
        if seen == processes:
            arrived.set()
        await gate.wait()
        return httpx.Response(200, json={"data": []})

    route = respx.get(f"{BASE}/v1/sites").mock(side_effect=slow)
    key = Fernet.generate_key()
    stores = [process(http, database_url, key, clock) for _ in range(processes)]
    try:
        await stores[0].credentials.save(TEAM, "weldpulse", KEY, "U1")
        pools = [
            ClientPool(http, {"weldpulse": BASE}, clock, s.credentials, s.budgets, s.rate_windows)
            for s in stores
        ]
        clients = [(await p.directory(TEAM)).get(weldpulse.SPEC) for p in pools]
        calls = [asyncio.create_task(clients[n % processes].sites()) for n in range(10)]
        await arrived.wait()
        await asyncio.sleep(0)  # any further request would have been sent by now
        gate.set()
        await asyncio.gather(*calls)
    finally:
        for s in stores:
            s.close()
    assert route.call_count == processes  # one per process: coalescing is per process
