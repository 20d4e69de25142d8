"""The Scheduler: one sweep over the digests table, the catch-up policy, the jobs, the lease.

Every test moves a `FakeClock` to an explicit instant and calls `sweep` itself, as the
`sweep` job would; nothing sleeps and nothing waits for the wall clock. A real
`AsyncIOScheduler`, started paused, only shows which jobs `start` keeps (the schedule
arithmetic itself is tested in tests/test_schedules.py). Nothing is connected, so each
digest says so and is posted to a recording fake of the Slack Web API. Every test runs on
SQLite and on PostgreSQL (`database_url`), whose clock is the same FakeClock.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from cryptography.fernet import Fernet

from bot.clients.pool import ClientPool
from bot.features import scheduler as scheduler_module
from bot.features.digests import Digests, RunResult
from bot.features.recurrence import Kind, Schedule
from bot.features.scheduler import Scheduler, channel_turns
from bot.render.text import dates_as_text
from bot.slack.outbound import Outbound
from bot.store import Store, open_database
from bot.store.crypto import Secrets
from bot.store.digests import Digest
from bot.team import Team
from tests.fakes.clock import FakeClock
from tests.fakes.slack import Call, FakeSlack, FakeSlackServer

TEAM = Team("T0CLOCK")
CREATOR = "U0CREATOR"
CHANNEL = "C0DAILY"
CREATED = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Mon 07:00 in Berlin
NINE_BERLIN = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Mon 09:00 CET


def utc(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@dataclass
class Clocks:
    url: str
    clock: FakeClock
    store: Store
    slack: FakeSlackServer
    digests: Digests
    scheduler: Scheduler

    async def add(
        self,
        kind: Kind = "daily",
        *,
        hour: int | None = 9,
        minute: int = 0,
        tz: str = "Europe/Berlin",
        digests: Digests | None = None,
    ) -> Digest:
        return await (digests or self.digests).add(
            TEAM,
            CREATOR,
            channel_id=CHANNEL,
            schedule=Schedule(kind, minute, hour, None, ZoneInfo(tz)),
        )

    async def get(self, digest: Digest) -> Digest:
        fresh = await self.store.digests.get(TEAM, digest.id)
        assert fresh is not None
        return fresh

    def posts(self) -> list[Call]:
        return self.slack.state.posts(CHANNEL)

    async def sweep_at(self, when: datetime) -> dict[str, int]:
        self.clock.set(when)
        return await self.scheduler.sweep()


@pytest.fixture
async def clocks(database_url: str, clock: FakeClock) -> AsyncIterator[Clocks]:
    clock.set(CREATED)
    store = Store(open_database(database_url), Secrets([Fernet.generate_key()]), clock)
    async with (
        FakeSlackServer(FakeSlack(monotonic=clock.monotonic)) as slack,
        httpx.AsyncClient(timeout=5) as http,
    ):

        async def token(team: Team) -> str | None:
            return "xoxb-clock"

        pool = ClientPool(http, {}, clock, store.credentials, store.budgets)
        outbound = Outbound(token, clock, api_url=slack.api_url)
        digests = Digests(store, pool, outbound, clock)
        try:
            yield Clocks(
                database_url, clock, store, slack, digests, Scheduler(store, digests, clock)
            )
        finally:
            await outbound.close()
            store.close()


@pytest.fixture
async def apscheduler() -> AsyncIterator[AsyncIOScheduler]:
    """A real APScheduler that fires nothing by itself until resumed."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.start(paused=True)
    yield scheduler
    scheduler.shutdown(wait=False)


def counts(due: int = 0, posted: int = 0, late: int = 0, skipped: int = 0) -> dict[str, int]:
    return {"active": 1, "due": due, "posted": posted, "late": late, "skipped": skipped}


def notes(post: Call) -> list[str]:
    """The context lines of a post, Slack date tokens shown as their fallback."""
    return [
        dates_as_text(e["text"])
        for b in post.args["blocks"]
        for e in b.get("elements", [])
        if "text" in e
    ]


