"""The client pool: one client per credential, health recorded, Raygun's daily budget kept
in the database (SQLite or PostgreSQL) so that a restart does not forget it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import respx
from cryptography.fernet import Fernet

from bot.clients import raygun, weldpulse
from bot.clients.pool import ClientPool
from bot.clients.raygun import RaygunClient
from bot.clients.spec import ServiceClient, ServiceSpec
from bot.errors import BudgetExhausted, NotConnected
from bot.store import Secrets, Store
from bot.store.opening import open_database
from bot.team import Team
from tests.fakes.clock import FakeClock

RAYGUN = "http://raygun.test/raygun"
WELD = "http://weldpulse.test/weldpulse"
TEAM = Team("T0POOL")
C = TypeVar("C", bound=ServiceClient)
RAYGUN_KEY = {"api_key": "rg_app_key_0000000001", "client_id": "cid", "client_secret": "shh"}


@pytest.fixture
def key() -> bytes:
    return Fernet.generate_key()


def open_store(url: str | Path, key: bytes, clock: FakeClock) -> Store:
    return Store(open_database(url), Secrets([key]), clock)


def pool(http: httpx.AsyncClient, store: Store, clock: FakeClock) -> ClientPool:
    urls = {"raygun": RAYGUN, "weldpulse": WELD}
    return ClientPool(http, urls, clock, store.credentials, store.budgets)


async def client(clients: ClientPool, spec: ServiceSpec[C]) -> C:
    """TEAM's client for `spec`, its credentials read now (as for each command)."""
    return (await clients.directory(TEAM)).get(spec)


async def test_one_client_per_credential(
    tmp_path: Path, key: bytes, clock: FakeClock, http: httpx.AsyncClient
) -> None:
    store = open_store(tmp_path / "p.db", key, clock)
    clients = pool(http, store, clock)
    with pytest.raises(NotConnected):
        await client(clients, weldpulse.SPEC)
    await store.credentials.save(TEAM, "weldpulse", {"api_key": "ak_live_first_000000"}, "U1")
    first = await client(clients, weldpulse.SPEC)
    assert await client(clients, weldpulse.SPEC) is first  # limiter and cache are kept
    await store.credentials.save(TEAM, "weldpulse", {"api_key": "ak_live_second_00000"}, "U1")
    assert await client(clients, weldpulse.SPEC) is not first  # a new credential, a new client
    store.close()


@respx.mock
async def test_raygun_budget_survives_a_restart(
    database_url: str, key: bytes, clock: FakeClock, http: httpx.AsyncClient
) -> None:
    auth = respx.get(f"{RAYGUN}/api/v1/pulse/authenticate").mock(
        return_value=httpx.Response(202, json={"sessionKey": "sess"})
    )
    sessions = respx.get(f"{RAYGUN}/api/v1/pulse/sessions").mock(
        return_value=httpx.Response(
            200, json={"totalSessions": 0, "sessions": [], "links": {"self": "x", "next": None}}
        )
    )
    store = open_store(database_url, key, clock)
    await store.credentials.save(TEAM, "raygun", RAYGUN_KEY, "U1")
    for _ in range(47):  # the day's calls so far, made before the restart
        await store.budgets.try_spend(raygun.SPEC.budget_key(RAYGUN_KEY), 50, clock.now())
    store.close()

    restarted = open_store(database_url, key, clock)
    rg = await client(pool(http, restarted, clock), raygun.SPEC)
    assert isinstance(rg, RaygunClient)
    day = clock.now() - timedelta(days=1)
    await rg.sessions(day, clock.now(), limit=1, max_sessions=1)  # 48: auth, 49: search
    await rg.sessions(day - timedelta(days=1), clock.now(), limit=1, max_sessions=1)  # 50
    with pytest.raises(BudgetExhausted) as spent:
        await rg.sessions(day - timedelta(days=2), clock.now(), limit=1, max_sessions=1)
    assert (auth.call_count, sessions.call_count) == (1, 2)  # the 51st call was never sent
    assert spent.value.limit == 50 and spent.value.resets_at.hour == 0
    restarted.close()


@respx.mock
async def test_outcomes_are_recorded_for_services(
    tmp_path: Path, key: bytes, clock: FakeClock, http: httpx.AsyncClient
) -> None:
    respx.get(f"{WELD}/v1/sites").mock(
        side_effect=[
            httpx.Response(200, json={"data": []}),
            httpx.Response(401, json={"error": "Invalid API key", "code": "UNAUTHORIZED"}),
        ]
    )
    store = open_store(tmp_path / "h.db", key, clock)
    await store.credentials.save(TEAM, "weldpulse", {"api_key": "ak_live_health_00000"}, "U1")
    wp = await client(pool(http, store, clock), weldpulse.SPEC)
    await wp.transport.get("/v1/sites")
    (info,) = await store.credentials.list(TEAM)
    assert info.last_success_at == clock.now() and info.last_error is None
    clock.advance(5)
    with pytest.raises(Exception, match="weldpulse"):
        await wp.transport.get("/v1/sites", fresh=True)
    (info,) = await store.credentials.list(TEAM)
    assert info.last_error is not None and "ak_live" not in info.last_error
    store.close()
