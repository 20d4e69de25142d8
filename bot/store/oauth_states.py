"""The one-time `state` values of the OAuth install flow: issued, consumed once, expiring.

Consuming is one statement (`DELETE … RETURNING`), so a state replayed to two processes at
once is accepted by one of them only. Every issue first drops the expired states, so the
table stays as small as the installs in flight.
"""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.store._rows import iso, parse_iso
from bot.store.db import Database, Repository, unit


class OAuthStatesRepository(Repository):
    def __init__(self, db: Database, clock: Clock):
        super().__init__(db)
        self._clock = clock

    @unit
    def issue(self, state: str, ttl_seconds: float) -> None:
        now = self._clock.now()
        with self._db.transaction():
            self._db.execute("DELETE FROM oauth_states WHERE expires_at <= ?", [iso(now)])
            self._db.execute(
                "INSERT INTO oauth_states (state, expires_at) VALUES (?, ?)",
                [state, iso(now + timedelta(seconds=ttl_seconds))],
            )

    @unit
    def consume(self, state: str) -> bool:
        """True once for a state issued and not yet expired; it is gone afterwards."""
        row = self._db.execute(
            "DELETE FROM oauth_states WHERE state = ? RETURNING expires_at", [state]
        ).fetchone()
        return row is not None and parse_iso(row[0]) > self._clock.now()

    @unit
    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM oauth_states").fetchone()[0])
