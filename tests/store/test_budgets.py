"""Daily call budgets, persisted across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store import Store
from tests.store.support import OpenStore, count

MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


async def test_spends_until_the_limit(store: Store) -> None:
    results = [await store.budgets.try_spend("raygun:app1", 3, MORNING) for _ in range(5)]
    assert results == [(True, 1), (True, 2), (True, 3), (False, 3), (False, 3)]
    assert await store.budgets.used("raygun:app1", MORNING) == 3


async def test_keys_are_independent(store: Store) -> None:
    assert await store.budgets.try_spend("a", 1, MORNING) == (True, 1)
    assert await store.budgets.try_spend("b", 1, MORNING) == (True, 1)
    assert await store.budgets.try_spend("a", 1, MORNING) == (False, 1)


async def test_a_new_utc_day_starts_afresh(store: Store) -> None:
    late = datetime(2026, 11, 23, 23, 59, tzinfo=UTC)
    assert await store.budgets.try_spend("k", 1, late) == (True, 1)
    assert await store.budgets.try_spend("k", 1, late) == (False, 1)
    assert await store.budgets.try_spend("k", 1, late + timedelta(minutes=1)) == (True, 1)


async def test_day_is_taken_in_utc(store: Store) -> None:
    from zoneinfo import ZoneInfo

    # 23:30 in Auckland on the 24th is still the 23rd in UTC.
    auckland = datetime(2026, 11, 24, 9, 30, tzinfo=ZoneInfo("Pacific/Auckland"))
    await store.budgets.try_spend("k", 5, auckland)
    assert await store.budgets.used("k", MORNING) == 1


async def test_budget_survives_a_restart(store: Store, open_store: OpenStore) -> None:
    for _ in range(50):
        assert (await store.budgets.try_spend("raygun:app1", 50, MORNING))[0]
    restarted = open_store()
    assert await restarted.budgets.try_spend("raygun:app1", 50, MORNING) == (False, 50)


async def test_two_processes_share_one_budget(store: Store, open_store: OpenStore) -> None:
    other = open_store()
    allowed = 0
    for i in range(10):
        s = store if i % 2 else other
        allowed += (await s.budgets.try_spend("k", 7, MORNING))[0]
    assert allowed == 7


async def test_zero_limit_never_spends(store: Store) -> None:
    assert await store.budgets.try_spend("k", 0, MORNING) == (False, 0)


async def test_old_days_are_pruned(store: Store) -> None:
    await store.budgets.try_spend("k", 5, MORNING - timedelta(days=30))
    await store.budgets.try_spend("k", 5, MORNING)
    assert await count(store, "call_budgets") == 1


async def test_naive_time_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        await store.budgets.try_spend("k", 5, datetime(2026, 11, 23, 8, 0))


async def test_a_refusal_by_the_service_stops_every_process_until_it_ends(
    store: Store, open_store: OpenStore
) -> None:
    other = open_store()
    assert await store.budgets.refusal("raygun:app1") is None
    assert await store.budgets.try_spend("raygun:app1", 50, MORNING) == (True, 1)
    until = MORNING + timedelta(hours=16)  # the next UTC midnight
    await store.budgets.refuse("raygun:app1", MORNING, until, upstream=True)
    assert await other.budgets.try_spend("raygun:app1", 50, MORNING) == (False, 1)
    assert await other.budgets.try_spend("raygun:app1", 50, until - timedelta(seconds=1)) == (
        False,
        1,
    )
    assert await store.budgets.try_spend("raygun:other", 50, MORNING) == (True, 1)
    refused = await other.budgets.refusal("raygun:app1")
    assert refused is not None and (refused.at, refused.until, refused.upstream) == (
        MORNING,
        until,
        True,
    )
    assert await other.budgets.try_spend("raygun:app1", 50, until) == (True, 1)


async def test_a_local_refusal_never_shortens_the_services(store: Store) -> None:
    three_days = MORNING + timedelta(days=3)
    await store.budgets.refuse("k", MORNING, three_days, upstream=True)
    await store.budgets.refuse(
        "k", MORNING + timedelta(hours=1), MORNING + timedelta(hours=16), False
    )
    refused = await store.budgets.refusal("k")
    assert refused is not None and refused.upstream and refused.until == three_days
    await store.budgets.refuse("k", three_days, three_days + timedelta(hours=1), False)
    refused = await store.budgets.refusal("k")
    assert refused is not None and not refused.upstream and refused.at == three_days


async def test_days_start_at_midnight_in_the_zone_given(store: Store) -> None:
    from zoneinfo import ZoneInfo

    auckland = ZoneInfo("Pacific/Auckland")
    # 08:00 UTC on the 23rd is 21:00 on the 23rd in Auckland; 12:00 UTC is the 24th there
    assert await store.budgets.try_spend("k", 1, MORNING, auckland) == (True, 1)
    assert await store.budgets.try_spend("k", 1, MORNING + timedelta(hours=2), auckland) == (
        False,
        1,
    )
    assert await store.budgets.try_spend("k", 1, MORNING + timedelta(hours=4), auckland) == (
        True,
        1,
    )
    assert await store.budgets.used("k", MORNING, auckland) == 1
