"""Scheduled digests and their runs.

A `Digest` is a saved schedule: wall-clock time in an IANA zone (``daily``/``weekdays`` at
hour:minute, ``weekly`` on a weekday — 0 is Monday — at hour:minute, ``hourly`` at
:minute). The table is the truth: each row carries `next_run_at`, the instant it is next
due, and the scheduler asks `due` which rows have reached theirs.

A run is keyed by (digest ID, scheduled time in UTC). `claim_run` inserts that key and
answers True for exactly one caller, whichever process or restart asks, so a run is
posted at most once; `finish_run` records how it ended.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast, get_args

from bot.clock import Clock
from bot.store._rows import integer, iso, opt_int, opt_iso, opt_text, parse_iso, text
from bot.store.db import Database, Repository, unit
from bot.store.numbering import next_number
from bot.team import Team

ScheduleKind = Literal["daily", "weekdays", "weekly", "hourly"]
RunStatus = Literal["claimed", "posted", "skipped", "failed"]
SCHEDULE_KINDS: tuple[ScheduleKind, ...] = get_args(ScheduleKind)
FINAL_STATUSES: tuple[RunStatus, ...] = ("posted", "skipped", "failed")


@dataclass(frozen=True, slots=True)
class Digest:
    id: int  # internal: runs, buttons and the scheduler use it
    number: int  # the workspace's own: what people see and type (`#3`)
    team: Team
    channel_id: str
    schedule_kind: ScheduleKind
    weekday: int | None  # 0 = Monday … 6 = Sunday; only for "weekly"
    hour: int | None  # None only for "hourly"
    minute: int
    tz: str
    services: tuple[str, ...]  # empty: every connected service
    range: str | None  # None: the default for the schedule kind
    created_by: str
    created_at: datetime
    paused: bool
    paused_reason: str | None
    last_run_at: datetime | None  # scheduled time of the latest finished run
    next_run_at: datetime | None  # when it is next due; None: not worked out yet
    failing_since: datetime | None = None  # its posts have failed since (creator told)


@dataclass(frozen=True, slots=True)
class DigestRun:
    digest_id: int
    scheduled_for: datetime
    team: Team
    claimed_at: datetime
    status: RunStatus
    detail: str | None
    posted_ts: str | None
    finished_at: datetime | None
    attempted_at: datetime | None = None  # its post was first tried (it may be in Slack)


_COLUMNS = (
    "id, number, team_key, channel_id, schedule_kind, weekday, hour, minute, tz, services, "
    '"range", created_by, created_at, paused, paused_reason, last_run_at, next_run_at, '
    "failing_since"
)


def _digest(r: dict[str, Any]) -> Digest:
    kind = cast(ScheduleKind, text(r["schedule_kind"]))
    return Digest(
        id=integer(r["id"]),
        number=integer(r["number"]),
        team=Team.from_key(text(r["team_key"])),
        channel_id=text(r["channel_id"]),
        schedule_kind=kind,
        weekday=opt_int(r["weekday"]),
        hour=opt_int(r["hour"]),
        minute=integer(r["minute"]),
        tz=text(r["tz"]),
        services=tuple(str(s) for s in json.loads(text(r["services"]) or "[]")),
        range=opt_text(r["range"]),
        created_by=text(r["created_by"]),
        created_at=parse_iso(r["created_at"]),
        paused=bool(r["paused"]),
        paused_reason=opt_text(r["paused_reason"]),
        last_run_at=opt_iso(r["last_run_at"]),
        next_run_at=opt_iso(r["next_run_at"]),
        failing_since=opt_iso(r["failing_since"]),
    )


def _check_schedule(kind: str, weekday: int | None, hour: int | None, minute: int) -> None:
    if kind not in SCHEDULE_KINDS:
        raise ValueError(f"unknown schedule kind {kind!r}")
    if not 0 <= minute <= 59:
        raise ValueError("minute must be 0..59")
    if kind == "hourly":
        if hour is not None or weekday is not None:
            raise ValueError("an hourly digest has neither hour nor weekday")
        return
    if hour is None or not 0 <= hour <= 23:
        raise ValueError("hour must be 0..23")
    if (kind == "weekly") != (weekday is not None):
        raise ValueError("a weekday is required for weekly digests and only for them")
    if weekday is not None and not 0 <= weekday <= 6:
        raise ValueError("weekday must be 0 (Monday)..6 (Sunday)")


class DigestsRepository(Repository):
    def __init__(self, db: Database, clock: Clock):
        super().__init__(db)
        self._clock = clock

    @unit
    def add(
        self,
        team: Team,
        *,
        channel_id: str,
        schedule_kind: ScheduleKind,
        minute: int,
        tz: str,
        created_by: str,
        next_run_at: datetime | None,
        hour: int | None = None,
        weekday: int | None = None,
        services: Sequence[str] = (),
        range: str | None = None,
    ) -> Digest:
        _check_schedule(schedule_kind, weekday, hour, minute)
        cursor = self._db.execute(
            """INSERT INTO digests (team_key, number, channel_id, schedule_kind, weekday, hour,
                   minute, tz, services, "range", created_by, created_at, paused, next_run_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id""",
            [
                team.key,
                next_number(self._db, team.key, "digest"),
                channel_id,
                schedule_kind,
                weekday,
                hour,
                minute,
                tz,
                json.dumps(list(services)),
                range,
                created_by,
                iso(self._clock.now()),
                None if next_run_at is None else iso(next_run_at),
            ],
        )
        digest = self._get(team, integer(cursor.fetchone()[0]))
        assert digest is not None
        return digest

    def _get(self, team: Team, digest_id: int) -> Digest | None:
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM digests WHERE team_key = ? AND id = ?", [team.key, digest_id]
        )
        return _digest(rows[0]) if rows else None

    get = unit(_get)

    @unit
    def numbered(self, team: Team, number: int) -> Digest | None:
        """The workspace's digest with the number people see (`#3`), or None."""
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM digests WHERE team_key = ? AND number = ?", [team.key, number]
        )
        return _digest(rows[0]) if rows else None

    @unit
    def list(self, team: Team) -> builtins.list[Digest]:
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM digests WHERE team_key = ? ORDER BY number", [team.key]
        )
        return [_digest(r) for r in rows]

    @unit
    def remove(self, team: Team, digest_id: int) -> bool:
        """Delete the digest (its runs go with it); False if the workspace has no such ID."""
        cursor = self._db.execute(
            "DELETE FROM digests WHERE team_key = ? AND id = ?", [team.key, digest_id]
        )
        return cursor.rowcount > 0

    @unit
    def set_paused(
        self, team: Team, digest_id: int, paused: bool, reason: str | None = None
    ) -> bool:
        """Pause (with an optional reason shown in `digest list`) or resume."""
        cursor = self._db.execute(
            "UPDATE digests SET paused = ?, paused_reason = ? WHERE team_key = ? AND id = ?",
            [int(paused), reason if paused else None, team.key, digest_id],
        )
        return cursor.rowcount > 0

    @unit
    def list_all_for_scheduler(self, *, include_paused: bool = False) -> builtins.list[Digest]:
        """Digests of every workspace (not scoped: only the scheduler may call this)."""
        where = "" if include_paused else "WHERE paused = 0"
        rows = self._db.query(f"SELECT {_COLUMNS} FROM digests {where} ORDER BY id")
        return [_digest(r) for r in rows]

    @unit
    def due(self, now: datetime, limit: int) -> builtins.list[Digest]:
        """Up to `limit` active digests of every workspace whose `next_run_at` is at or before
        `now`, or not worked out yet; the most overdue first (only the scheduler may call this)."""
        rows = self._db.query(
            f"""SELECT {_COLUMNS} FROM digests
                WHERE paused = 0 AND (next_run_at IS NULL OR next_run_at <= ?)
                ORDER BY next_run_at NULLS FIRST, id
                LIMIT ?""",
            [iso(now), limit],
        )
        return [_digest(r) for r in rows]

    @unit
    def upcoming(self, after: datetime, until: datetime, limit: int) -> builtins.list[Digest]:
        """Up to `limit` active digests of every workspace next due after `after` and at or
        before `until`, the soonest first (the scheduler composes their reports ahead)."""
        rows = self._db.query(
            f"""SELECT {_COLUMNS} FROM digests
                WHERE paused = 0 AND next_run_at > ? AND next_run_at <= ?
                ORDER BY next_run_at, id
                LIMIT ?""",
            [iso(after), iso(until), limit],
        )
        return [_digest(r) for r in rows]

    @unit
    def count_by_state(self) -> dict[str, int]:
        """Digests of every workspace: how many are active and how many paused."""
        counts = {"active": 0, "paused": 0}
        for paused, n in self._db.execute(
            "SELECT paused, COUNT(*) FROM digests GROUP BY paused"
        ).fetchall():
            counts["paused" if paused else "active"] += int(n)
        return counts

    @unit
    def set_next_run(self, digest_id: int, when: datetime) -> bool:
        """Record when the digest is next due; False if it no longer exists."""
        cursor = self._db.execute(
            "UPDATE digests SET next_run_at = ? WHERE id = ?", [iso(when), digest_id]
        )
        return cursor.rowcount > 0

    @unit
    def get_for_scheduler(self, digest_id: int) -> Digest | None:
        """One digest by ID, whatever its workspace (for scheduler jobs holding only an ID)."""
        rows = list(self._db.query(f"SELECT {_COLUMNS} FROM digests WHERE id = ?", [digest_id]))
        return _digest(rows[0]) if rows else None

    @unit
    def claim_run(self, digest_id: int, scheduled_for: datetime) -> bool:
        """True for exactly the first caller claiming this run; False for everyone else and
        for digests that no longer exist."""
        key = iso(scheduled_for)
        with self._db.transaction():
            row = self._db.execute(
                "SELECT team_key FROM digests WHERE id = ?", [digest_id]
            ).fetchone()
            if row is None:
                return False
            cursor = self._db.execute(
                """INSERT INTO digest_runs
                       (digest_id, scheduled_for, team_key, claimed_at, status)
                   VALUES (?, ?, ?, ?, 'claimed') ON CONFLICT DO NOTHING""",
                [digest_id, key, row[0], iso(self._clock.now())],
            )
            return cursor.rowcount == 1

    @unit
    def finish_run(
        self,
        digest_id: int,
        scheduled_for: datetime,
        status: RunStatus,
        *,
        detail: str | None = None,
        posted_ts: str | None = None,
    ) -> bool:
        """Record how a claimed run ended and advance the digest's `last_run_at`."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"a run finishes as one of {FINAL_STATUSES}, not {status!r}")
        key = iso(scheduled_for)
        with self._db.transaction():
            cursor = self._db.execute(
                """UPDATE digest_runs SET status = ?, detail = ?, posted_ts = ?, finished_at = ?
                   WHERE digest_id = ? AND scheduled_for = ?""",
                [status, detail, posted_ts, iso(self._clock.now()), digest_id, key],
            )
            if cursor.rowcount == 0:
                return False
            self._db.execute(
                """UPDATE digests SET last_run_at = ?
                   WHERE id = ? AND (last_run_at IS NULL OR last_run_at < ?)""",
                [key, digest_id, key],
            )
        return True

    @unit
    def get_run(self, digest_id: int, scheduled_for: datetime) -> DigestRun | None:
        rows = self._db.query(
            "SELECT * FROM digest_runs WHERE digest_id = ? AND scheduled_for = ?",
            [digest_id, iso(scheduled_for)],
        )
        return _run(rows[0]) if rows else None

    @unit
    def unfinished(self, claimed_before: datetime) -> builtins.list[DigestRun]:
        """Runs claimed before `claimed_before` and never finished: a process died (or
        lost its lease) between claiming and recording the post. Oldest first."""
        rows = self._db.query(
            """SELECT * FROM digest_runs WHERE status = 'claimed' AND claimed_at < ?
               ORDER BY scheduled_for, digest_id""",
            [iso(claimed_before)],
        )
        return [_run(r) for r in rows]

    @unit
    def mark_attempted(self, digest_id: int, scheduled_for: datetime) -> None:
        """From now on the run's post may be in Slack (set once, the first time)."""
        self._db.execute(
            """UPDATE digest_runs SET attempted_at = COALESCE(attempted_at, ?)
               WHERE digest_id = ? AND scheduled_for = ?""",
            [iso(self._clock.now()), digest_id, iso(scheduled_for)],
        )

    @unit
    def start_failing(self, digest_id: int) -> bool:
        """Note that the digest's posts fail; True only for the first failure in a row."""
        cursor = self._db.execute(
            "UPDATE digests SET failing_since = ? WHERE id = ? AND failing_since IS NULL",
            [iso(self._clock.now()), digest_id],
        )
        return cursor.rowcount > 0

    @unit
    def stop_failing(self, digest_id: int) -> None:
        self._db.execute(
            "UPDATE digests SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL",
            [digest_id],
        )


def _run(r: dict[str, Any]) -> DigestRun:
    return DigestRun(
        digest_id=integer(r["digest_id"]),
        scheduled_for=parse_iso(r["scheduled_for"]),
        team=Team.from_key(text(r["team_key"])),
        claimed_at=parse_iso(r["claimed_at"]),
        status=cast(RunStatus, text(r["status"])),
        detail=opt_text(r["detail"]),
        posted_ts=opt_text(r["posted_ts"]),
        finished_at=opt_iso(r["finished_at"]),
        attempted_at=opt_iso(r["attempted_at"]),
    )
