"""Daily call budgets, persisted across restarts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.store import Store

MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_spends_until_the_limit(store: Store) -> None:
    results = [store.budgets.try_spend("raygun:app1", 3, MORNING) for _ in range(5)]
    assert results == [(True, 1), (True, 2), (True, 3), (False, 3), (False, 3)]
    assert store.budgets.used("raygun:app1", MORNING) == 3


def test_keys_are_independent(store: Store) -> None:
    assert store.budgets.try_spend("a", 1, MORNING) == (True, 1)
    assert store.budgets.try_spend("b", 1, MORNING) == (True, 1)
    assert store.budgets.try_spend("a", 1, MORNING) == (False, 1)


def test_a_new_utc_day_starts_afresh(store: Store) -> None:
    late = datetime(2026, 11, 23, 23, 59, tzinfo=UTC)
    assert store.budgets.try_spend("k", 1, late) == (True, 1)
    assert store.budgets.try_spend("k", 1, late) == (False, 1)
    assert store.budgets.try_spend("k", 1, late + timedelta(minutes=1)) == (True, 1)


def test_day_is_taken_in_utc(store: Store) -> None:
    from zoneinfo import ZoneInfo

    # 23:30 in Auckland on the 24th is still the 23rd in UTC.
    auckland = datetime(2026, 11, 24, 9, 30, tzinfo=ZoneInfo("Pacific/Auckland"))
    store.budgets.try_spend("k", 5, auckland)
    assert store.budgets.used("k", MORNING) == 1


def test_budget_survives_a_restart(store: Store, open_store: Callable[[], Store]) -> None:
    for _ in range(50):
        assert store.budgets.try_spend("raygun:app1", 50, MORNING)[0]
    restarted = open_store()
    assert restarted.budgets.try_spend("raygun:app1", 50, MORNING) == (False, 50)


def test_two_processes_share_one_budget(store: Store, open_store: Callable[[], Store]) -> None:
    other = open_store()
    allowed = 0
    for i in range(10):
        s = store if i % 2 else other
        allowed += s.budgets.try_spend("k", 7, MORNING)[0]
    assert allowed == 7


def test_zero_limit_never_spends(store: Store) -> None:
    assert store.budgets.try_spend("k", 0, MORNING) == (False, 0)


def test_old_days_are_pruned(store: Store) -> None:
    store.budgets.try_spend("k", 5, MORNING - timedelta(days=30))
    store.budgets.try_spend("k", 5, MORNING)
    assert store.db.execute("SELECT count(*) FROM call_budgets").fetchone()[0] == 1


def test_naive_time_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        store.budgets.try_spend("k", 5, datetime(2026, 11, 23, 8, 0))
