"""De-duplication of Slack deliveries: Slack retries a request it thinks we missed
(`X-Slack-Retry-Num`), and a retried delivery must never cause a second action."""

from __future__ import annotations

from datetime import timedelta

import sqlite_utils

from bot.clock import Clock
from bot.store._rows import iso
from bot.store.db import transaction

#: Slack retries within minutes; an hour of memory is ample.
RETENTION = timedelta(hours=1)


class DeliveriesRepository:
    def __init__(self, db: sqlite_utils.Database, clock: Clock):
        self._db = db
        self._clock = clock

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen within the retention window, False after."""
        now = self._clock.now()
        with transaction(self._db):
            self._db.execute("DELETE FROM deliveries WHERE seen_at < ?", [iso(now - RETENTION)])
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO deliveries (key, seen_at) VALUES (?, ?)", [key, iso(now)]
            )
            return cursor.rowcount == 1