# ---- wall-clock times across daylight saving ------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "winter", "summer"),
    [
        ("Europe/Berlin", utc(2026, 1, 16, 8), utc(2026, 7, 16, 7)),
        ("America/New_York", utc(2026, 1, 16, 14), utc(2026, 7, 16, 13)),
    ],
)
async def test_a_nine_oclock_digest_is_due_at_nine_local_in_winter_and_summer(
    clocks: Clocks, tz: str, winter: datetime, summer: datetime
) -> None:
    clocks.clock.set(utc(2026, 1, 15, 23))
    assert (await clocks.add(tz=tz)).next_run_at == winter
    clocks.clock.set(utc(2026, 7, 15, 23))
    assert (await clocks.add(tz=tz)).next_run_at == summer


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
async def test_after_each_run_the_next_stays_at_nine_local_across_daylight_saving(
    clocks: Clocks, tz: str, before: datetime, after: datetime
) -> None:
    clocks.clock.set(before - timedelta(hours=1))
    digest = await clocks.add(tz=tz)
    assert await clocks.sweep_at(before + timedelta(seconds=3)) == counts(due=1, posted=1)
    assert (await clocks.get(digest)).next_run_at == after


# ---- a sweep -------------------------------------------------------------------------------


async def test_a_digest_is_posted_once_when_its_time_has_come(clocks: Clocks) -> None:
    digest = await clocks.add()
    assert digest.next_run_at == NINE_BERLIN
    assert await clocks.sweep_at(NINE_BERLIN - timedelta(seconds=1)) == counts()
    assert clocks.slack.state.calls == []

    assert await clocks.sweep_at(NINE_BERLIN + timedelta(seconds=2)) == counts(due=1, posted=1)
    assert await clocks.sweep_at(NINE_BERLIN + timedelta(seconds=7)) == counts()

    [post] = clocks.posts()
    assert post.args["blocks"][0]["text"]["text"] == "Pulse digest — yesterday"
    assert not any("Posted late" in n for n in notes(post))
    run = await clocks.store.digests.get_run(digest.id, NINE_BERLIN)
    assert run is not None and run.status == "posted"
    assert (await clocks.get(digest)).next_run_at == NINE_BERLIN + timedelta(days=1)


@pytest.mark.parametrize(
    ("minutes", "expected", "late_note"),
    [(4, counts(due=1, posted=1), False), (20, counts(due=1, late=1), True)],
    ids=["four-minutes", "twenty-minutes"],
)
async def test_a_run_posted_more_than_five_minutes_late_says_so(
    clocks: Clocks, minutes: int, expected: dict[str, int], late_note: bool
) -> None:
    await clocks.add()
    assert await clocks.sweep_at(NINE_BERLIN + timedelta(minutes=minutes)) == expected
    [post] = clocks.posts()
    late = "Posted late: Pulse Bot was not running at Mon 23 Nov 09:00 CET."
    assert (late in notes(post)) is late_note


async def test_a_run_an_hour_old_is_skipped_and_recorded(clocks: Clocks) -> None:
    digest = await clocks.add()
    assert await clocks.sweep_at(NINE_BERLIN + timedelta(hours=1)) == counts(due=1, skipped=1)
    assert clocks.slack.state.calls == []
    run = await clocks.store.digests.get_run(digest.id, NINE_BERLIN)
    assert run is not None
    assert (run.status, run.detail) == ("skipped", "missed while the bot was down")
    assert (await clocks.get(digest)).next_run_at == NINE_BERLIN + timedelta(days=1)


async def test_after_days_down_the_newest_run_is_posted_and_at_most_50_skipped(
    clocks: Clocks,
) -> None:
    digest = await clocks.add("hourly", hour=None, minute=15)
    now = utc(2026, 11, 26, 8, 30)  # three days later; 08:15 is 15 minutes late
    assert await clocks.sweep_at(now) == counts(due=1, late=1, skipped=50)
    [post] = clocks.posts()
    assert "Posted late: Pulse Bot was not running at Thu 26 Nov 09:15 CET." in notes(post)
    skipped = await clocks.store.digests.get_run(digest.id, utc(2026, 11, 24, 6, 15))
    assert skipped is not None and skipped.status == "skipped"  # the 50th newest
    assert await clocks.store.digests.get_run(digest.id, utc(2026, 11, 24, 5, 15)) is None
    assert (await clocks.get(digest)).next_run_at == utc(2026, 11, 26, 9, 15)


@pytest.mark.parametrize(
    ("last_run", "expected"),
    [(None, counts(due=1, late=1)), (NINE_BERLIN, counts(due=1))],
    ids=["never-run", "already-run"],
)
async def test_a_digest_whose_next_run_was_never_worked_out_catches_up_from_its_last_run(
    clocks: Clocks, last_run: datetime | None, expected: dict[str, int]
) -> None:
    """As a digest stored before `next_run_at` existed: the first sweep works it out."""
    digest = await clocks.add()
    await clocks.store.db.run(
        lambda: clocks.store.db.execute(
            "UPDATE digests SET next_run_at = NULL, last_run_at = ? WHERE id = ?",
            [last_run and last_run.isoformat(), digest.id],
        )
    )
    assert await clocks.sweep_at(NINE_BERLIN + timedelta(minutes=30)) == expected
    assert len(clocks.posts()) == expected["late"]
    assert (await clocks.get(digest)).next_run_at == NINE_BERLIN + timedelta(days=1)


