"""Named leases: one holder at a time, until it lapses or is released."""

from __future__ import annotations

from bot.store import Store
from tests.fakes.clock import FakeClock


def test_one_holder_at_a_time_until_it_lapses(store: Store, clock: FakeClock) -> None:
    assert store.leases.hold("scheduler", "web-1", 90)
    assert not store.leases.hold("scheduler", "web-2", 90)
    assert store.leases.hold("scheduler", "web-1", 90)  # renewing is fine
    assert store.leases.holder("scheduler") == "web-1"
    clock.advance(89)
    assert not store.leases.hold("scheduler", "web-2", 90)
    clock.advance(2)
    assert store.leases.holder("scheduler") is None
    assert store.leases.hold("scheduler", "web-2", 90)
    assert not store.leases.hold("scheduler", "web-1", 90)


def test_release_frees_it_only_for_its_holder(store: Store) -> None:
    assert store.leases.hold("scheduler", "web-1", 90)
    store.leases.release("scheduler", "web-2")
    assert store.leases.holder("scheduler") == "web-1"
    store.leases.release("scheduler", "web-1")
    assert store.leases.hold("scheduler", "web-2", 90)
