"""What runs while nobody types: one sweep over the digests table, and the alerts round.

The table is the truth and APScheduler only the clock. `Scheduler.start` sweeps once —
which is the catch-up after downtime — then keeps two interval jobs: `sweep` every
SWEEP_SECONDS and `alerts` every PULSEBOT_ALERT_INTERVAL seconds. Both are coroutines, so
they run on the event loop with the commands rather than in APScheduler's worker threads.

A sweep asks the table for the active digests that are due (`next_run_at` at or before
now, or not worked out yet) and deals with each by the `CatchUp` policy of
`bot.features.recurrence`: the newest missed run is posted if it is less than an hour old
(saying it is late when more than five minutes late), older ones are recorded as skipped;
then the digest's next run is stored. `Digests.run` posts each run at most once and bounds
the upstream work of a busy minute; the poster paces posts per channel. A digest added,
paused or removed by another process (a web process while the `clock` process runs the
scheduler) is followed at the next sweep: there is nothing to keep in step.

Exactly one process runs the jobs: each first holds the `scheduler` lease in SQLite (90 s,
renewed by the holder at least every 30 s). A second process started with the scheduler on
stands by, and takes over if the holder stops; its first sweep catches up.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.features.digests import Digests
from bot.features.recurrence import CatchUp, next_run, schedule_of
from bot.store import Store
from bot.store.digests import Digest

log = logging.getLogger(__name__)

SWEEP_SECONDS = 5
#: Digests read from the table at a time, and then dealt with together: every digest of
#: 10,000 workspaces due in the same minute, usually. A sweep reads on until none is due.
DUE_BATCH = 10_000
LEASE_NAME = "scheduler"
LEASE_SECONDS = 90
RENEW_EVERY = timedelta(seconds=30)
RENEW_WHEN_LEFT = timedelta(seconds=LEASE_SECONDS) - RENEW_EVERY
#: A run posted later than this after its time says so.
LATE_AFTER = timedelta(minutes=5)
CATCH_UP = CatchUp()
_TICK = timedelta(microseconds=1)
COUNTS = ("active", "due", "posted", "late", "skipped")


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
    ):
        self.store = store
        self.digests = digests
        self.clock = clock
        self.evaluate_alerts = evaluate_alerts
        self.alert_interval = alert_interval
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._was_active = False
        self._held_until: datetime | None = None
        self._sweeping = asyncio.Lock()

    def active(self) -> bool:
        """Hold (or renew) the scheduler lease: only its holder runs jobs.

        A lease renewed less than RENEW_EVERY ago is still ours for at least a minute, so
        the sweeps in between do not each write to SQLite.
        """
        now = self.clock.now()
        if self._held_until is not None and self._held_until - now > RENEW_WHEN_LEFT:
            return True
        held = self.store.leases.hold(LEASE_NAME, self.holder, LEASE_SECONDS)
        self._held_until = now + timedelta(seconds=LEASE_SECONDS) if held else None
        if held != self._was_active:
            log.info("scheduler %s: %s", "active" if held else "standing by", self.holder)
            self._was_active = held
        return held

    async def start(self, apscheduler: AsyncIOScheduler) -> None:
        """Catch up (the first sweep), then add the `sweep` and `alerts` jobs."""
        await self.sweep()
        apscheduler.add_job(
            self._sweep_job,
            "interval",
            seconds=SWEEP_SECONDS,
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
                max_instances=1,
                coalesce=True,
                next_run_time=self.clock.now() + timedelta(seconds=1),
            )

    def stop(self) -> None:
        self.store.leases.release(LEASE_NAME, self.holder)
        self._was_active = False
        self._held_until = None

    async def _sweep_job(self) -> None:
        """A sweep still dealing with a busy minute is left to finish (rather than queued
        behind, or logged as an instance too many); the first tick after it goes on."""
        if not self._sweeping.locked():
            await self.sweep()

    async def _alerts_job(self) -> None:
        if self.evaluate_alerts is not None and self.active():
            await self.evaluate_alerts()

    async def sweep(self) -> dict[str, int]:
        """Deal with every digest due now, if this process holds the lease. Answers whether
        it did (`active`), how many digests were due, and how many runs were posted on time,
        posted late and skipped.

        Sweeps in one process never overlap: a second one waits for the first, then finds
        what it left (usually nothing)."""
        counts = dict.fromkeys(COUNTS, 0)
        async with self._sweeping:
            if not self.active():
                return counts
            counts["active"] = 1
            now = self.clock.now()
            seen: set[int] = set()
            # A digest dealt with is due again only after `now`, so each read finds the next
            # ones; one that failed stays due for the next sweep but is not read twice here.
            while batch := [d for d in self.store.digests.due(now, DUE_BATCH) if d.id not in seen]:
                seen.update(d.id for d in batch)
                counts["due"] += len(batch)
                outcomes = await asyncio.gather(
                    *(self._deal_with(d, now) for d in batch), return_exceptions=True
                )
                for digest, outcome in zip(batch, outcomes, strict=True):
                    if isinstance(outcome, BaseException):
                        log.error("digest %s: not dealt with", digest.id, exc_info=outcome)
                        continue
                    for key, n in outcome.items():
                        counts[key] += n
                if not self.active():  # a long sweep renews its lease; lost, it stops
                    break
        if counts["late"] or counts["skipped"]:
            log.info(
                "digest runs not posted in time: %(late)d posted late, %(skipped)d skipped",
                counts,
            )
        return counts

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
            skipped = self.digests.skip(digest.id, when, "missed while the bot was down")
            outcome["skipped"] += skipped
        if newest is not None:
            late = now - newest > LATE_AFTER
            result = await self.digests.run(digest.id, newest, late=late)
            if result.status == "posted":
                outcome["late" if late else "posted"] += 1
        self.store.digests.set_next_run(digest.id, next_run(schedule, now))
        return outcome
