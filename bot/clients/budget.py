"""Daily call budgets (a service's `Limits.per_day`: Raygun's 50 calls a day per
application, authentication included).

The transport asks its `CallBudget` to `spend` before every request it sends; a spent
budget raises `BudgetExhausted` (retry after the next UTC midnight) and nothing is sent.
`MemoryBudget` keeps the count in the process (tests, the console); `PersistedBudget`
keeps it in storage through a `BudgetBackend`, so restarts and several processes share
one count per credential, named by `ServiceSpec.budget_key` without revealing the key.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from bot.clock import Clock, SystemClock
from bot.errors import BudgetExhausted


def _exhausted(service: str, now: datetime, limit: int) -> BudgetExhausted:
    day: date = now.astimezone(UTC).date()
    resets_at = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
    return BudgetExhausted(service, (resets_at - now).total_seconds(), resets_at, limit)


class MemoryBudget:
    """A daily call budget held in memory (tests, the console): resets at UTC midnight."""

    def __init__(self, limit: int, clock: Clock | None = None) -> None:
        self.limit = limit
        self._clock = clock or SystemClock()
        self._day: date | None = None
        self._used = 0

    @property
    def remaining(self) -> int:
        today = self._clock.now().astimezone(UTC).date()
        return self.limit - (self._used if today == self._day else 0)

    async def spend(self, service: str) -> None:
        now = self._clock.now()
        today = now.astimezone(UTC).date()
        if today != self._day:
            self._day, self._used = today, 0
        if self._used >= self.limit:
            raise _exhausted(service, now, self.limit)
        self._used += 1


class BudgetBackend(Protocol):
    """Storage for daily budgets (the app's is the `call_budgets` table)."""

    async def try_spend(self, budget_key: str, limit: int, now: datetime) -> tuple[bool, int]:
        """Atomically count one call for `budget_key` on `now`'s UTC day if fewer than
        `limit` are counted. Answers (counted?, calls counted that day afterwards)."""


class PersistedBudget:
    """Adapts a `BudgetBackend` to the transport's `CallBudget`; survives restarts."""

    def __init__(
        self,
        backend: BudgetBackend,
        budget_key: str,
        limit: int,
        clock: Clock | None = None,
    ) -> None:
        self.backend = backend
        self.budget_key = budget_key
        self.limit = limit
        self._clock = clock or SystemClock()
        self.used: int | None = None  # as of the last spend; None before the first

    @property
    def remaining(self) -> int | None:
        """Calls left today as of the last spend (None before the first)."""
        return None if self.used is None else max(0, self.limit - self.used)

    async def spend(self, service: str) -> None:
        now = self._clock.now()
        counted, used = await self.backend.try_spend(self.budget_key, self.limit, now)
        self.used = used
        if not counted:
            raise _exhausted(service, now, self.limit)
