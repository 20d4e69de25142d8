"""StoreOAuthStateStore: one-time OAuth states that expire by the injected clock."""

from __future__ import annotations

from bot.store import Store
from bot.store.oauth_states import OAuthStatesRepository
from bot.store.slack_stores import StoreOAuthStateStore
from tests.fakes.clock import FakeClock
from tests.store.support import OpenStore, count


async def test_a_state_is_consumed_once(store: Store) -> None:
    states = StoreOAuthStateStore(store)
    state = await states.async_issue()
    assert len(state) >= 32
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False


async def test_states_are_unique(store: Store) -> None:
    states = StoreOAuthStateStore(store)
    issued = {await states.async_issue() for _ in range(20)}
    assert len(issued) == 20


async def test_unknown_state(store: Store) -> None:
    assert await StoreOAuthStateStore(store).async_consume("forged") is False


async def test_expiry(store: Store, clock: FakeClock) -> None:
    states = StoreOAuthStateStore(store, expiration_seconds=600)
    fresh, stale = await states.async_issue(), await states.async_issue()
    clock.advance(599)
    assert await states.async_consume(fresh) is True
    clock.advance(1)
    assert await states.async_consume(stale) is False
    assert await states.async_consume(stale) is False


async def test_expired_states_are_pruned(store: Store, clock: FakeClock) -> None:
    states = StoreOAuthStateStore(store, expiration_seconds=60)
    await states.async_issue()
    clock.advance(61)
    await states.async_issue()
    assert await count(store, "oauth_states") == 1


async def test_another_process_can_consume(store: Store, open_store: OpenStore) -> None:
    state = await StoreOAuthStateStore(store).async_issue()
    other = StoreOAuthStateStore(open_store())
    assert await other.async_consume(state) is True
    assert await StoreOAuthStateStore(store).async_consume(state) is False


async def test_pending_states_are_bounded_the_newest_kept(store: Store, clock: FakeClock) -> None:
    """An unauthenticated flood of `GET /slack/install` cannot grow the table past its cap;
    the person who opened the install page last can still finish."""
    cap = OAuthStatesRepository(store.db, clock, max_pending=50)
    issued = []
    for n in range(120):
        state = f"state-{n:03d}"
        await cap.issue(state, 600)
        issued.append(state)
        clock.advance(1)
        assert await cap.count() <= 50
    assert await cap.consume(issued[-1]) is True
    assert await cap.consume(issued[-49]) is True
    assert await cap.consume(issued[0]) is False  # the oldest made room
