"""Bot admins added per workspace with `/pulse admins add` (Slack admins/owners and
`PULSEBOT_ADMINS` are decided elsewhere; this table holds only the explicit additions)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.store._rows import iso, parse_iso, text
from bot.store.db import Database, Repository, unit
from bot.team import Team


@dataclass(frozen=True, slots=True)
class Admin:
    user_id: str
    added_by: str
    added_at: datetime


class AdminsRepository(Repository):
    def __init__(self, db: Database, clock: Clock):
        super().__init__(db)
        self._clock = clock

    @unit
    def add(self, team: Team, user_id: str, added_by: str) -> bool:
        """Make `user_id` an admin; False if they already were."""
        cursor = self._db.execute(
            """INSERT INTO admins (team_key, user_id, added_by, added_at)
               VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            [team.key, user_id, added_by, iso(self._clock.now())],
        )
        return cursor.rowcount > 0

    @unit
    def remove(self, team: Team, user_id: str) -> bool:
        """False if `user_id` was not an admin."""
        cursor = self._db.execute(
            "DELETE FROM admins WHERE team_key = ? AND user_id = ?", [team.key, user_id]
        )
        return cursor.rowcount > 0

    @unit
    def list(self, team: Team) -> builtins.list[Admin]:
        rows = self._db.query(
            """SELECT user_id, added_by, added_at FROM admins
               WHERE team_key = ? ORDER BY added_at, user_id""",
            [team.key],
        )
        return [
            Admin(
                user_id=text(r["user_id"]),
                added_by=text(r["added_by"]),
                added_at=parse_iso(r["added_at"]),
            )
            for r in rows
        ]

    @unit
    def is_admin(self, team: Team, user_id: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM admins WHERE team_key = ? AND user_id = ?", [team.key, user_id]
        ).fetchone()
        return row is not None
