"""Daily call budgets that survive restarts (Raygun allows 50 calls a day per application).

A budget is a counter per (budget key, UTC day). `try_spend` increments it only while it
is below the limit, in one statement, so two callers can never both take the last call.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store._rows import integer
from bot.store.db import Database, Repository, unit

#: Days of counters kept; older rows are pruned as new days start.
KEEP_DAYS = 7


def _day(now: datetime) -> str:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC).date().isoformat()


class BudgetsRepository(Repository):
    def __init__(self, db: Database):
        super().__init__(db)

    @unit
    def try_spend(self, budget_key: str, limit: int, now: datetime) -> tuple[bool, int]:
        """Spend one call of today's `limit` if any is left: ``(allowed, calls_used_today)``."""
        day = _day(now)
        with self._db.transaction():
            spent = 0
            if limit > 0:
                cursor = self._db.execute(
                    """INSERT INTO call_budgets (budget_key, day, calls) VALUES (?, ?, 1)
                       ON CONFLICT (budget_key, day) DO UPDATE SET calls = call_budgets.calls + 1
                       WHERE call_budgets.calls < ?""",
                    [budget_key, day, limit],
                )
                spent = cursor.rowcount
                if spent:
                    cutoff = (now.astimezone(UTC).date() - timedelta(days=KEEP_DAYS)).isoformat()
                    self._db.execute(
                        "DELETE FROM call_budgets WHERE budget_key = ? AND day < ?",
                        [budget_key, cutoff],
                    )
            used = self._used(budget_key, day)
        return spent == 1, used

    @unit
    def used(self, budget_key: str, now: datetime) -> int:
        """Calls spent so far on `now`'s UTC day."""
        return self._used(budget_key, _day(now))

    def _used(self, budget_key: str, day: str) -> int:
        row = self._db.execute(
            "SELECT calls FROM call_budgets WHERE budget_key = ? AND day = ?", [budget_key, day]
        ).fetchone()
        return 0 if row is None else integer(row[0])
