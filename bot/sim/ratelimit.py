"""The three rate-limit policies the simulated services enforce, on an injected clock.

- `SlidingWindow`: N requests per W seconds per key (WeldPulse: 100/min).
- `DailyQuota`: N calls per UTC day per key (Raygun Pulse: 50/day per application).
- `RefillBucket`: a bucket of `burst` calls refilled by `rate` every `window` seconds,
  as PulsePro documents `Organization-RateLimit-Limit: 60;w=60;b=60`.

Each `hit` either admits the call (returning None) or returns the seconds to wait.
The limit is read through a callable so `SimControl` can change it at any time.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock


class SlidingWindow:
    def __init__(self, clock: Clock, limit: Callable[[], int], window: float = 60.0):
        self._clock = clock
        self._limit = limit
        self._window = window
        self._calls: dict[str, deque[float]] = {}

    def hit(self, key: str) -> int | None:
        """Admit one call for `key`, or answer the whole seconds until one would be admitted."""
        now = self._clock.monotonic()
        calls = self._calls.setdefault(key, deque())
        while calls and calls[0] <= now - self._window:
            calls.popleft()
        if len(calls) >= self._limit():
            oldest = calls[-self._limit()] if self._limit() > 0 else now
            return max(1, math.ceil(oldest + self._window - now))
        calls.append(now)
        return None

    def reset(self) -> None:
        self._calls.clear()


class DailyQuota:
    def __init__(self, clock: Clock, limit: Callable[[], int]):
        self._clock = clock
        self._limit = limit
        self._used: dict[str, tuple[str, int]] = {}

    def hit(self, key: str) -> int | None:
        """Count one call for `key` today; when the day is used up, seconds until UTC midnight."""
        now = self._clock.now()
        today = now.date().isoformat()
        day, used = self._used.get(key, (today, 0))
        if day != today:
            used = 0
        if used >= self._limit():
            midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            return max(1, math.ceil((midnight - now).total_seconds()))
        self._used[key] = (today, used + 1)
        return None

    def used(self, key: str) -> int:
        day, used = self._used.get(key, ("", 0))
        return used if day == self._clock.now().date().isoformat() else 0

    def reset(self) -> None:
        self._used.clear()


@dataclass(frozen=True, slots=True)
class BucketState:
    """What the rate-limit headers report after a call."""

    limit: int
    window: int
    remaining: int
    reset: int  # seconds until the next refill (0 when the bucket is full)

    def headers(self) -> dict[str, str]:
        return {
            "Organization-RateLimit-Limit": f"{self.limit};w={self.window};b={self.limit}",
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


class RefillBucket:
    def __init__(self, clock: Clock, capacity: Callable[[], int], window: int = 60):
        self._clock = clock
        self._capacity = capacity
        self._window = window
        # key -> (tokens, monotonic time of the last refill boundary)
        self._buckets: dict[str, tuple[int, float]] = {}

    def _refilled(self, key: str) -> tuple[int, float]:
        now = self._clock.monotonic()
        capacity = self._capacity()
        tokens, anchor = self._buckets.get(key, (capacity, now))
        periods = int((now - anchor) // self._window)
        if periods > 0:
            tokens = min(capacity, tokens + periods * capacity)
            anchor += periods * self._window
        tokens = min(tokens, capacity)
        self._buckets[key] = (tokens, anchor)
        return tokens, anchor

    def _state(self, tokens: int, anchor: float) -> BucketState:
        capacity = self._capacity()
        to_refill = anchor + self._window - self._clock.monotonic()
        reset = 0 if tokens >= capacity else max(1, math.ceil(to_refill))
        return BucketState(capacity, self._window, tokens, reset)

    def hit(self, key: str) -> tuple[bool, BucketState]:
        """Take one token for `key`; answers whether it was admitted and the state after."""
        tokens, anchor = self._refilled(key)
        if tokens <= 0:
            return False, self._state(0, anchor)
        self._buckets[key] = (tokens - 1, anchor)
        return True, self._state(tokens - 1, anchor)

    def peek(self, key: str) -> BucketState:
        tokens, anchor = self._refilled(key)
        return self._state(tokens, anchor)

    def reset(self) -> None:
        self._buckets.clear()
