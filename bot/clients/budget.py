"""Daily call budgets (a service's `Limits.per_day`: Raygun's 50 calls a day per
application, authentication included).

The transport asks its `CallBudget` to `spend` before every request it sends; a spent
budget raises `BudgetExhausted` (retry when the service's day starts again: midnight in
its `Limits.day_zone`) and nothing is sent. When the service itself answers 429, the day's
calls are spent whatever was counted here: `exhausted` records that refusal, so every
later call is refused locally, without a request, until the service said to come back
(`Retry-After`) or, if it did not say, until its day ends. `MemoryBudget` keeps all this
in the process (tests, a bare client); `PersistedBudget` keeps it in storage through a
`BudgetBackend`, so restarts and several processes share one count and one refusal per
credential, named by `ServiceSpec.budget_key` without revealing the key. The last refusal
(local or the service's) is kept for `/pulse services`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol

from bot.clock import Clock, SystemClock
from bot.errors import BudgetExhausted


def day_of(now: datetime, zone: tzinfo = UTC) -> date:
    """The service's day `now` falls on (its days start at midnight in `zone`)."""
    return now.astimezone(zone).date()


def day_ends(now: datetime, zone: tzinfo = UTC) -> datetime:
    """When the service's day holding `now` ends and its budget starts afresh."""
    following = datetime.combine(day_of(now, zone) + timedelta(days=1), time(), tzinfo=zone)
    return following.astimezone(UTC)


def _exhausted(
    service: str,
    now: datetime,
    limit: int,
    until: datetime,
    *,
    upstream: bool = False,
    local: bool = True,
) -> BudgetExhausted:
    seconds = (until - now).total_seconds()
    status = None if local else 429  # this very call was refused by the service
    return BudgetExhausted(
        service, seconds, until, limit, upstream=upstream, local=local, status=status
    )


def _refused_until(now: datetime, retry_after: float | None, zone: tzinfo) -> datetime:
    """Until when a service's 429 stops every call: what it said, else its day's end."""
    if retry_after is not None:
        return now + timedelta(seconds=retry_after)
    return day_ends(now, zone)


class MemoryBudget:
    """A daily call budget held in memory (tests, a bare client): resets at midnight in
    `zone`."""

    def __init__(self, limit: int, clock: Clock | None = None, *, zone: tzinfo = UTC) -> None:
        self.limit = limit
        self.zone = zone
        self._clock = clock or SystemClock()
        self._day: date | None = None
        self._used = 0
        self._refused_until: datetime | None = None  # the service said stop (429)

    @property
    def remaining(self) -> int:
        now = self._clock.now()
        if self._refused_until is not None and now < self._refused_until:
            return 0
        return self.limit - (self._used if day_of(now, self.zone) == self._day else 0)

    async def spend(self, service: str) -> None:
        now = self._clock.now()
        if self._refused_until is not None and now < self._refused_until:
            raise _exhausted(service, now, self.limit, self._refused_until, upstream=True)
        today = day_of(now, self.zone)
        if today != self._day:
            self._day, self._used = today, 0
        if self._used >= self.limit:
            raise _exhausted(service, now, self.limit, day_ends(now, self.zone))
        self._used += 1

    async def exhausted(self, service: str, retry_after: float | None) -> BudgetExhausted:
        now = self._clock.now()
        self._refused_until = _refused_until(now, retry_after, self.zone)
        return _exhausted(service, now, self.limit, self._refused_until, upstream=True, local=False)


class Refusal(Protocol):
    """The last refusal of a budget: when, until when, and whether the service said so
    (a 429) or the count here did (`upstream` False)."""

    @property
    def at(self) -> datetime: ...
    @property
    def until(self) -> datetime: ...
    @property
    def upstream(self) -> bool: ...


class BudgetBackend(Protocol):
    """Storage for daily budgets (the app's are the `call_budgets` and `call_refusals`
    tables)."""

    async def try_spend(
        self, budget_key: str, limit: int, now: datetime, zone: tzinfo = UTC
    ) -> tuple[bool, int]:
        """Atomically count one call for `budget_key` on `now`'s day (days start at
        midnight in `zone`) if fewer than `limit` are counted and no refusal by the service
        is still in force. Answers (counted?, calls counted that day afterwards)."""
        ...

    async def refuse(self, budget_key: str, at: datetime, until: datetime, upstream: bool) -> None:
        """Record a refusal; one by the service (`upstream`) stops every call until `until`,
        and a local one never shortens it."""
        ...

    async def refusal(self, budget_key: str) -> Refusal | None:
        """The last refusal recorded for `budget_key`, if any."""
        ...


class PersistedBudget:
    """Adapts a `BudgetBackend` to the transport's `CallBudget`; survives restarts."""

    def __init__(
        self,
        backend: BudgetBackend,
        budget_key: str,
        limit: int,
        clock: Clock | None = None,
        *,
        zone: tzinfo = UTC,
    ) -> None:
        self.backend = backend
        self.budget_key = budget_key
        self.limit = limit
        self.zone = zone
        self._clock = clock or SystemClock()
        self.used: int | None = None  # as of the last spend; None before the first

    @property
    def remaining(self) -> int | None:
        """Calls left today as of the last spend (None before the first)."""
        return None if self.used is None else max(0, self.limit - self.used)

    async def spend(self, service: str) -> None:
        now = self._clock.now()
        counted, used = await self.backend.try_spend(self.budget_key, self.limit, now, self.zone)
        self.used = used
        if counted:
            return
        last = await self.backend.refusal(self.budget_key)
        if last is not None and last.upstream and last.until > now:  # the service said so
            self.used = self.limit
            raise _exhausted(service, now, self.limit, last.until, upstream=True)
        until = day_ends(now, self.zone)
        await self.backend.refuse(self.budget_key, now, until, upstream=False)
        raise _exhausted(service, now, self.limit, until)

    async def exhausted(self, service: str, retry_after: float | None) -> BudgetExhausted:
        now = self._clock.now()
        until = _refused_until(now, retry_after, self.zone)
        await self.backend.refuse(self.budget_key, now, until, upstream=True)
        self.used = self.limit
        return _exhausted(service, now, self.limit, until, upstream=True, local=False)
