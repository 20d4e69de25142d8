"""A clock that only moves when told to: tests and benchmarks move time instead of sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class FakeClock:
    """A clock that only moves when told to, or when something sleeps on it."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
        self._mono = 1000.0
        self.slept: list[float] = []
        self._followers: list[Callable[[datetime], None]] = []

    def monotonic(self) -> float:
        return self._mono

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._mono += seconds
        self._now += timedelta(seconds=seconds)
        for follower in self._followers:
            follower(self._now)

    def follow(self, follower: Callable[[datetime], None]) -> Callable[[], None]:
        """Tell `follower` the time now and whenever it moves (a test database's clock);
        the answer stops that."""
        self._followers.append(follower)
        follower(self._now)
        return lambda: self._followers.remove(follower)

    def set(self, when: datetime) -> None:
        delta = (when - self._now).total_seconds()
        self.advance(delta)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)
