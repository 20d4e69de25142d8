"""De-duplication of Slack's retried deliveries."""

from __future__ import annotations

from collections.abc import Callable

from bot.store import Store
from tests.fakes.clock import FakeClock


def test_first_time_only(store: Store) -> None:
    assert store.deliveries.first_time("Ev1") is True
    assert store.deliveries.first_time("Ev1") is False
    assert store.deliveries.first_time("Ev2") is True


def test_remembered_across_restart(store: Store, open_store: Callable[[], Store]) -> None:
    assert store.deliveries.first_time("Ev1")
    assert open_store().deliveries.first_time("Ev1") is False


def test_forgotten_after_an_hour(store: Store, clock: FakeClock) -> None:
    assert store.deliveries.first_time("Ev1")
    clock.advance(3599)
    assert not store.deliveries.first_time("Ev1")
    clock.advance(3601)
    assert store.deliveries.first_time("Ev1")
    assert store.db.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 1