async def test_paused_and_removed_digests_are_not_due(clocks: Clocks) -> None:
    paused, removed = await clocks.add(), await clocks.add()
    await clocks.digests.pause(paused, CREATOR)
    await clocks.digests.remove(removed, CREATOR)
    assert await clocks.sweep_at(NINE_BERLIN) == counts()
    assert clocks.slack.state.calls == []


async def test_a_digest_changed_by_another_process_is_followed_at_the_next_sweep(
    clocks: Clocks,
) -> None:
    """A web process adds and pauses digests while this one (the `clock`) sweeps."""
    web = Store(open_database(clocks.url), clocks.store.secrets, clocks.clock)
    web_digests = Digests(web, clocks.digests.pool, clocks.digests.outbound, clocks.clock)
    try:
        kept, paused = await clocks.add(digests=web_digests), await clocks.add(digests=web_digests)
        await web_digests.pause(paused, CREATOR)
        assert await clocks.sweep_at(NINE_BERLIN) == counts(due=1, posted=1)
        assert await clocks.store.digests.get_run(kept.id, NINE_BERLIN) is not None
        assert await clocks.store.digests.get_run(paused.id, NINE_BERLIN) is None
    finally:
        web.close()


async def test_an_hourly_digest_posts_each_hour(clocks: Clocks) -> None:
    clocks.clock.set(utc(2026, 11, 23, 8))
    await clocks.add("hourly", hour=None, minute=15)
    for hour in (8, 9):
        assert await clocks.sweep_at(utc(2026, 11, 23, hour, 15, 4)) == counts(due=1, posted=1)
    assert len(clocks.posts()) == 2


async def test_a_sweep_reads_on_until_nothing_is_left_due(
    clocks: Clocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduler_module, "DUE_BATCH", 2)
    for _ in range(5):
        await clocks.add()
    assert await clocks.sweep_at(NINE_BERLIN) == counts(due=5, posted=5)
    assert len(clocks.posts()) == 5


async def test_a_busy_minute_gives_every_channel_its_first_run_before_any_its_second(
    clocks: Clocks,
) -> None:
    """Slack takes about a message a second per channel: a channel's second run waits
    anyway, so the other channels' first runs go before it, in the order they were due."""
    read = await clocks.add()
    due = [replace(read, id=n, channel_id=c) for n, c in enumerate("AABCAB")]
    turns = [(d.channel_id, d.id) for d in channel_turns(due)]
    assert turns == [("A", 0), ("B", 2), ("C", 3), ("A", 1), ("B", 5), ("A", 4)]


