"""Digests: CRUD scoped by workspace, what is due when, and runs claimed at most once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.store import Store
from bot.team import Team
from tests.fakes.clock import FakeClock
from tests.store.support import OpenStore

SLOT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


async def _daily(store: Store, team: Team) -> int:
    digest = await store.digests.add(
        team,
        channel_id="C1",
        schedule_kind="daily",
        hour=9,
        minute=30,
        tz="Europe/Berlin",
        created_by="U1",
        services=["weldpulse", "raygun"],
        next_run_at=SLOT,
    )
    return digest.id


async def test_add_and_get(store: Store, team_a: Team, clock: FakeClock) -> None:
    digest = await store.digests.add(
        team_a,
        channel_id="C1",
        schedule_kind="weekly",
        weekday=0,
        hour=9,
        minute=0,
        tz="America/New_York",
        created_by="U1",
        services=["weldpulse"],
        range="last-week",
        next_run_at=SLOT,
    )
    assert digest.team == team_a
    assert (digest.schedule_kind, digest.weekday, digest.hour, digest.minute) == ("weekly", 0, 9, 0)
    assert digest.services == ("weldpulse",)
    assert digest.range == "last-week"
    assert digest.created_at == clock.now()
    assert not digest.paused and digest.last_run_at is None
    assert digest.next_run_at == SLOT
    assert await store.digests.get(team_a, digest.id) == digest
    assert await store.digests.list(team_a) == [digest]


async def test_hourly_has_no_hour(store: Store, team_a: Team) -> None:
    digest = await store.digests.add(
        team_a,
        channel_id="C1",
        schedule_kind="hourly",
        minute=15,
        tz="UTC",
        created_by="U1",
        next_run_at=None,
    )
    assert (digest.hour, digest.weekday, digest.services, digest.range) == (None, None, (), None)
    assert digest.next_run_at is None


@pytest.mark.parametrize(
    ("kind", "weekday", "hour", "minute"),
    [
        pytest.param("monthly", None, 9, 0, id="unknown-kind"),
        pytest.param("daily", None, None, 0, id="daily-without-hour"),
        pytest.param("daily", None, 24, 0, id="hour-out-of-range"),
        pytest.param("daily", None, 9, 60, id="minute-out-of-range"),
        pytest.param("weekly", None, 9, 0, id="weekly-without-day"),
        pytest.param("daily", 2, 9, 0, id="daily-with-day"),
        pytest.param("weekly", 7, 9, 0, id="weekday-out-of-range"),
        pytest.param("hourly", None, 9, 0, id="hourly-with-hour"),
    ],
)
async def test_invalid_schedules_are_refused(
    store: Store, team_a: Team, kind: str, weekday: int | None, hour: int | None, minute: int
) -> None:
    with pytest.raises(ValueError):
        await store.digests.add(
            team_a,
            channel_id="C1",
            schedule_kind=kind,  # type: ignore[arg-type]
            weekday=weekday,
            hour=hour,
            minute=minute,
            tz="UTC",
            created_by="U1",
            next_run_at=None,
        )


async def test_pause_resume_remove(store: Store, team_a: Team) -> None:
    digest_id = await _daily(store, team_a)
    assert await store.digests.set_paused(team_a, digest_id, True, "channel archived")
    paused = await store.digests.get(team_a, digest_id)
    assert paused is not None and paused.paused and paused.paused_reason == "channel archived"
    assert await store.digests.list_all_for_scheduler() == []
    assert [d.id for d in await store.digests.list_all_for_scheduler(include_paused=True)] == [
        digest_id
    ]
    assert await store.digests.set_paused(team_a, digest_id, False)
    resumed = await store.digests.get(team_a, digest_id)
    assert resumed is not None and not resumed.paused and resumed.paused_reason is None
    assert await store.digests.remove(team_a, digest_id)
    assert await store.digests.get(team_a, digest_id) is None
    assert not await store.digests.remove(team_a, digest_id)


async def test_workspaces_are_isolated(store: Store, team_a: Team, team_b: Team) -> None:
    digest_id = await _daily(store, team_a)
    assert await store.digests.get(team_b, digest_id) is None
    assert await store.digests.list(team_b) == []
    assert not await store.digests.remove(team_b, digest_id)
    assert not await store.digests.set_paused(team_b, digest_id, True)
    digest = await store.digests.get(team_a, digest_id)
    assert digest is not None and not digest.paused


async def test_scheduler_sees_every_workspace(store: Store, team_a: Team, team_b: Team) -> None:
    a, b = await _daily(store, team_a), await _daily(store, team_b)
    listed = await store.digests.list_all_for_scheduler()
    assert [(d.id, d.team) for d in listed] == [(a, team_a), (b, team_b)]
    found = await store.digests.get_for_scheduler(b)
    assert found is not None and found.team == team_b


async def test_due_is_active_digests_whose_next_run_has_come_the_most_overdue_first(
    store: Store, team_a: Team, team_b: Team
) -> None:
    later, paused, future = [await _daily(store, team_a) for _ in range(3)]
    unknown, earlier = [await _daily(store, team_b) for _ in range(2)]
    await store.digests.set_next_run(later, SLOT)
    await store.digests.set_next_run(earlier, SLOT - timedelta(hours=1))
    await store.digests.set_next_run(future, SLOT + timedelta(seconds=1))
    await store.db.run(
        lambda: store.db.execute("UPDATE digests SET next_run_at = NULL WHERE id = ?", [unknown])
    )
    await store.digests.set_paused(team_a, paused, True)

    due = await store.digests.due(SLOT, limit=10)

    # never worked out (e.g. stored before next_run_at existed) comes first, then by time
    assert [d.id for d in due] == [unknown, earlier, later]
    assert [d.team for d in due] == [team_b, team_b, team_a]
    assert due[0].next_run_at is None and due[2].next_run_at == SLOT
    assert [d.id for d in await store.digests.due(SLOT, limit=2)] == [unknown, earlier]
    assert (await store.digests.due(SLOT - timedelta(days=1), limit=10))[0].id == unknown


async def test_upcoming_is_active_digests_due_after_now_and_by_a_moment_the_soonest_first(
    store: Store, team_a: Team, team_b: Team
) -> None:
    now, soon, later, paused = [await _daily(store, team_a) for _ in range(4)]
    sooner = await _daily(store, team_b)
    await store.digests.set_next_run(now, SLOT)
    await store.digests.set_next_run(soon, SLOT + timedelta(seconds=30))
    await store.digests.set_next_run(sooner, SLOT + timedelta(seconds=10))
    await store.digests.set_next_run(later, SLOT + timedelta(seconds=31))
    await store.digests.set_next_run(paused, SLOT + timedelta(seconds=20))
    await store.digests.set_paused(team_a, paused, True)

    upcoming = await store.digests.upcoming(SLOT, SLOT + timedelta(seconds=30), limit=10)

    assert [(d.id, d.team) for d in upcoming] == [(sooner, team_b), (soon, team_a)]
    assert upcoming[1].next_run_at == SLOT + timedelta(seconds=30)
    first = await store.digests.upcoming(SLOT, SLOT + timedelta(minutes=1), limit=1)
    assert [d.id for d in first] == [sooner]


async def test_set_next_run(store: Store, team_a: Team) -> None:
    digest_id = await _daily(store, team_a)
    # written in another zone, it is the same instant
    assert await store.digests.set_next_run(
        digest_id, SLOT.astimezone(timezone(timedelta(hours=9)))
    )
    digest = await store.digests.get(team_a, digest_id)
    assert digest is not None and digest.next_run_at == SLOT
    assert [d.id for d in await store.digests.due(SLOT, limit=1)] == [digest_id]
    assert await store.digests.due(SLOT - timedelta(seconds=1), limit=1) == []
    assert not await store.digests.set_next_run(999, SLOT)


async def test_a_run_is_claimed_once(store: Store, team_a: Team, clock: FakeClock) -> None:
    digest_id = await _daily(store, team_a)
    assert await store.digests.claim_run(digest_id, SLOT) is True
    assert await store.digests.claim_run(digest_id, SLOT) is False
    # The same instant written in another zone is the same run.
    assert (
        await store.digests.claim_run(digest_id, SLOT.astimezone(timezone(timedelta(hours=1))))
        is False
    )
    assert await store.digests.claim_run(digest_id, SLOT + timedelta(days=1)) is True
    run = await store.digests.get_run(digest_id, SLOT)
    assert run is not None
    assert (run.status, run.team, run.claimed_at, run.finished_at) == (
        "claimed",
        team_a,
        clock.now(),
        None,
    )


async def test_claims_hold_across_restarts_and_processes(
    store: Store, team_a: Team, open_store: OpenStore
) -> None:
    digest_id = await _daily(store, team_a)
    other = open_store()
    assert await other.digests.claim_run(digest_id, SLOT) is True
    assert await store.digests.claim_run(digest_id, SLOT) is False
    restarted = open_store()
    assert await restarted.digests.claim_run(digest_id, SLOT) is False


async def test_no_claim_for_a_missing_digest(store: Store) -> None:
    assert await store.digests.claim_run(999, SLOT) is False


async def test_naive_times_are_refused(store: Store, team_a: Team) -> None:
    digest_id = await _daily(store, team_a)
    with pytest.raises(ValueError):
        await store.digests.claim_run(digest_id, datetime(2026, 11, 24, 8, 0))


async def test_finish_run(store: Store, team_a: Team, clock: FakeClock) -> None:
    digest_id = await _daily(store, team_a)
    await store.digests.claim_run(digest_id, SLOT)
    clock.advance(3)
    assert await store.digests.finish_run(digest_id, SLOT, "posted", posted_ts="1700000000.0001")
    run = await store.digests.get_run(digest_id, SLOT)
    assert run is not None
    assert (run.status, run.posted_ts, run.finished_at) == (
        "posted",
        "1700000000.0001",
        clock.now(),
    )
    digest = await store.digests.get(team_a, digest_id)
    assert digest is not None and digest.last_run_at == SLOT

    # An older run finishing late does not move last_run_at backwards.
    earlier = SLOT - timedelta(days=1)
    await store.digests.claim_run(digest_id, earlier)
    await store.digests.finish_run(digest_id, earlier, "skipped", detail="missed by 3h")
    digest = await store.digests.get(team_a, digest_id)
    assert digest is not None and digest.last_run_at == SLOT
    skipped = await store.digests.get_run(digest_id, earlier)
    assert skipped is not None and skipped.detail == "missed by 3h"


async def test_finish_needs_a_claim_and_a_final_status(store: Store, team_a: Team) -> None:
    digest_id = await _daily(store, team_a)
    assert await store.digests.finish_run(digest_id, SLOT, "failed") is False
    await store.digests.claim_run(digest_id, SLOT)
    with pytest.raises(ValueError):
        await store.digests.finish_run(digest_id, SLOT, "claimed")


async def test_removing_a_digest_removes_its_runs(store: Store, team_a: Team) -> None:
    digest_id = await _daily(store, team_a)
    await store.digests.claim_run(digest_id, SLOT)
    await store.digests.remove(team_a, digest_id)
    assert await store.digests.get_run(digest_id, SLOT) is None


async def test_numbers_are_each_workspaces_own_and_never_reused(
    store: Store, team_a: Team, team_b: Team
) -> None:
    first_a, second_a = await _daily(store, team_a), await _daily(store, team_a)
    first_b = await _daily(store, team_b)
    numbers = {d.id: d.number for t in (team_a, team_b) for d in await store.digests.list(t)}
    assert [numbers[first_a], numbers[second_a], numbers[first_b]] == [1, 2, 1]
    found = await store.digests.numbered(team_b, 1)
    assert found is not None and found.id == first_b
    assert await store.digests.numbered(team_b, 2) is None
    assert await store.digests.remove(team_a, second_a)
    third = await store.digests.get(team_a, await _daily(store, team_a))
    assert third is not None and third.number == 3  # #2 is not handed out again
