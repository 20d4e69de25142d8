"""De-duplication of Slack deliveries: Slack retries a request it thinks we missed
(`X-Slack-Retry-Num`), and a retried delivery must never cause a second action."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.store._rows import iso
from bot.store.db import Database, Repository, unit

#: Slack retries within minutes; an hour of memory is ample.
RETENTION = timedelta(hours=1)


class DeliveriesRepository(Repository):
    def __init__(self, db: Database, clock: Clock):
        super().__init__(db)
        self._clock = clock

    @unit
    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen within the retention window, False after."""
        now = self._clock.now()
        with self._db.transaction():
            self._db.execute("DELETE FROM deliveries WHERE seen_at < ?", [iso(now - RETENTION)])
            cursor = self._db.execute(
                "INSERT INTO deliveries (key, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [key, iso(now)],
            )
            return cursor.rowcount == 1
