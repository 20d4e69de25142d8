"""What runs while nobody types: one sweep over the digests table, and the alerts round.

The table is the truth and APScheduler only the clock. `Scheduler.start` sweeps once —
which is the catch-up after downtime — then keeps two interval jobs: `sweep` every
`Timing.sweep_seconds` and `alerts` every PULSEBOT_ALERT_INTERVAL seconds. Both are coroutines, so
they run on the event loop with the commands rather than in APScheduler's worker threads.

A sweep asks the table for the active digests that are due (`next_run_at` at or before
now, or not worked out yet) and deals with each by the `CatchUp` policy of
`bot.features.recurrence`: the newest missed run is posted if it is less than an hour old
(saying it is late when more than five minutes late), older ones are recorded as skipped;
then the digest's next run is stored. `Digests.run` posts each run at most once and bounds
the upstream work of a busy minute; the poster paces posts per channel. A busy minute's runs
are dealt with a few hundred at a time, every channel's first run before any channel's
second (`channel_turns`). Each sweep also has the reports of the runs due in the next
`PREPARE_AHEAD` composed, where their period is already over, so at their minute they only
post. A digest added,
paused or removed by another process (a web process while the `clock` process runs the
scheduler) is followed at the next sweep: there is nothing to keep in step.

Exactly one process runs the jobs, on any number of hosts: each job first holds the
`scheduler` lease in the database (45 s, renewed by the holder at least every 15 s; judged
by the database's clock on PostgreSQL). Other processes started with the scheduler on stand
by; when the holder dies, one of them takes over within about 50 seconds (the lease, plus a
sweep interval) and its first sweep catches up as a restart does.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import telemetry
from bot.clock import Clock
from bot.errors import StorageError
from bot.features.digests import LATE_AFTER, PREPARE_AHEAD, Digests
from bot.features.recurrence import CatchUp, next_run, schedule_of
from bot.store import Store
from bot.store.digests import Digest

log = logging.getLogger(__name__)

#: Digests read from the table at a time, and then dealt with together: every digest of
#: 10,000 workspaces due in the same minute, usually. A sweep reads on until none is due.
DUE_BATCH = 10_000
#: Due digests dealt with at once. Each run is a few units of database work and a post;
#: started all together, every run's first unit would queue before any run's second, and
#: the first post of a busy minute would wait for thousands of them.
DEALT_WITH_AT_ONCE = 256
LEASE_NAME = "scheduler"
#: A run claimed this long ago and still unfinished was abandoned by a failure.
STALE_CLAIM = timedelta(minutes=10)
CATCH_UP = CatchUp()
_TICK = timedelta(microseconds=1)
COUNTS = ("active", "due", "posted", "late", "skipped")


def channel_turns(due: list[Digest]) -> list[Digest]:
    """`due` with every channel's first run before any channel's second, and so on: Slack
    takes about a message a second per channel, so a channel's second run can wait while
    other channels get their first."""
    turn: dict[tuple[str, str], int] = {}
    ranked = []
    for digest in due:
        channel = (digest.team.key, digest.channel_id)
        turn[channel] = turn.get(channel, -1) + 1
        ranked.append((turn[channel], digest))
    return [digest for _, digest in sorted(ranked, key=lambda r: r[0])]


@dataclass(frozen=True, slots=True)
class Timing:
    """How often the sweep runs, and how long a lease lasts (renewed every third of it)."""

    sweep_seconds: float = 5.0
    lease_seconds: float = 45.0

    @property
    def renew_when_left(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds * 2 / 3)


class Scheduler:
    def __init__(
        self,
        store: Store,
        digests: Digests,
        clock: Clock,
        *,
        evaluate_alerts: Callable[[], Awaitable[object]] | None = None,
        alert_interval: float = 60.0,
        holder: str | None = None,
        timing: Timing = Timing(),
    ):
        self.timing = timing
        self.store = store
        self.digests = digests
        self.clock = clock
        self.evaluate_alerts = evaluate_alerts
        self.alert_interval = alert_interval
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._was_active = False
        self._held_until: datetime | None = None
        self._sweeping = asyncio.Lock()
        self._evaluating = asyncio.Lock()
        self._resumed = False  # unfinished runs were taken up since the lease was won
        self._prepared_until: datetime | None = None  # runs up to this were composed ahead
        self._dealing = asyncio.Semaphore(DEALT_WITH_AT_ONCE)
        self.last_sweep: float | None = None  # monotonic: when the last sweep began

    async def active(self) -> bool:
        """Hold (or renew) the scheduler lease: only its holder runs jobs.

        A lease renewed less than a third of its time ago is still ours for a while, so
        the sweeps in between do not each write to SQLite.
        """
        now = self.clock.now()
        if self._held_until is not None and self._held_until - now > self.timing.renew_when_left:
            return True
        lease = self.timing.lease_seconds
        held = await self.store.leases.hold(LEASE_NAME, self.holder, lease)
        self._held_until = now + timedelta(seconds=lease) if held else None
        telemetry.LEADER.set(int(held))
        if held != self._was_active:
            log.info("scheduler %s: %s", "active" if held else "standing by", self.holder)
            self._was_active = held
            self._resumed = False
        return held

    def overdue(self) -> bool:
        """Whether the sweep has not run for three of its intervals (a stuck scheduler)."""
        if self.last_sweep is None:
            return False
        return self.clock.monotonic() - self.last_sweep > 3 * self.timing.sweep_seconds + 5

    async def start(self, apscheduler: AsyncIOScheduler) -> None:
        """Catch up (the first sweep), then add the `sweep` and `alerts` jobs."""
        await self.sweep()
        apscheduler.add_job(
            self._sweep_job,
            "interval",
            seconds=self.timing.sweep_seconds,
            # on the wall clock's whole minute and every `sweep_seconds` after it, so a
            # digest due at 09:00 is swept at 09:00:00, not up to a sweep later
            start_date=datetime.now(UTC).replace(second=0, microsecond=0),
            id="sweep",
            replace_existing=True,
            max_instances=2,  # the second only sees that the first is still at it
            coalesce=True,
        )
        if self.evaluate_alerts is not None:
            apscheduler.add_job(
                self._alerts_job,
                "interval",
                seconds=self.alert_interval,
                id="alerts",
                replace_existing=True,
                max_instances=2,  # the second only sees that the first is still at it
                coalesce=True,
                # APScheduler keeps the wall clock's time, not the injected one
                next_run_time=datetime.now(UTC) + timedelta(seconds=1),
            )

    async def stop(self, grace: float = 20.0) -> None:
        """Let the sweep and the alerts round under way finish (up to `grace` seconds),
        then give up the lease so another process takes over at once."""
        try:
            async with asyncio.timeout(grace):
                async with self._sweeping, self._evaluating:
                    pass
        except TimeoutError:
            log.warning("scheduler stopped with work under way after %.0f s", grace)
        await self.digests.stop_preparing()
        try:
            await self.store.leases.release(LEASE_NAME, self.holder)
        except StorageError:  # it runs out by itself; another process then takes over
            log.warning("the scheduler lease could not be given up: it will run out")
        self._was_active = False
        self._held_until = None

    async def _sweep_job(self) -> None:
        """A sweep still dealing with a busy minute is left to finish (rather than queued
        behind, or logged as an instance too many); the first tick after it goes on."""
        if not self._sweeping.locked():
            await self.sweep()

    async def _alerts_job(self) -> None:
        """Like the sweep's: a round still at it when the next is due is left to finish
        (rather than waited behind, or logged each minute as an instance too many). A round
        cut short by shutdown says so in one line, not as a failed job's traceback."""
        if self.evaluate_alerts is None or self._evaluating.locked():
            return
        if not await self.active():
            return
        async with self._evaluating:
            try:
                await self.evaluate_alerts()
            except asyncio.CancelledError:
                # not raised on: APScheduler would log the cancelled job as an error
                log.info("the alert round under way stopped with the process")

    async def sweep(self) -> dict[str, int]:
        """Deal with every digest due now, if this process holds the lease. Answers whether
        it did (`active`), how many digests were due, and how many runs were posted on time,
        posted late and skipped.

        Sweeps in one process never overlap: a second one waits for the first, then finds
        what it left (usually nothing)."""
        counts = dict.fromkeys(COUNTS, 0)
        async with self._sweeping:
            self.last_sweep = self.clock.monotonic()
            if not await self.active():
                return counts
            counts["active"] = 1
            now = self.clock.now()
            # Runs claimed and never finished: all of them once the lease is won (their
            # process died), then those left over from this process's own failures.
            before = now if not self._resumed else now - STALE_CLAIM
            resumed = await self.digests.resume_unfinished(before)
            self._resumed = True
            counts["posted"] += resumed["resumed"]
            counts["skipped"] += resumed["skipped"]
            lag = 0.0
            seen: set[int] = set()
            # A digest dealt with is due again only after `now`, so each read finds the next
            # ones; one that failed stays due for the next sweep but is not read twice here.
            while batch := [
                d for d in await self.store.digests.due(now, DUE_BATCH) if d.id not in seen
            ]:
                seen.update(d.id for d in batch)
                counts["due"] += len(batch)
                lag = max(
                    [lag, *((now - d.next_run_at).total_seconds() for d in batch if d.next_run_at)]
                )
                batch = channel_turns(batch)
                outcomes = await asyncio.gather(
                    *(self._deal_with_bounded(d, now) for d in batch), return_exceptions=True
                )
                for digest, outcome in zip(batch, outcomes, strict=True):
                    if isinstance(outcome, BaseException):
                        log.error("digest %s: not dealt with", digest.id, exc_info=outcome)
                        continue
                    for key, n in outcome.items():
                        counts[key] += n
                if not await self.active():  # a long sweep renews its lease; lost, it stops
                    break
            else:  # nothing left due, and the lease still held: compose ahead
                await self._prepare(now)
            telemetry.LAG.set(lag)
            for state, n in (await self.store.digests.count_by_state()).items():
                telemetry.DIGESTS.labels(state).set(n)
        if counts["late"] or counts["skipped"]:
            log.info(
                "digest runs not posted in time: %(late)d posted late, %(skipped)d skipped",
                counts,
            )
        return counts

    async def _prepare(self, now: datetime) -> None:
        """Have the reports of the runs due in the next PREPARE_AHEAD composed now, each run
        once (they are worked on after the sweep, as it does not wait for them)."""
        after = max(now, self._prepared_until or now)
        until = now + PREPARE_AHEAD
        upcoming = await self.store.digests.upcoming(after, until, DUE_BATCH)
        started = self.digests.prepare(upcoming, now)
        self._prepared_until = until
        if started:
            log.info("composing %d digest reports ahead of their minute", started)

    async def _deal_with_bounded(self, digest: Digest, now: datetime) -> dict[str, int]:
        async with self._dealing:
            return await self._deal_with(digest, now)

    async def _deal_with(self, digest: Digest, now: datetime) -> dict[str, int]:
        """Post or skip the runs missed since the digest was last dealt with (the one just
        due, usually), then store when it is next due."""
        schedule = schedule_of(digest)
        if digest.next_run_at is None:  # never worked out: from its last run, as after downtime
            newest, older = CATCH_UP(schedule, digest.last_run_at, digest.created_at, now)
        else:  # every run before next_run_at was dealt with
            handled = digest.next_run_at - _TICK
            newest, older = CATCH_UP(schedule, handled, digest.created_at, now)
        outcome = {"posted": 0, "late": 0, "skipped": 0}
        for when in older:
            skipped = await self.digests.skip(digest.id, when, "missed while the bot was down")
            outcome["skipped"] += skipped
        if newest is not None:
            late = now - newest > LATE_AFTER
            result = await self.digests.run(digest.id, newest, late=late, read=digest)
            if result.status == "posted":
                outcome["late" if late else "posted"] += 1
        await self.store.digests.set_next_run(digest.id, next_run(schedule, now))
        return outcome
