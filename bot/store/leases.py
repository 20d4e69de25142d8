"""Named leases: at most one process holds a lease at a time, until it lapses.

The scheduler holds the `scheduler` lease while it runs digests and alerts, so however
many processes run it (web processes on several hosts, a clock process), only one of them
posts; the others stand by and take over within the lease's lifetime when it lapses.
Taking, renewing and judging a lease is one statement, judged by the database's clock on
PostgreSQL (hosts' clocks may disagree) and by the application's on SQLite (one machine).
"""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.store._rows import iso
from bot.store.db import Database, Repository, unit


class LeasesRepository(Repository):
    def __init__(self, db: Database, clock: Clock):
        super().__init__(db)
        self._clock = clock

    def _moments(self, ttl_seconds: float) -> tuple[str, str, list[object]]:
        """SQL for (expiry, now) and their parameters, by whichever clock judges."""
        dialect = self._db.dialect
        if dialect.database_clock:
            return dialect.now_plus(), dialect.now_plus(), [ttl_seconds, 0]
        now = self._clock.now()
        return "?", "?", [iso(now + timedelta(seconds=ttl_seconds)), iso(now)]

    @unit
    def hold(self, name: str, holder: str, ttl_seconds: float) -> bool:
        """Take or renew `name` for `holder`; False while another holder's lease is live."""
        expires, now, moments = self._moments(ttl_seconds)
        row = self._db.execute(
            f"""INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, {expires})
                ON CONFLICT (name) DO UPDATE
                    SET holder = excluded.holder, expires_at = excluded.expires_at
                    WHERE leases.holder = excluded.holder OR leases.expires_at <= {now}
                RETURNING holder""",
            [name, holder, *moments],
        ).fetchone()
        return row is not None

    @unit
    def release(self, name: str, holder: str) -> None:
        self._db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", [name, holder])

    @unit
    def holder(self, name: str) -> str | None:
        """Who holds `name` now, if anyone."""
        _, now, moments = self._moments(0)
        row = self._db.execute(
            f"SELECT holder FROM leases WHERE name = ? AND expires_at > {now}",
            [name, *moments[1:]],
        ).fetchone()
        return None if row is None else str(row[0])
