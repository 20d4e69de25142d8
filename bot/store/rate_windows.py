"""Sliding windows of requests shared by every process: the deployment keeps a limit.

A bucket (one credential's per-minute limit) is a log of the moments requests were sent.
`acquire` takes a place in it if fewer than `limit` were sent in the last `window`
seconds, else answers how long until one leaves. It runs as one transaction holding the
bucket's lock, so two processes can never both take the last place; the moments are the
database's clock on PostgreSQL (hosts' clocks may disagree), the application's on SQLite.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.store.db import Database, Repository, unit


class RateWindowsRepository(Repository):
    def __init__(self, db: Database, clock: Clock):
        super().__init__(db)
        self._clock = clock

    def _now(self) -> float:
        if self._db.dialect.database_clock:
            return float(self._db.execute(f"SELECT {self._db.dialect.epoch_now}").fetchone()[0])
        return self._clock.now().timestamp()

    @unit
    def acquire(self, bucket: str, limit: int, window: float) -> float:
        """0 when a request may go now (and it is counted); else the seconds to wait."""
        with self._db.transaction(lock=f"rate:{bucket}"):
            now = self._now()
            self._db.execute(
                "DELETE FROM rate_windows WHERE bucket = ? AND at <= ?", [bucket, now - window]
            )
            count = int(
                self._db.execute(
                    "SELECT COUNT(*) FROM rate_windows WHERE bucket = ?", [bucket]
                ).fetchone()[0]
            )
            if count < limit:
                self._db.execute(
                    "INSERT INTO rate_windows (bucket, at) VALUES (?, ?)", [bucket, now]
                )
                return 0.0
            # the place frees when the (count - limit + 1)-th oldest request leaves the window
            leaving = self._db.execute(
                "SELECT at FROM rate_windows WHERE bucket = ? ORDER BY at LIMIT 1 OFFSET ?",
                [bucket, count - limit],
            ).fetchone()[0]
            return max(0.0, float(leaving) + window - now)

    @unit
    def sent(self, bucket: str, window: float) -> int:
        """Requests counted in the last `window` seconds (for tests and operators)."""
        now = self._now()
        row = self._db.execute(
            "SELECT COUNT(*) FROM rate_windows WHERE bucket = ? AND at > ?", [bucket, now - window]
        ).fetchone()
        return int(row[0])
