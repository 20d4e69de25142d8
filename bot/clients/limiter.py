"""Keeping to a service's pace: the sliding-window limiter and the headers that steer it.

A `WindowLimiter` allows at most `limit` requests in any `window` seconds; `Retry-After`
(`retry_after_seconds`) and `RateLimit-Remaining`/`RateLimit-Reset` (`header_int`) feed
back into it, so the transport never sends what would certainly be refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

from bot.clock import Clock


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Parse a Retry-After header: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


class WindowLimiter:
    """At most `limit` requests in any `window` seconds, plus server feedback.

    A sliding log is strictly conservative for both fixed-window limits (WeldPulse's
    100/min) and token buckets (PulsePro's 60;w=60;b=60).
    """

    def __init__(self, limit: int, window: float, clock: Clock):
        self.limit = limit
        self.window = window
        self._clock = clock
        # times sent, oldest first: a list, not a deque, because an empty deque is 600
        # bytes and a pooled client of each of 10,000 workspaces keeps one
        self._sent: list[float] = []
        self._blocked_until = 0.0
        self._server_remaining: int | None = None
        self._server_reset_at = 0.0

    def _prune(self, now: float) -> None:
        gone = 0
        while gone < len(self._sent) and self._sent[gone] <= now - self.window:
            gone += 1
        if gone:
            del self._sent[:gone]

    def wait_time(self) -> float:
        """Seconds until one more request may be sent (0 = now)."""
        now = self._clock.monotonic()
        self._prune(now)
        waits = [self._blocked_until - now]
        if len(self._sent) >= self.limit:
            waits.append(self._sent[len(self._sent) - self.limit] + self.window - now)
        if self._server_remaining is not None and self._server_remaining <= 0:
            waits.append(self._server_reset_at - now)
        return max(0.0, *waits)

    def headroom(self) -> int:
        """Requests that may still be sent in the current window."""
        now = self._clock.monotonic()
        self._prune(now)
        room = self.limit - len(self._sent)
        if self._server_remaining is not None and now < self._server_reset_at:
            room = min(room, self._server_remaining)
        if now < self._blocked_until:
            room = 0
        return max(0, room)

    def record_sent(self) -> None:
        now = self._clock.monotonic()
        self._sent.append(now)
        if self._server_remaining is not None:
            self._server_remaining -= 1

    def block_for(self, seconds: float) -> None:
        """The server said stop (429 + Retry-After)."""
        self._blocked_until = max(self._blocked_until, self._clock.monotonic() + seconds)

    def observe(self, remaining: int | None, reset: float | None) -> None:
        """Feedback from `RateLimit-Remaining` / `RateLimit-Reset`."""
        if remaining is None:
            return
        now = self._clock.monotonic()
        self._server_remaining = remaining
        self._server_reset_at = now + (reset if reset is not None else self.window)


def header_int(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(float(raw.split(";")[0].strip()))
    except ValueError:
        return None


class WindowStore(Protocol):
    """Storage of shared sliding windows (the store's `rate_windows`)."""

    async def acquire(self, bucket: str, limit: int, window: float) -> float: ...


class SharedWindow:
    """One credential's per-minute limit kept in storage, for every process together."""

    def __init__(self, store: WindowStore, bucket: str, limit: int, window: float) -> None:
        self._store = store
        self.bucket = bucket
        self.limit = limit
        self.window = window

    async def acquire(self) -> float:
        return await self._store.acquire(self.bucket, self.limit, self.window)
