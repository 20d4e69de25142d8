"""De-duplication of Slack's retried deliveries."""

from __future__ import annotations

from bot.store import Store
from tests.fakes.clock import FakeClock
from tests.store.support import OpenStore, count


async def test_first_time_only(store: Store) -> None:
    assert await store.deliveries.first_time("Ev1") is True
    assert await store.deliveries.first_time("Ev1") is False
    assert await store.deliveries.first_time("Ev2") is True


async def test_remembered_across_restart(store: Store, open_store: OpenStore) -> None:
    assert await store.deliveries.first_time("Ev1")
    assert await open_store().deliveries.first_time("Ev1") is False


async def test_forgotten_after_an_hour(store: Store, clock: FakeClock) -> None:
    assert await store.deliveries.first_time("Ev1")
    clock.advance(3599)
    assert not await store.deliveries.first_time("Ev1")
    clock.advance(3601)
    assert await store.deliveries.first_time("Ev1")
    assert await count(store, "deliveries") == 1
