"""Threshold alerts and their persisted state machine (``ok → pending → firing → ok``,
plus ``unknown`` after repeated upstream failures).

The repository only stores: deciding transitions is the alerts feature's job. User-facing
calls take a `Team`; the evaluator lists every workspace's alerts with
`list_all_for_scheduler` and writes results back with `update_alert_state`.
"""

from __future__ import annotations

import builtins
import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from bot.clock import Clock
from bot.store._rows import (
    integer,
    iso,
    opt_float,
    opt_iso,
    opt_text,
    parse_iso,
    text,
)
from bot.store.db import Database, Repository, unit
from bot.store.numbering import next_number
from bot.team import Team

Op = Literal[">", ">=", "<", "<="]
AlertState = Literal["ok", "pending", "firing", "unknown"]
OPS: tuple[Op, ...] = (">", ">=", "<", "<=")
STATES: tuple[AlertState, ...] = ("ok", "pending", "firing", "unknown")


@dataclass(frozen=True, slots=True)
class Alert:
    id: int  # internal: runs, buttons and the scheduler use it
    number: int  # the workspace's own: what people see and type (`#3`)
    team: Team
    metric: str  # "service.name", e.g. "weldpulse.visitors"
    op: Op
    value: float
    over_seconds: int
    for_seconds: int
    channel_id: str
    created_by: str
    created_at: datetime
    state: AlertState
    state_since: datetime
    pending_since: datetime | None
    last_value: float | None
    consecutive_failures: int
    message_ts: str | None  # the firing message, edited on recovery
    message_channel: str | None
    last_reminder_at: datetime | None
    snoozed_until: datetime | None
    muted: bool
    unknown_announced: bool
    outbox: tuple[dict[str, Any], ...] = ()  # announcements Slack has not accepted yet
    announced: int = 0  # announcements made so far (names the next one)
    keep_firing_seconds: int = 0  # `--keep-firing`: stays firing this long after clearing
    clear_since: datetime | None = None  # firing, but the condition stopped holding then
    snoozed_by: str | None = None  # who snoozed it last (said in its message)
    muted_by: str | None = None  # who muted it last (said in its message)


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""Default of every `update_alert_state` argument: leave that column as it is."""

_COLUMNS = (
    "id, number, team_key, metric, op, value, over_seconds, for_seconds, channel_id, created_by, "
    "created_at, state, state_since, pending_since, last_value, consecutive_failures, "
    "message_ts, message_channel, last_reminder_at, snoozed_until, muted, unknown_announced, "
    "outbox, announced, keep_firing_seconds, clear_since, snoozed_by, muted_by"
)


def _alert(r: dict[str, Any]) -> Alert:
    value = opt_float(r["value"])
    assert value is not None
    return Alert(
        id=integer(r["id"]),
        number=integer(r["number"]),
        team=Team.from_key(text(r["team_key"])),
        metric=text(r["metric"]),
        op=cast(Op, text(r["op"])),
        value=value,
        over_seconds=integer(r["over_seconds"]),
        for_seconds=integer(r["for_seconds"]),
        channel_id=text(r["channel_id"]),
        created_by=text(r["created_by"]),
        created_at=parse_iso(r["created_at"]),
        state=cast(AlertState, text(r["state"])),
        state_since=parse_iso(r["state_since"]),
        pending_since=opt_iso(r["pending_since"]),
        last_value=opt_float(r["last_value"]),
        consecutive_failures=integer(r["consecutive_failures"]),
        message_ts=opt_text(r["message_ts"]),
        message_channel=opt_text(r["message_channel"]),
        last_reminder_at=opt_iso(r["last_reminder_at"]),
        snoozed_until=opt_iso(r["snoozed_until"]),
        muted=bool(r["muted"]),
        unknown_announced=bool(r["unknown_announced"]),
        outbox=tuple(json.loads(text(r["outbox"]) or "[]")),
        announced=integer(r["announced"]),
        keep_firing_seconds=integer(r["keep_firing_seconds"]),
        clear_since=opt_iso(r["clear_since"]),
        snoozed_by=opt_text(r["snoozed_by"]),
        muted_by=opt_text(r["muted_by"]),
    )


def _opt_iso_param(value: datetime | None) -> str | None:
    return None if value is None else iso(value)


class AlertsRepository(Repository):
    def __init__(self, db: Database, clock: Clock):
        super().__init__(db)
        self._clock = clock

    @unit
    def add(
        self,
        team: Team,
        *,
        metric: str,
        op: Op,
        value: float,
        over_seconds: int,
        channel_id: str,
        created_by: str,
        for_seconds: int = 0,
        keep_firing_seconds: int = 0,
    ) -> Alert:
        """A new alert, in state ``ok`` since now."""
        if op not in OPS:
            raise ValueError(f"unknown operator {op!r}")
        if over_seconds < 0 or for_seconds < 0 or keep_firing_seconds < 0:
            raise ValueError("durations cannot be negative")
        now = iso(self._clock.now())
        cursor = self._db.execute(
            """INSERT INTO alerts (team_key, number, metric, op, value, over_seconds, for_seconds,
                   keep_firing_seconds, channel_id, created_by, created_at, state, state_since)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?) RETURNING id""",
            [
                team.key,
                next_number(self._db, team.key, "alert"),
                metric,
                op,
                float(value),
                over_seconds,
                for_seconds,
                keep_firing_seconds,
                channel_id,
                created_by,
                now,
                now,
            ],
        )
        alert = self._get(team, integer(cursor.fetchone()[0]))
        assert alert is not None
        return alert

    def _get(self, team: Team, alert_id: int) -> Alert | None:
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM alerts WHERE team_key = ? AND id = ?", [team.key, alert_id]
        )
        return _alert(rows[0]) if rows else None

    get = unit(_get)

    @unit
    def numbered(self, team: Team, number: int) -> Alert | None:
        """The workspace's alert with the number people see (`#3`), or None."""
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM alerts WHERE team_key = ? AND number = ?", [team.key, number]
        )
        return _alert(rows[0]) if rows else None

    @unit
    def list(self, team: Team) -> builtins.list[Alert]:
        rows = self._db.query(
            f"SELECT {_COLUMNS} FROM alerts WHERE team_key = ? ORDER BY number", [team.key]
        )
        return [_alert(r) for r in rows]

    @unit
    def remove(self, team: Team, alert_id: int) -> bool:
        cursor = self._db.execute(
            "DELETE FROM alerts WHERE team_key = ? AND id = ?", [team.key, alert_id]
        )
        return cursor.rowcount > 0

    @unit
    def list_all_for_scheduler(self, *, include_muted: bool = False) -> builtins.list[Alert]:
        """Alerts of every workspace (not scoped: only the evaluator may call this)."""
        where = "" if include_muted else "WHERE muted = 0"
        rows = self._db.query(f"SELECT {_COLUMNS} FROM alerts {where} ORDER BY id")
        return [_alert(r) for r in rows]

    @unit
    def count_by_state(self) -> dict[str, int]:
        """Alerts of every workspace by state, muted ones counted apart."""
        counts = dict.fromkeys((*STATES, "muted"), 0)
        for state, muted, n in self._db.execute(
            "SELECT state, muted, COUNT(*) FROM alerts GROUP BY state, muted"
        ).fetchall():
            counts["muted" if muted else str(state)] += int(n)
        return counts

    @unit
    def update_alert_state(
        self,
        alert_id: int,
        *,
        team: Team | None = None,
        state: AlertState | _Keep = KEEP,
        state_since: datetime | _Keep = KEEP,
        pending_since: datetime | _Keep | None = KEEP,
        last_value: float | _Keep | None = KEEP,
        consecutive_failures: int | _Keep = KEEP,
        message_ts: str | _Keep | None = KEEP,
        message_channel: str | _Keep | None = KEEP,
        last_reminder_at: datetime | _Keep | None = KEEP,
        snoozed_until: datetime | _Keep | None = KEEP,
        muted: bool | _Keep = KEEP,
        unknown_announced: bool | _Keep = KEEP,
        outbox: Sequence[Mapping[str, Any]] | _Keep = KEEP,
        announced: int | _Keep = KEEP,
        clear_since: datetime | _Keep | None = KEEP,
        snoozed_by: str | _Keep | None = KEEP,
        muted_by: str | _Keep | None = KEEP,
    ) -> Alert | None:
        """Set the given state columns; the others keep their values.

        With `team`, the update only touches an alert of that workspace (for buttons and
        commands); without, any alert (for the evaluator). Returns the alert as stored
        afterwards, or None if there is no such alert.
        """
        changes: dict[str, object] = {}
        if not isinstance(state, _Keep):
            if state not in STATES:
                raise ValueError(f"unknown alert state {state!r}")
            changes["state"] = state
        if not isinstance(state_since, _Keep):
            changes["state_since"] = iso(state_since)
        if not isinstance(pending_since, _Keep):
            changes["pending_since"] = _opt_iso_param(pending_since)
        if not isinstance(last_value, _Keep):
            changes["last_value"] = None if last_value is None else float(last_value)
        if not isinstance(consecutive_failures, _Keep):
            changes["consecutive_failures"] = consecutive_failures
        if not isinstance(message_ts, _Keep):
            changes["message_ts"] = message_ts
        if not isinstance(message_channel, _Keep):
            changes["message_channel"] = message_channel
        if not isinstance(last_reminder_at, _Keep):
            changes["last_reminder_at"] = _opt_iso_param(last_reminder_at)
        if not isinstance(snoozed_until, _Keep):
            changes["snoozed_until"] = _opt_iso_param(snoozed_until)
        if not isinstance(muted, _Keep):
            changes["muted"] = int(muted)
        if not isinstance(unknown_announced, _Keep):
            changes["unknown_announced"] = int(unknown_announced)
        if not isinstance(outbox, _Keep):
            changes["outbox"] = json.dumps([dict(a) for a in outbox])
        if not isinstance(announced, _Keep):
            changes["announced"] = announced
        if not isinstance(clear_since, _Keep):
            changes["clear_since"] = _opt_iso_param(clear_since)
        if not isinstance(snoozed_by, _Keep):
            changes["snoozed_by"] = snoozed_by
        if not isinstance(muted_by, _Keep):
            changes["muted_by"] = muted_by

        where = "id = ?"
        scope: builtins.list[object] = [alert_id]
        if team is not None:
            where += " AND team_key = ?"
            scope.append(team.key)
        if changes:
            assignments = ", ".join(f"{column} = ?" for column in changes)
            self._db.execute(
                f"UPDATE alerts SET {assignments} WHERE {where}", [*changes.values(), *scope]
            )
        rows = list(self._db.query(f"SELECT {_COLUMNS} FROM alerts WHERE {where}", scope))
        return _alert(rows[0]) if rows else None
