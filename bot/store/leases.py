"""Named leases: at most one process holds a lease at a time, until it lapses.

The scheduler takes the `scheduler` lease before every job, so even if two processes
were started with the scheduler on (two web processes without PULSEBOT_SCHEDULER=clock),
only one of them posts digests and evaluates alerts; the other stands by and takes over
within the lease's lifetime if the first one stops.
"""

from __future__ import annotations

from datetime import timedelta

import sqlite_utils

from bot.clock import Clock
from bot.store._rows import iso, parse_iso
from bot.store.db import transaction


class LeasesRepository:
    def __init__(self, db: sqlite_utils.Database, clock: Clock):
        self._db = db
        self._clock = clock

    def hold(self, name: str, holder: str, ttl_seconds: float) -> bool:
        """Take or renew `name` for `holder`; False while another holder's lease is live."""
        now = self._clock.now()
        with transaction(self._db):
            row = self._db.execute(
                "SELECT holder, expires_at FROM leases WHERE name = ?", [name]
            ).fetchone()
            if row is not None and row[0] != holder and parse_iso(row[1]) > now:
                return False
            self._db.execute(
                "INSERT OR REPLACE INTO leases (name, holder, expires_at) VALUES (?, ?, ?)",
                [name, holder, iso(now + timedelta(seconds=ttl_seconds))],
            )
            return True

    def release(self, name: str, holder: str) -> None:
        self._db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", [name, holder])

    def holder(self, name: str) -> str | None:
        row = self._db.execute(
            "SELECT holder, expires_at FROM leases WHERE name = ?", [name]
        ).fetchone()
        if row is None or parse_iso(row[1]) <= self._clock.now():
            return None
        return str(row[0])
