"""SqliteOAuthStateStore: one-time OAuth states that expire by the injected clock."""

from __future__ import annotations

from collections.abc import Callable

from bot.store import Store
from bot.store.slack_stores import SqliteOAuthStateStore
from tests.fakes.clock import FakeClock


async def test_a_state_is_consumed_once(store: Store) -> None:
    states = SqliteOAuthStateStore(store)
    state = await states.async_issue()
    assert len(state) >= 32
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False


async def test_states_are_unique(store: Store) -> None:
    states = SqliteOAuthStateStore(store)
    issued = {await states.async_issue() for _ in range(20)}
    assert len(issued) == 20


async def test_unknown_state(store: Store) -> None:
    assert await SqliteOAuthStateStore(store).async_consume("forged") is False


async def test_expiry(store: Store, clock: FakeClock) -> None:
    states = SqliteOAuthStateStore(store, expiration_seconds=600)
    fresh, stale = await states.async_issue(), await states.async_issue()
    clock.advance(599)
    assert await states.async_consume(fresh) is True
    clock.advance(1)
    assert await states.async_consume(stale) is False
    assert await states.async_consume(stale) is False


async def test_expired_states_are_pruned(store: Store, clock: FakeClock) -> None:
    states = SqliteOAuthStateStore(store, expiration_seconds=60)
    await states.async_issue()
    clock.advance(61)
    await states.async_issue()
    assert store.db.execute("SELECT count(*) FROM oauth_states").fetchone()[0] == 1


async def test_another_process_can_consume(store: Store, open_store: Callable[[], Store]) -> None:
    state = await SqliteOAuthStateStore(store).async_issue()
    other = SqliteOAuthStateStore(open_store())
    assert await other.async_consume(state) is True
    assert await SqliteOAuthStateStore(store).async_consume(state) is False
