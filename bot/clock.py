"""Time as a dependency.

Everything that waits or reads the time takes a `Clock`, so tests can move time
forward instead of sleeping. `SystemClock` is the real one; `FakeClock` (used by
tests and benchmarks) advances instantly when slept on.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""

    def now(self) -> datetime:
        """The current wall-clock time, timezone-aware UTC."""

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` (a fake clock just advances)."""


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))
