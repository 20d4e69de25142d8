"""Answers remembered for their "Share in channel" button.

Ephemeral messages are not sent back to us when a button on them is clicked, so the
rendered answer is kept here (for a day) under a random ID carried in the button value.
Stored as an opaque JSON payload: storage does not know what a message is.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.store._rows import iso
from bot.store.db import Database, Repository, unit
from bot.team import Team

RETENTION = timedelta(days=1)


class AnswersRepository(Repository):
    def __init__(self, db: Database, clock: Clock):
        super().__init__(db)
        self._clock = clock

    @unit
    def remember(self, team: Team, payload: dict[str, Any]) -> str:
        """Store `payload` for `team`; returns the ID to put in the share button."""
        answer_id = secrets.token_urlsafe(12)
        now = self._clock.now()
        with self._db.transaction():
            self._db.execute("DELETE FROM answers WHERE created_at < ?", [iso(now - RETENTION)])
            self._db.execute(
                "INSERT INTO answers (id, team_key, payload, created_at) VALUES (?, ?, ?, ?)",
                [answer_id, team.key, json.dumps(payload), iso(now)],
            )
        return answer_id

    @unit
    def recall(self, team: Team, answer_id: str) -> dict[str, Any] | None:
        """The payload, if it belongs to `team` and is younger than a day."""
        cutoff = iso(self._clock.now() - RETENTION)
        row = self._db.execute(
            "SELECT payload FROM answers WHERE id = ? AND team_key = ? AND created_at >= ?",
            [answer_id, team.key, cutoff],
        ).fetchone()
        if row is None:
            return None
        payload = json.loads(row[0])
        return payload if isinstance(payload, dict) else None
