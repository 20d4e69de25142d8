"""The Clockwork: one APScheduler job per active digest, kept in step with the table.

A real `AsyncIOScheduler` runs in the test's event loop, started paused so nothing fires by
itself; next fire times are asked of each job's trigger at explicit instants in explicit
zones (the schedule arithmetic itself is tested in tests/test_schedules.py). `run_due` is
called with an explicit `now`; posts go to a recording fake of the Slack Web API.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from cryptography.fernet import Fernet

from bot.clients.pool import ClientPool
from bot.features.digests import Digests
from bot.features.scheduler import Clockwork
from bot.features.schedules import next_run, schedule_of
from bot.slack.outbound import Outbound
from bot.store import Store, open_database
from bot.store.crypto import Secrets
from bot.store.digests import Digest, ScheduleKind
from bot.team import Team
from tests.fakes.clock import FakeClock
from tests.fakes.slack import Call, FakeSlack, FakeSlackServer

TEAM = Team("T0CLOCK")
CHANNEL = "C0DAILY"
CREATED = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Mon 07:00 in Berlin
NINE_BERLIN = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Mon 09:00 CET
TICK = timedelta(microseconds=1)


@dataclass
class Clocks:
    clock: FakeClock
    store: Store
    slack: FakeSlackServer
    digests: Digests
    scheduler: AsyncIOScheduler
    clockwork: Clockwork

    def add(
        self,
        kind: ScheduleKind = "daily",
        *,
        hour: int | None = 9,
        minute: int = 0,
        weekday: int | None = None,
        tz: str = "Europe/Berlin",
    ) -> Digest:
        return self.store.digests.add(
            TEAM,
            channel_id=CHANNEL,
            schedule_kind=kind,
            minute=minute,
            hour=hour,
            weekday=weekday,
            tz=tz,
            created_by="U0CREATOR",
        )

    def job(self, digest: Digest) -> Job | None:
        return self.scheduler.get_job(f"digest:{digest.id}")

    def digest_jobs(self) -> set[str]:
        return {j.id for j in self.scheduler.get_jobs() if j.id.startswith("digest:")}

    def posts(self) -> list[Call]:
        return self.slack.state.posts(CHANNEL)


@pytest.fixture
async def clocks(tmp_path: Path) -> AsyncIterator[Clocks]:
    clock = FakeClock(CREATED)
    store = Store(open_database(tmp_path / "pulse.db"), Secrets([Fernet.generate_key()]), clock)
    async with (
        FakeSlackServer(FakeSlack(monotonic=clock.monotonic)) as slack,
        httpx.AsyncClient(timeout=5) as http,
    ):

        async def token(team: Team) -> str | None:
            return "xoxb-clock"

        # nothing is connected, so no service is ever called: digests say so and are posted
        pool = ClientPool(http, {}, clock, store.credentials, store.budgets)
        outbound = Outbound(token, clock, api_url=slack.api_url)
        digests = Digests(store, pool, outbound, clock)
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.start(paused=True)
        try:
            yield Clocks(
                clock, store, slack, digests, scheduler, Clockwork(scheduler, store, digests, clock)
            )
        finally:
            scheduler.shutdown(wait=False)
            await outbound.close()
            store.close()


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# ---- the jobs' clocks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "winter", "summer"),
    [
        ("Europe/Berlin", utc(2026, 1, 16, 8), utc(2026, 7, 16, 7)),
        ("America/New_York", utc(2026, 1, 16, 14), utc(2026, 7, 16, 13)),
    ],
)
async def test_a_nine_oclock_digest_fires_at_nine_local_in_winter_and_summer(
    clocks: Clocks, tz: str, winter: datetime, summer: datetime
) -> None:
    digest = clocks.add(tz=tz)
    clocks.clockwork.reconcile()
    job = clocks.job(digest)
    assert job is not None

    assert job.trigger.get_next_fire_time(None, utc(2026, 1, 15, 23)) == winter
    assert job.trigger.get_next_fire_time(None, utc(2026, 7, 15, 23)) == summer
    assert job.trigger.get_next_fire_time(None, winter) == winter  # at or after now
    assert job.trigger.get_next_fire_time(winter, winter) == winter + timedelta(days=1)


@pytest.mark.parametrize(
    ("tz", "before", "after"),
    [
        # Europe springs forward Sun 29 Mar and falls back Sun 25 Oct 2026
        ("Europe/Berlin", utc(2026, 3, 28, 8), utc(2026, 3, 29, 7)),
        ("Europe/Berlin", utc(2026, 10, 24, 7), utc(2026, 10, 25, 8)),
        # New York springs forward Sun 8 Mar and falls back Sun 1 Nov 2026
        ("America/New_York", utc(2026, 3, 7, 14), utc(2026, 3, 8, 13)),
        ("America/New_York", utc(2026, 10, 31, 13), utc(2026, 11, 1, 14)),
    ],
    ids=["berlin-spring", "berlin-autumn", "new-york-spring", "new-york-autumn"],
)
async def test_the_job_stays_at_nine_local_across_daylight_saving(
    clocks: Clocks, tz: str, before: datetime, after: datetime
) -> None:
    """What APScheduler asks after each firing: the next time, given the one just fired."""
    digest = clocks.add(tz=tz)
    clocks.clockwork.reconcile()
    job = clocks.job(digest)
    assert job is not None
    assert job.trigger.get_next_fire_time(before, before) == after


async def test_the_job_is_due_at_the_schedules_next_run(clocks: Clocks) -> None:
    digest = clocks.add("weekly", weekday=2, hour=17, minute=30, tz="America/New_York")
    before = datetime.now(UTC)  # APScheduler times a new job by the real clock
    clocks.clockwork.reconcile()
    after = datetime.now(UTC)
    job = clocks.job(digest)
    assert job is not None
    schedule = schedule_of(digest)
    assert job.next_run_time in {next_run(schedule, before - TICK), next_run(schedule, after)}
    local = job.next_run_time.astimezone(schedule.tz)
    assert (local.weekday(), local.hour, local.minute) == (2, 17, 30)


# ---- following the table ---------------------------------------------------------------------


async def test_reconcile_adds_drops_and_retimes_digest_jobs(clocks: Clocks) -> None:
    berlin = clocks.add()
    hourly = clocks.add("hourly", hour=None, minute=15)
    clocks.clockwork.reconcile()
    assert clocks.digest_jobs() == {f"digest:{berlin.id}", f"digest:{hourly.id}"}

    clocks.store.digests.set_paused(TEAM, berlin.id, True)
    clocks.clockwork.reconcile()
    assert clocks.digest_jobs() == {f"digest:{hourly.id}"}

    clocks.store.digests.set_paused(TEAM, berlin.id, False)
    clocks.clockwork.reconcile()
    assert clocks.digest_jobs() == {f"digest:{berlin.id}", f"digest:{hourly.id}"}

    clocks.store.digests.remove(TEAM, hourly.id)
    clocks.clockwork.reconcile()
    assert clocks.digest_jobs() == {f"digest:{berlin.id}"}

    # another process moves the digest to 10:30 New York time: the job follows
    clocks.store.db.execute(
        "UPDATE digests SET hour = 10, minute = 30, tz = 'America/New_York' WHERE id = ?",
        [berlin.id],
    )
    clocks.clockwork.reconcile()
    job = clocks.job(berlin)
    assert job is not None
    assert job.trigger.get_next_fire_time(None, utc(2026, 1, 15, 23)) == utc(2026, 1, 16, 15, 30)


async def test_an_unchanged_digest_keeps_its_job(clocks: Clocks) -> None:
    digest = clocks.add()
    clocks.clockwork.reconcile()
    job = clocks.job(digest)
    assert job is not None
    job.modify(next_run_time=utc(2030, 1, 1, 8))  # as if APScheduler had moved it on
    clocks.clockwork.reconcile()
    again = clocks.job(digest)
    assert again is not None
    assert again.next_run_time == utc(2030, 1, 1, 8)


async def test_changes_announced_by_digests_reach_the_scheduler_at_once(clocks: Clocks) -> None:
    """Commands call `Digests.changed`; the Clockwork listens, no 30-second wait."""
    digest = clocks.add()
    clocks.digests.changed(digest.id)
    assert clocks.digest_jobs() == {f"digest:{digest.id}"}
    clocks.store.digests.set_paused(TEAM, digest.id, True)
    clocks.digests.changed(digest.id)
    assert clocks.digest_jobs() == set()


# ---- the job ------------------------------------------------------------------------------


async def test_run_due_posts_the_run_that_just_fired_once(clocks: Clocks) -> None:
    digest = clocks.add()
    clocks.clock.set(NINE_BERLIN + timedelta(seconds=2))

    assert await clocks.clockwork.run_due(digest.id) == "posted"
    assert await clocks.clockwork.run_due(digest.id, NINE_BERLIN + timedelta(seconds=30)) == (
        "duplicate"
    )

    [post] = clocks.posts()
    assert post.args["blocks"][0]["text"]["text"] == "Pulse digest — yesterday"
    assert not any("Posted late" in str(b) for b in post.args["blocks"])
    run = clocks.store.digests.get_run(digest.id, NINE_BERLIN)
    assert run is not None
    assert run.status == "posted"


async def test_run_due_fired_late_says_so(clocks: Clocks) -> None:
    digest = clocks.add()
    assert await clocks.clockwork.run_due(digest.id, NINE_BERLIN + timedelta(minutes=20)) == (
        "posted"
    )
    [post] = clocks.posts()
    assert post.args["blocks"][-1]["elements"][0]["text"] == (
        "Posted late: Pulse Bot was not running at 09:00 CET."
    )


@pytest.mark.parametrize(
    "now",
    [
        NINE_BERLIN - timedelta(minutes=1),  # the last run, Sunday's, was long ago
        NINE_BERLIN + timedelta(hours=1, seconds=1),  # too late for today's
    ],
    ids=["before-nine", "after-ten"],
)
async def test_run_due_with_nothing_due_posts_nothing(clocks: Clocks, now: datetime) -> None:
    digest = clocks.add()
    assert await clocks.clockwork.run_due(digest.id, now) == "nothing due"
    assert clocks.slack.state.calls == []
    assert clocks.store.digests.get_run(digest.id, NINE_BERLIN) is None


async def test_run_due_for_a_paused_or_removed_digest_posts_nothing(clocks: Clocks) -> None:
    paused, removed = clocks.add(), clocks.add()
    clocks.store.digests.set_paused(TEAM, paused.id, True)
    clocks.store.digests.remove(TEAM, removed.id)
    assert await clocks.clockwork.run_due(paused.id, NINE_BERLIN) == "paused"
    assert await clocks.clockwork.run_due(removed.id, NINE_BERLIN) == "gone"
    assert clocks.slack.state.calls == []


async def test_an_hourly_job_posts_each_hour(clocks: Clocks) -> None:
    digest = clocks.add("hourly", hour=None, minute=15)
    for hour in (8, 9):
        assert await clocks.clockwork.run_due(digest.id, utc(2026, 11, 23, hour, 15)) == "posted"
    assert len(clocks.posts()) == 2


# ---- start -------------------------------------------------------------------------------


async def test_start_catches_up_then_schedules_every_job(clocks: Clocks) -> None:
    late = clocks.add()  # 09:00 Berlin: missed by 30 minutes, posted late
    skipped = clocks.add(hour=8)  # 08:00 Berlin: missed by 1.5 hours, skipped
    clocks.store.digests.set_paused(TEAM, clocks.add(hour=8).id, True)
    clocks.clock.set(NINE_BERLIN + timedelta(minutes=30))

    async def evaluate() -> None:
        return None

    clockwork = Clockwork(
        clocks.scheduler, clocks.store, clocks.digests, clocks.clock, evaluate_alerts=evaluate
    )
    await clockwork.start()

    [post] = clocks.posts()
    assert post.args["blocks"][-1]["elements"][0]["text"] == (
        "Posted late: Pulse Bot was not running at 09:00 CET."
    )
    skip = clocks.store.digests.get_run(skipped.id, utc(2026, 11, 23, 7))
    assert skip is not None
    assert skip.status == "skipped"
    assert clocks.digest_jobs() == {f"digest:{late.id}", f"digest:{skipped.id}"}
    reconcile = clocks.scheduler.get_job("reconcile")
    assert reconcile is not None
    assert isinstance(reconcile.trigger, IntervalTrigger)
    assert reconcile.trigger.interval == timedelta(seconds=30)
    alerts = clocks.scheduler.get_job("alerts")
    assert alerts is not None
    assert alerts.next_run_time == clocks.clock.now() + timedelta(seconds=1)


async def test_the_periodic_reconcile_runs_on_the_event_loop(clocks: Clocks) -> None:
    """It shares the store and the job table with commands, which run on the loop; a
    worker thread would race them."""
    clockwork = clocks.clockwork
    ran_on: list[int] = []
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    reconcile = clockwork.reconcile

    def recording() -> None:
        ran_on.append(threading.get_ident())
        reconcile()
        loop.call_soon_threadsafe(done.set)

    clockwork.reconcile = recording  # type: ignore[method-assign]
    await clockwork.start()
    digest = clocks.add()
    job = clocks.scheduler.get_job("reconcile")
    assert job is not None
    job.modify(next_run_time=datetime.now(UTC))
    clocks.scheduler.resume()
    await asyncio.wait_for(done.wait(), timeout=5)

    assert ran_on == [threading.get_ident()] * 2  # at start, then as the periodic job
    assert clocks.digest_jobs() == {f"digest:{digest.id}"}


async def test_only_one_process_runs_jobs_and_a_standby_takes_over(clocks: Clocks) -> None:
    """Two schedulers on one database (two web processes left with the scheduler on):
    only the lease holder posts; when it stops, the other catches up and carries on."""
    digest = clocks.add()
    first = Clockwork(clocks.scheduler, clocks.store, clocks.digests, clocks.clock, holder="web-1")
    second = Clockwork(clocks.scheduler, clocks.store, clocks.digests, clocks.clock, holder="web-2")
    await first.start()
    await second.start()
    assert clocks.store.leases.holder("scheduler") == "web-1"

    clocks.clock.set(NINE_BERLIN)
    await first._reconcile_job()  # the holder renews every 30 s while it runs
    assert await second.run_due(digest.id, now=NINE_BERLIN) == "standby"
    assert await first.run_due(digest.id, now=NINE_BERLIN) == "posted"
    assert len(clocks.posts()) == 1

    first.stop()  # web-1 shuts down before the next day's run
    next_day = NINE_BERLIN + timedelta(days=1, minutes=20)
    clocks.clock.set(next_day)
    await second._reconcile_job()  # its periodic job takes the free lease and catches up
    assert clocks.store.leases.holder("scheduler") == "web-2"
    assert len(clocks.posts()) == 2  # the 09:00 run, 20 minutes late, posted once
    assert "Posted late" in str(clocks.posts()[-1].args["blocks"])
    assert await first.run_due(digest.id, now=next_day) == "standby"


async def test_a_holder_that_dies_without_releasing_is_replaced_after_the_lease(
    clocks: Clocks,
) -> None:
    crashed = Clockwork(
        clocks.scheduler, clocks.store, clocks.digests, clocks.clock, holder="web-1"
    )
    standby = Clockwork(
        clocks.scheduler, clocks.store, clocks.digests, clocks.clock, holder="web-2"
    )
    assert crashed.active() and not standby.active()
    clocks.clock.advance(89)
    assert not standby.active()
    clocks.clock.advance(2)  # 91 s without a renewal: the lease has lapsed
    assert standby.active()
