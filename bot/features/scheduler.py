"""APScheduler wiring: the table is the truth, the scheduler only the clock.

`Clockwork` keeps one job per active digest (ID `digest:<id>`, a `ScheduleTrigger` that
computes wall-clock times in the digest's zone), one `alerts` job every
PULSEBOT_ALERT_INTERVAL seconds, and a `reconcile` job that re-reads the digests table
every 30 seconds — so a digest changed by another process (a web process while the
`clock` process runs the scheduler) is followed too. At start it first catches up runs
missed while the bot was down.

Exactly one process runs the jobs: every job first holds the `scheduler` lease in SQLite
(90 s, renewed by the holder at least every 30 s). A second process started with the
scheduler on stands by, and takes over — catching up first — if the holder stops.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.features.digests import Digests
from bot.features.schedules import ScheduleTrigger, latest_run_at_or_before, schedule_of
from bot.store import Store
from bot.store.digests import Digest

log = logging.getLogger(__name__)

RECONCILE_SECONDS = 30
LEASE_NAME = "scheduler"
LEASE_SECONDS = 90  # renewed at least every RECONCILE_SECONDS by the holder
RENEW_WHEN_LEFT = timedelta(seconds=LEASE_SECONDS - RECONCILE_SECONDS)
LATE_TOLERANCE = timedelta(hours=1)


def _signature(digest: Digest) -> str:
    return f"{digest.schedule_kind}|{digest.weekday}|{digest.hour}|{digest.minute}|{digest.tz}"


class Clockwork:
    def __init__(
        self,
        scheduler: AsyncIOScheduler,
        store: Store,
        digests: Digests,
        clock: Clock,
        *,
        evaluate_alerts: Callable[[], Awaitable[object]] | None = None,
        alert_interval: float = 60.0,
        holder: str | None = None,
    ):
        self.scheduler = scheduler
        self.store = store
        self.digests = digests
        self.clock = clock
        self.evaluate_alerts = evaluate_alerts
        self.alert_interval = alert_interval
        self._signatures: dict[int, str] = {}
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._was_active = False
        self._held_until: datetime | None = None
        digests.listeners.append(lambda _digest_id: self.reconcile())

    def active(self) -> bool:
        """Hold (or renew) the scheduler lease: only its holder runs jobs.

        A lease renewed less than RECONCILE_SECONDS ago is still ours for at least a
        minute, so the thousand jobs of a busy minute do not each write to SQLite.
        """
        now = self.clock.now()
        if self._held_until is not None and self._held_until - now > RENEW_WHEN_LEFT:
            return True
        held = self.store.leases.hold(LEASE_NAME, self.holder, LEASE_SECONDS)
        self._held_until = now + timedelta(seconds=LEASE_SECONDS) if held else None
        if held != self._was_active:
            log.info("scheduler %s: %s", "active" if held else "standing by", self.holder)
        return held

    async def _take_over_if_free(self) -> None:
        """Become the active scheduler if the lease is free; catch up when newly active."""
        was = self._was_active
        self._was_active = self.active()
        if self._was_active and not was:
            counts = await self.digests.catch_up()
            if counts["late"] or counts["skipped"]:
                log.info(
                    "after downtime: %(late)d digest runs posted late, %(skipped)d skipped",
                    counts,
                )

    def stop(self) -> None:
        self.store.leases.release(LEASE_NAME, self.holder)
        self._was_active = False
        self._held_until = None

    async def start(self) -> None:
        await self._take_over_if_free()
        self.reconcile()
        self.scheduler.add_job(
            self._reconcile_job,
            "interval",
            seconds=RECONCILE_SECONDS,
            id="reconcile",
            replace_existing=True,
        )
        if self.evaluate_alerts is not None:
            self.scheduler.add_job(
                self._alerts_job,
                "interval",
                seconds=self.alert_interval,
                id="alerts",
                replace_existing=True,
                max_instances=1,
                coalesce=True,
                next_run_time=self.clock.now() + timedelta(seconds=1),
            )

    async def _reconcile_job(self) -> None:
        """The periodic reconcile, as a coroutine so that it runs on the event loop: APScheduler
        runs plain functions in a worker thread, which would race the commands (and their
        `Digests.changed`) for the store's connection and for the job table. It also renews
        the lease, or takes it over from a process that stopped."""
        await self._take_over_if_free()
        self.reconcile()

    async def _alerts_job(self) -> None:
        if self.evaluate_alerts is not None and self.active():
            await self.evaluate_alerts()

    def reconcile(self) -> None:
        """Make the jobs match the digests table: add, re-time or drop `digest:<id>` jobs."""
        wanted = {d.id: d for d in self.store.digests.list_all_for_scheduler()}
        for digest_id in list(self._signatures):
            if digest_id not in wanted:
                self._remove(digest_id)
        for digest_id, digest in wanted.items():
            signature = _signature(digest)
            if self._signatures.get(digest_id) == signature:
                continue
            self.scheduler.add_job(
                self.run_due,
                ScheduleTrigger(schedule_of(digest)),
                args=[digest_id],
                id=f"digest:{digest_id}",
                replace_existing=True,
                misfire_grace_time=int(LATE_TOLERANCE.total_seconds()),
                coalesce=True,
            )
            self._signatures[digest_id] = signature

    def _remove(self, digest_id: int) -> None:
        job = self.scheduler.get_job(f"digest:{digest_id}")
        if job is not None:
            job.remove()
        self._signatures.pop(digest_id, None)

    async def run_due(self, digest_id: int, now: datetime | None = None) -> str:
        """The job: run the digest's most recent scheduled time (the one that fired)."""
        if not self.active():
            return "standby"
        digest = self.store.digests.get_for_scheduler(digest_id)
        if digest is None:
            return "gone"
        now = now or self.clock.now()
        scheduled = latest_run_at_or_before(schedule_of(digest), now + timedelta(seconds=1))
        if scheduled is None or now - scheduled > LATE_TOLERANCE:
            return "nothing due"
        late = now - scheduled > timedelta(minutes=5)
        result = await self.digests.run(digest_id, scheduled, late=late)
        return result.status
