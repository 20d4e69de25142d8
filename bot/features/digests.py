"""Scheduled digests: their life cycle, and posting a run exactly once.

What a digest says is `bot.features.digest_message.compose`. `Digests.add`, `pause`,
`resume` and `remove` write the digest (with when it is next due, for the scheduler's
sweep) and the audit log, for commands and tests alike. `Digests.run` claims the run key
(digest, scheduled time) in SQLite before posting, so a run is posted at most once
whatever restarts or retries happen; `skip` records a run that will not be posted.
Slack's refusals pause the digest and tell its creator once. `Digests.prepare` composes
ahead the reports of runs due shortly whose period is over (yesterday's figures do not
change by 09:00), so a busy minute's digests are paced only by Slack. When runs fall due is
`bot.features.scheduler`'s business.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot import messages
from bot.clients.pool import ClientPool
from bot.clock import Clock
from bot.coalesce import Coalesced
from bot.domain.periods import Period
from bot.errors import PulseError
from bot.features.digest_message import (
    Report,
    compose,
    digest_message,
    digest_period,
    report,
)
from bot.features.poster import Posted, Poster
from bot.features.recurrence import (
    GRACE,
    Schedule,
    latest_run_at_or_before,
    next_run,
    schedule_of,
)
from bot.render.blocks import context, slack_date
from bot.render.message import Message
from bot.store import Store
from bot.store._rows import iso
from bot.store.digests import Digest
from bot.team import Team

log = logging.getLogger(__name__)

#: Slack answers that mean the channel cannot take the digest until someone acts.
CHANNEL_PROBLEMS = {
    "channel_not_found": "the channel no longer exists or the bot cannot see it",
    "is_archived": "the channel is archived",
    "not_in_channel": "the channel is private and the bot has not been invited",
    "restricted_action": "the channel does not allow the bot to post",
}
#: Digests composed at once: enough to overlap upstream latency, few enough that a
#: thousand due at the same minute do not pile up in the HTTP connection pool.
COMPOSE_CONCURRENCY = 64
#: Reports kept once done, for digests of the same minute and question that come a moment
#: after, or that were composed ahead (a report is a few kilobytes of blocks). Dropped once
#: their minute has gone by.
REPORTS_KEPT = 512
#: How far ahead of their minute, and how many, reports are composed: a minute's worth of
#: digests then post on the minute, paced only by Slack. Fewer than REPORTS_KEPT, so that
#: those composed at the minute itself do not push them out before they are used.
PREPARE_AHEAD = timedelta(seconds=30)
PREPARED_MAX = 256
#: A run posted later than this after its time says so.
LATE_AFTER = timedelta(minutes=5)
TOKEN_PROBLEMS = {"token_revoked", "invalid_auth", "account_inactive", "not_installed"}


class Question(NamedTuple):
    """What a report answers: the digests due at the same minute that ask it share one."""

    team: str
    services: tuple[str, ...]
    period: Period
    scheduled_for: datetime


def question(digest: Digest, scheduled_for: datetime) -> Question:
    period = digest_period(digest, scheduled_for)
    return Question(digest.team.key, digest.services, period, scheduled_for)


@dataclass(frozen=True, slots=True)
class RunResult:
    status: str  # posted, duplicate, gone, paused, failed, skipped
    detail: str | None = None
    ts: str | None = None


class Digests:
    """Adds, pauses, resumes and removes digests; runs them: claim, compose, post, and act
    on Slack's answer."""

    def __init__(self, store: Store, pool: ClientPool, outbound: Poster, clock: Clock):
        self.store = store
        self.pool = pool
        self.outbound = outbound
        self.clock = clock
        self._composing = asyncio.Semaphore(COMPOSE_CONCURRENCY)
        self._reports: Coalesced[Question, Report] = Coalesced(keep=REPORTS_KEPT)
        self._preparing: set[asyncio.Task[None]] = set()

    def next_run(self, digest: Digest, after: datetime | None = None) -> datetime:
        return next_run(schedule_of(digest), after or self.clock.now())

    # ---- life cycle: each change is audited as the user's ------------------------------

    async def add(
        self,
        team: Team,
        user_id: str,
        *,
        channel_id: str,
        schedule: Schedule,
        services: Sequence[str] = (),
        range: str | None = None,
    ) -> Digest:
        """Save a digest, due at its schedule's next run."""
        digest = await self.store.digests.add(
            team,
            channel_id=channel_id,
            schedule_kind=schedule.kind,
            minute=schedule.minute,
            hour=schedule.hour,
            weekday=schedule.weekday,
            tz=schedule.tz.key,
            created_by=user_id,
            services=services,
            range=range,
            next_run_at=next_run(schedule, self.clock.now()),
        )
        await self.store.audit.record(
            team, user_id, "digest.add", {"digest": digest.id, "channel": channel_id}
        )
        return digest

    async def pause(self, digest: Digest, user_id: str) -> None:
        await self.store.digests.set_paused(digest.team, digest.id, True)
        await self.store.audit.record(digest.team, user_id, "digest.pause", {"digest": digest.id})

    async def resume(self, digest: Digest, user_id: str) -> None:
        """Resume `digest` from its next scheduled time. The latest run that fell while it was
        paused is recorded as skipped: the bot was not down then, so it must not be posted
        late (nor the pause counted as downtime). Everything is written before the digest
        is active again, so a sweep in another process never sees it half resumed."""
        if digest.paused:
            now = self.clock.now()
            schedule = schedule_of(digest)
            since = max(digest.created_at, digest.last_run_at or digest.created_at)
            missed = latest_run_at_or_before(schedule, now)
            if missed is not None and missed > since:
                await self.skip(digest.id, missed, "the digest was paused")
            await self.store.digests.set_next_run(digest.id, next_run(schedule, now))
        await self.store.digests.set_paused(digest.team, digest.id, False)
        await self.store.audit.record(digest.team, user_id, "digest.resume", {"digest": digest.id})

    async def remove(self, digest: Digest, user_id: str) -> None:
        """Delete the digest and its runs."""
        await self.store.digests.remove(digest.team, digest.id)
        await self.store.audit.record(digest.team, user_id, "digest.remove", {"digest": digest.id})

    # ---- runs ------------------------------------------------------------------------------

    async def skip(self, digest_id: int, scheduled_for: datetime, detail: str) -> bool:
        """Record the run as skipped, unless it was claimed already; True if it was recorded."""
        if not await self.store.digests.claim_run(digest_id, scheduled_for):
            return False
        await self.store.digests.finish_run(digest_id, scheduled_for, "skipped", detail=detail)
        return True

    async def preview(self, digest: Digest) -> Message:
        return await compose(await self.pool.directory(digest.team), digest, self.clock.now())

    async def run(
        self,
        digest_id: int,
        scheduled_for: datetime,
        *,
        late: bool = False,
        manual: bool = False,
        read: Digest | None = None,
    ) -> RunResult:
        """Post the run of `digest_id` at `scheduled_for` unless it was claimed before.
        `read` is the digest as the sweep has just read it, saving a second read."""
        digest = read if read is not None else await self.store.digests.get_for_scheduler(digest_id)
        if digest is None:
            return RunResult("gone")
        if digest.paused and not manual:
            return RunResult("paused")
        if not await self.store.digests.claim_run(digest_id, scheduled_for):
            return RunResult("duplicate")
        return await self._post(digest, scheduled_for, late=late, attempted=None)

    async def resume_unfinished(self, claimed_before: datetime) -> dict[str, int]:
        """Finish the runs a process claimed and never finished (it died, or lost its
        lease): post them — unless an earlier attempt is found already in Slack — or record
        as skipped those too old to post by the catch-up rule."""
        counts = {"resumed": 0, "skipped": 0}
        now = self.clock.now()
        for run in await self.store.digests.unfinished(claimed_before):
            digest = await self.store.digests.get_for_scheduler(run.digest_id)
            if digest is None:
                continue
            if now - run.scheduled_for > GRACE:
                await self.store.digests.finish_run(
                    run.digest_id, run.scheduled_for, "skipped", detail="interrupted, too late"
                )
                counts["skipped"] += 1
                continue
            late = now - run.scheduled_for > LATE_AFTER
            result = await self._post(
                digest, run.scheduled_for, late=late, attempted=run.attempted_at
            )
            counts["resumed"] += result.status == "posted"
        return counts

    async def _post(
        self, digest: Digest, scheduled_for: datetime, *, late: bool, attempted: datetime | None
    ) -> RunResult:
        """Compose and post a claimed run, once: the post is tagged with the run's key, and
        one that may have reached Slack before (`attempted`) is looked for first."""
        # the digests of a workspace due together that ask for the same figures share
        # one report: a thousand due at once cost one report per distinct question
        try:
            shared = await self._shared_report(digest, question(digest, scheduled_for))
            message = digest_message(digest, shared)
        except PulseError as err:
            detail = messages.sentence(err)
            await self.store.digests.finish_run(digest.id, scheduled_for, "failed", detail=detail)
            return RunResult("failed", detail)
        if late:
            local = slack_date(scheduled_for, ZoneInfo(digest.tz))
            message = Message(
                message.text,
                (*message.blocks, context(f"Posted late: Pulse Bot was not running at {local}.")),
                public=True,
                shareable=False,
            )
        if attempted is None:
            await self.store.digests.mark_attempted(digest.id, scheduled_for)
        posted = await self.outbound.post(
            digest.team,
            digest.channel_id,
            message.to_slack(),
            key=f"digest:{digest.id}:{iso(scheduled_for)}",
            attempted_since=attempted,
        )
        if posted.ok:
            await self.store.digests.finish_run(
                digest.id, scheduled_for, "posted", posted_ts=posted.ts
            )
            if digest.failing_since is not None:
                await self.store.digests.stop_failing(digest.id)
            return RunResult("posted", ts=posted.ts)
        return await self._refused(digest, scheduled_for, posted)

    def prepare(self, upcoming: Sequence[Digest], now: datetime) -> int:
        """Start composing the reports of runs due soon (`upcoming`, each at its
        `next_run_at`) whose period is over by `now`: a finished period's figures are the
        same now as at the run's minute, so the run then only posts. A report whose period
        runs up to the minute (`24h`, `today`) waits for it. Reports of minutes gone by are
        dropped. Answers how many were started; one that fails is composed again by its run."""
        self._reports.forget(lambda asked: asked.scheduled_for < now - timedelta(minutes=1))
        started: set[Question] = set()
        for digest in upcoming:
            when = digest.next_run_at
            if when is None or when <= now or len(started) >= PREPARED_MAX:
                continue
            try:
                asked = question(digest, when)
            except Exception:  # its run will say what is wrong with it; the sweep goes on
                log.warning("digest %s: no report composed ahead", digest.id, exc_info=True)
                continue
            if asked.period.end > now or asked in started or asked in self._reports:
                continue
            started.add(asked)
            task = asyncio.create_task(self._compose_ahead(digest, asked))
            self._preparing.add(task)
            task.add_done_callback(self._preparing.discard)
        return len(started)

    async def _compose_ahead(self, digest: Digest, asked: Question) -> None:
        try:
            ahead = await self._shared_report(digest, asked)
            if ahead.failed:  # a service failed this early: the run asks it again
                self._reports.forget(lambda key: key == asked)
        except PulseError as err:  # the run composes it again, and says what failed
            log.info("digest %s not composed ahead: %s", digest.id, messages.sentence(err))
        except Exception:  # not the run's business either: it starts afresh
            log.warning("digest %s not composed ahead", digest.id, exc_info=True)

    @property
    def preparing(self) -> frozenset[asyncio.Task[None]]:
        """The reports being composed ahead now."""
        return frozenset(self._preparing)

    async def stop_preparing(self) -> None:
        """Cancel the reports being composed ahead (the process is stopping)."""
        for task in list(self._preparing):
            task.cancel()
        await asyncio.gather(*self._preparing, return_exceptions=True)

    async def _shared_report(self, digest: Digest, asked: Question) -> Report:
        """The report answering `asked`: kept, under way, or composed now for everyone
        who asks it meanwhile (at most COMPOSE_CONCURRENCY at once)."""

        async def compose_it() -> Report:
            async with self._composing:  # bounds concurrent upstream work in a fan-out
                directory = await self.pool.directory(digest.team)
                return await report(directory, digest, asked.scheduled_for)

        return await self._reports.get(asked, compose_it)

    async def _refused(self, digest: Digest, scheduled_for: datetime, posted: Posted) -> RunResult:
        code = posted.error or "unknown_error"
        await self.store.digests.finish_run(digest.id, scheduled_for, "failed", detail=code)
        if code in CHANNEL_PROBLEMS or code in TOKEN_PROBLEMS:
            reason = CHANNEL_PROBLEMS.get(code, "Slack no longer accepts the bot's token")
            await self.store.digests.set_paused(digest.team, digest.id, True, reason=reason)
            await self.store.audit.record(
                digest.team, None, "digest.paused", {"digest": digest.id, "reason": code}
            )
            if code in CHANNEL_PROBLEMS:
                await self.outbound.dm(
                    digest.team,
                    digest.created_by,
                    f"Your Pulse digest #{digest.number} for <#{digest.channel_id}> is paused: "
                    f"{reason}. Invite Pulse Bot or pick another channel, then "
                    f"`/pulse digest resume {digest.number}`.",
                )
            log.warning("digest %s paused after Slack said %s", digest.id, code)
        elif await self.store.digests.start_failing(digest.id):  # the first failure in a row
            local = slack_date(scheduled_for, ZoneInfo(digest.tz))
            await self.outbound.dm(
                digest.team,
                digest.created_by,
                f"Your Pulse digest #{digest.number} for <#{digest.channel_id}> could not be "
                f"posted at {local}: Slack kept failing ({code}). I will try again at its "
                "next run, and say nothing more until one gets through.",
            )
        return RunResult("failed", code)
