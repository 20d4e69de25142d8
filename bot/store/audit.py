"""The audit trail: who changed which setting of a workspace, and when.

Callers record every settings change explicitly; repositories never audit on their own.
`detail` is JSON and must never hold secrets; as a last line of defence, values under keys
that look secret (``token``, ``secret``, ``password``, ``api_key``…) are replaced with a
placeholder before anything is written.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import Clock
from bot.store._rows import integer, iso, opt_text, parse_iso, text
from bot.store.db import Database, Repository, unit
from bot.team import Team

REDACTED = "[redacted]"
_SECRET_KEY_PARTS = ("secret", "token", "password", "passwd", "api_key", "apikey")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    user_id: str | None
    action: str
    detail: dict[str, Any]
    at: datetime


def redact(value: object) -> object:
    """`value` with anything under a secret-looking key replaced by a placeholder."""
    if isinstance(value, Mapping):
        return {
            str(k): REDACTED
            if any(part in str(k).lower() for part in _SECRET_KEY_PARTS)
            else redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


class AuditRepository(Repository):
    def __init__(self, db: Database, clock: Clock):
        super().__init__(db)
        self._clock = clock

    def _record(
        self, team: Team, user_id: str | None, action: str, detail: Mapping[str, object]
    ) -> int:
        """Append one entry; returns its ID. `user_id` is None for events without a person."""
        cursor = self._db.execute(
            """INSERT INTO audit (team_key, user_id, action, detail, at)
               VALUES (?, ?, ?, ?, ?) RETURNING id""",
            [
                team.key,
                user_id,
                action,
                json.dumps(redact(detail), sort_keys=True, default=str),
                iso(self._clock.now()),
            ],
        )
        return integer(cursor.fetchone()[0])

    record = unit(_record)

    @unit
    def list(self, team: Team, limit: int = 50) -> builtins.list[AuditEntry]:
        """The newest `limit` entries, newest first."""
        rows = self._db.query(
            """SELECT id, user_id, action, detail, at FROM audit
               WHERE team_key = ? ORDER BY id DESC LIMIT ?""",
            [team.key, limit],
        )
        return [
            AuditEntry(
                id=integer(r["id"]),
                user_id=opt_text(r["user_id"]),
                action=text(r["action"]),
                detail=dict(json.loads(text(r["detail"]) or "{}")),
                at=parse_iso(r["at"]),
            )
            for r in rows
        ]