async def test_a_digest_that_fails_stays_due_and_the_others_are_posted(
    clocks: Clocks, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken, fine = await clocks.add(), await clocks.add()
    run = clocks.digests.run

    async def failing(digest_id: int, scheduled_for: datetime, **kw: Any) -> RunResult:
        if digest_id == broken.id:
            raise RuntimeError("a bug")
        return await run(digest_id, scheduled_for, **kw)

    monkeypatch.setattr(clocks.digests, "run", failing)
    assert await clocks.sweep_at(NINE_BERLIN) == counts(due=2, posted=1)
    assert await clocks.store.digests.get_run(fine.id, NINE_BERLIN) is not None
    assert f"digest {broken.id}: not dealt with" in caplog.text
    assert (await clocks.get(broken)).next_run_at == NINE_BERLIN  # tried again at the next sweep
    assert (await clocks.get(fine)).next_run_at == NINE_BERLIN + timedelta(days=1)


async def test_sweeps_in_one_process_do_not_overlap(clocks: Clocks) -> None:
    """A sweep that returns has dealt with everything due, even while another was running."""
    await clocks.add()
    clocks.clock.set(NINE_BERLIN)
    first, second = await asyncio.gather(clocks.scheduler.sweep(), clocks.scheduler.sweep())
    assert (first, second) == (counts(due=1, posted=1), counts())
    assert len(clocks.posts()) == 1


# ---- the jobs ------------------------------------------------------------------------------


async def test_start_catches_up_then_keeps_a_sweep_and_an_alerts_job(
    clocks: Clocks, apscheduler: AsyncIOScheduler
) -> None:
    await clocks.add()  # 09:00 Berlin: missed by 30 minutes, posted late
    skipped = await clocks.add(hour=8)  # 08:00 Berlin: missed by 1.5 hours, skipped
    await clocks.digests.pause(await clocks.add(hour=8), CREATOR)
    clocks.clock.set(NINE_BERLIN + timedelta(minutes=30))

    async def evaluate() -> None:
        return None

    scheduler = Scheduler(clocks.store, clocks.digests, clocks.clock, evaluate_alerts=evaluate)
    await scheduler.start(apscheduler)

    [post] = clocks.posts()
    assert "Posted late: Pulse Bot was not running at Mon 23 Nov 09:00 CET." in notes(post)
    skip = await clocks.store.digests.get_run(skipped.id, utc(2026, 11, 23, 7))
    assert skip is not None and skip.status == "skipped"
    assert {job.id for job in apscheduler.get_jobs()} == {"sweep", "alerts"}
    sweep = apscheduler.get_job("sweep")
    assert isinstance(sweep.trigger, IntervalTrigger)
    assert sweep.trigger.interval == timedelta(seconds=scheduler.timing.sweep_seconds)
    # sweeps fall on the wall clock's whole minutes (and every interval after), so a
    # digest due at 09:00 is swept at 09:00:00, not up to one interval later
    assert (sweep.trigger.start_date.second, sweep.trigger.start_date.microsecond) == (0, 0)
    assert sweep.next_run_time.timestamp() % scheduler.timing.sweep_seconds == 0
    alerts = apscheduler.get_job("alerts")
    # a second from now on the wall clock, which APScheduler keeps (not the injected one)
    wait = (alerts.next_run_time - datetime.now(UTC)).total_seconds()
    assert 0 < wait <= 1


async def test_the_sweep_job_runs_on_the_event_loop(
    clocks: Clocks, apscheduler: AsyncIOScheduler
) -> None:
    """It shares the store with the commands, which run on the loop; a worker thread would
    race them for the connection."""
    scheduler = clocks.scheduler
    ran_on: list[int] = []
    swept = asyncio.Event()
    sweep = scheduler.sweep

    async def recording() -> dict[str, int]:
        ran_on.append(threading.get_ident())
        result = await sweep()
        swept.set()
        return result

    scheduler.sweep = recording  # type: ignore[method-assign]
    await scheduler.start(apscheduler)
    swept.clear()
    apscheduler.get_job("sweep").modify(next_run_time=datetime.now(UTC))
    apscheduler.resume()
    await asyncio.wait_for(swept.wait(), timeout=5)

    assert ran_on == [threading.get_ident()] * 2  # at start, then as the periodic job


async def test_the_sweep_job_leaves_a_busy_sweep_to_finish(
    clocks: Clocks, apscheduler: AsyncIOScheduler, monkeypatch: pytest.MonkeyPatch
) -> None:
    await clocks.scheduler.start(apscheduler)
    await clocks.add()
    release = asyncio.Event()
    run = clocks.digests.run

    async def slow(digest_id: int, scheduled_for: datetime, **kw: Any) -> RunResult:
        await release.wait()
        return await run(digest_id, scheduled_for, **kw)

    monkeypatch.setattr(clocks.digests, "run", slow)
    clocks.clock.set(NINE_BERLIN)
    busy = asyncio.create_task(clocks.scheduler.sweep())
    await asyncio.sleep(0)  # it has read the table and waits on the post
    await asyncio.wait_for(apscheduler.get_job("sweep").func(), timeout=5)  # returns at once
    assert not busy.done()
    release.set()
    assert await busy == counts(due=1, posted=1)


async def test_the_alerts_job_leaves_a_round_under_way_to_finish(
    clocks: Clocks, apscheduler: AsyncIOScheduler
) -> None:
    """20,000 alerts can take more than the minute: the next tick returns at once instead
    of queueing behind (or APScheduler logging an instance too many every minute)."""
    release, begun = asyncio.Event(), asyncio.Event()
    rounds: list[int] = []

    async def evaluate() -> None:
        rounds.append(len(rounds))
        begun.set()
        await release.wait()

    scheduler = Scheduler(clocks.store, clocks.digests, clocks.clock, evaluate_alerts=evaluate)
    await scheduler.start(apscheduler)
    job = apscheduler.get_job("alerts")
    busy = asyncio.create_task(job.func())
    await begun.wait()
    await asyncio.wait_for(job.func(), timeout=5)  # returns at once
    assert job.max_instances > 1  # so APScheduler lets that second tick see it
    assert rounds == [0] and not busy.done()
    release.set()
    await busy
    await job.func()
    assert rounds == [0, 1]


async def test_an_alert_round_stopped_by_shutdown_is_one_quiet_line(
    clocks: Clocks, apscheduler: AsyncIOScheduler, caplog: pytest.LogCaptureFixture
) -> None:
    started = asyncio.Event()

    async def evaluate() -> None:
        started.set()
        await asyncio.Event().wait()  # still reading when the process stops

    scheduler = Scheduler(clocks.store, clocks.digests, clocks.clock, evaluate_alerts=evaluate)
    await scheduler.start(apscheduler)
    caplog.set_level(logging.INFO, logger="bot.features.scheduler")
    job = asyncio.create_task(apscheduler.get_job("alerts").func())
    await started.wait()
    job.cancel()
    await job  # ends, without the CancelledError APScheduler would log with a traceback
    assert "the alert round under way stopped with the process" in caplog.text
    assert not any(r.levelno >= logging.WARNING for r in caplog.records)


# ---- one process at a time ---------------------------------------------------------------------


async def test_only_the_lease_holder_sweeps_and_a_standby_takes_over(clocks: Clocks) -> None:
    """Two schedulers on one database (two web processes left with the scheduler on): only
    the lease holder posts; when it stops, the other's next sweep catches up."""
    digest = await clocks.add()
    first = Scheduler(clocks.store, clocks.digests, clocks.clock, holder="web-1")
    second = Scheduler(clocks.store, clocks.digests, clocks.clock, holder="web-2")
    clocks.clock.set(NINE_BERLIN)
    assert await first.sweep() == counts(due=1, posted=1)
    assert (await second.sweep())["active"] == 0
    assert await clocks.store.leases.holder("scheduler") == "web-1"

    await first.stop()  # web-1 shuts down before the next day's run
    clocks.clock.set(NINE_BERLIN + timedelta(days=1, minutes=20))
    assert await second.sweep() == counts(due=1, late=1)
    assert await clocks.store.leases.holder("scheduler") == "web-2"
    assert (await first.sweep())["active"] == 0
    assert len(clocks.posts()) == 2
    assert (await clocks.get(digest)).next_run_at == NINE_BERLIN + timedelta(days=2)


async def test_the_holder_renews_its_lease_every_15_seconds_not_every_sweep(
    clocks: Clocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    holds: list[datetime] = []
    hold = clocks.store.leases.hold

    async def counting(name: str, holder: str, ttl_seconds: float) -> bool:
        holds.append(clocks.clock.now())
        return await hold(name, holder, ttl_seconds)

    monkeypatch.setattr(clocks.store.leases, "hold", counting)
    for _ in range(13):  # a minute of sweeps, 5 s apart
        await clocks.scheduler.sweep()
        clocks.clock.advance(5)
    # a 45 s lease (Timing's default), renewed once a third of it has gone
    assert [(h - CREATED).total_seconds() for h in holds] == [0, 15, 30, 45, 60]


async def test_a_holder_that_dies_without_releasing_is_replaced_after_the_lease(
    clocks: Clocks,
) -> None:
    crashed = Scheduler(clocks.store, clocks.digests, clocks.clock, holder="web-1")
    standby = Scheduler(clocks.store, clocks.digests, clocks.clock, holder="web-2")
    assert await crashed.active() and not await standby.active()
    clocks.clock.advance(44)
    assert not await standby.active()
    clocks.clock.advance(2)  # 46 s without a renewal: the 45 s lease has lapsed
    assert await standby.active()


async def test_a_deploy_waits_for_the_sweep_under_way_then_gives_up_the_lease(
    clocks: Clocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    await clocks.add()
    clocks.clock.set(NINE_BERLIN)
    posting, go_on = asyncio.Event(), asyncio.Event()
    post = clocks.digests.outbound.post

    async def slow_post(*args: Any, **kwargs: Any) -> Any:
        posting.set()  # the digest is being posted when SIGTERM arrives
        await go_on.wait()
        return await post(*args, **kwargs)

    monkeypatch.setattr(clocks.digests.outbound, "post", slow_post)
    sweeping = asyncio.create_task(clocks.scheduler.sweep())
    await posting.wait()
    stopping = asyncio.create_task(clocks.scheduler.stop())
    for _ in range(5):
        await asyncio.sleep(0)
    assert not stopping.done()  # it waits for the run under way…
    assert await clocks.store.leases.holder("scheduler") == clocks.scheduler.holder

    go_on.set()
    await stopping
    assert (await sweeping)["posted"] == 1
    assert len(clocks.posts()) == 1  # …which was posted, then the lease given up
    assert await clocks.store.leases.holder("scheduler") is None
