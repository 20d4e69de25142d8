"""Daily call budgets that survive restarts (Raygun allows 50 calls a day per application).

A budget is a counter per (budget key, day), the day starting at midnight in the zone the
service's limits name (UTC unless said otherwise). `try_spend` increments it only while it
is below the limit and no refusal by the service is in force, in one statement, so two
callers can never both take the last call. `call_refusals` keeps each budget's last
refusal: the service's own (a 429: every call stops until its `until`) or a local one
(the count was spent), shown by `/pulse services`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from bot.store._rows import integer, iso, parse_iso
from bot.store.db import Database, Repository, unit

#: Days of counters kept; older rows are pruned as new days start.
KEEP_DAYS = 7


@dataclass(frozen=True, slots=True)
class BudgetRefusal:
    """A budget's last refusal: at `at`, in force until `until`; `upstream` when the
    service refused (429), not the count."""

    at: datetime
    until: datetime
    upstream: bool


def _day(now: datetime, zone: tzinfo = UTC) -> str:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(zone).date().isoformat()


class BudgetsRepository(Repository):
    def __init__(self, db: Database):
        super().__init__(db)

    @unit
    def try_spend(
        self, budget_key: str, limit: int, now: datetime, zone: tzinfo = UTC
    ) -> tuple[bool, int]:
        """Spend one call of today's `limit` if any is left and the service has not refused
        until later: ``(allowed, calls_used_today)``."""
        day = _day(now, zone)
        with self._db.transaction():
            spent = 0
            stopped = self._db.execute(
                "SELECT 1 FROM call_refusals WHERE budget_key = ? AND upstream = 1 AND ends_at > ?",
                [budget_key, iso(now, precise=True)],
            ).fetchone()
            if limit > 0 and stopped is None:
                cursor = self._db.execute(
                    """INSERT INTO call_budgets (budget_key, day, calls) VALUES (?, ?, 1)
                       ON CONFLICT (budget_key, day) DO UPDATE SET calls = call_budgets.calls + 1
                       WHERE call_budgets.calls < ?""",
                    [budget_key, day, limit],
                )
                spent = cursor.rowcount
                if spent:
                    cutoff = (now.astimezone(zone).date() - timedelta(days=KEEP_DAYS)).isoformat()
                    self._db.execute(
                        "DELETE FROM call_budgets WHERE budget_key = ? AND day < ?",
                        [budget_key, cutoff],
                    )
            used = self._used(budget_key, day)
        return spent == 1, used

    @unit
    def used(self, budget_key: str, now: datetime, zone: tzinfo = UTC) -> int:
        """Calls spent so far on `now`'s day (starting at midnight in `zone`)."""
        return self._used(budget_key, _day(now, zone))

    @unit
    def refuse(self, budget_key: str, at: datetime, until: datetime, upstream: bool) -> None:
        """Record the budget's last refusal. A local one never replaces a refusal by the
        service that is still in force (it would end the stop early)."""
        self._db.execute(
            """INSERT INTO call_refusals (budget_key, at, ends_at, upstream) VALUES (?, ?, ?, ?)
               ON CONFLICT (budget_key) DO UPDATE SET
                   at = excluded.at, ends_at = excluded.ends_at, upstream = excluded.upstream
               WHERE excluded.upstream = 1 OR call_refusals.upstream = 0
                   OR call_refusals.ends_at <= excluded.at""",
            [budget_key, iso(at, precise=True), iso(until, precise=True), int(upstream)],
        )

    @unit
    def refusal(self, budget_key: str) -> BudgetRefusal | None:
        """The budget's last refusal, if it was ever refused."""
        row = self._db.execute(
            "SELECT at, ends_at, upstream FROM call_refusals WHERE budget_key = ?", [budget_key]
        ).fetchone()
        if row is None:
            return None
        return BudgetRefusal(parse_iso(row[0]), parse_iso(row[1]), bool(integer(row[2])))

    def _used(self, budget_key: str, day: str) -> int:
        row = self._db.execute(
            "SELECT calls FROM call_budgets WHERE budget_key = ? AND day = ?", [budget_key, day]
        ).fetchone()
        return 0 if row is None else integer(row[0])
