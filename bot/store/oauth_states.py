"""The one-time `state` values of the OAuth install flow: issued, consumed once, expiring.

Consuming is one statement (`DELETE … RETURNING`), so a state replayed to two processes at
once is accepted by one of them only. Every issue first drops the expired states, and then
the oldest beyond `MAX_PENDING`, so the table never holds more than that many rows however
often `GET /slack/install` is called without authentication: a flood can at worst make a
person who opened the install page long before it start again, never fill the database.
"""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.store._rows import iso, parse_iso
from bot.store.db import Database, Repository, unit

MAX_PENDING = 1000  # installs in flight at once: far more than any deployment sees


class OAuthStatesRepository(Repository):
    def __init__(self, db: Database, clock: Clock, max_pending: int = MAX_PENDING):
        super().__init__(db)
        self._clock = clock
        self.max_pending = max_pending

    @unit
    def issue(self, state: str, ttl_seconds: float) -> None:
        now = self._clock.now()
        with self._db.transaction(lock="oauth_states"):  # one count-and-trim at a time
            self._db.execute("DELETE FROM oauth_states WHERE expires_at <= ?", [iso(now)])
            pending = int(self._db.execute("SELECT COUNT(*) FROM oauth_states").fetchone()[0])
            if pending >= self.max_pending:  # keep the newest, with room for this one
                self._db.execute(
                    """DELETE FROM oauth_states WHERE state NOT IN (
                           SELECT state FROM oauth_states ORDER BY expires_at DESC, state
                           LIMIT ?)""",
                    [self.max_pending - 1],
                )
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
