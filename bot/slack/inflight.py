"""The work done after Slack's acknowledgement: bounded, and finished before a deploy.

Bolt acknowledges, then runs each listener as a task of its own, with no bound and no
record. A listener does its real work (the answer) inside `InFlight.slot()`: at most
`limit` answers are worked on at once, so a burst queues instead of crowding out the
acknowledgements of new requests, and `drain` lets SIGTERM wait for the answers under way
before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

ANSWERS_AT_ONCE = 64


class InFlight:
    def __init__(self, limit: int = ANSWERS_AT_ONCE) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._tasks: set[asyncio.Task[object]] = set()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            async with self._slots:
                yield
        finally:
            if task is not None:
                self._tasks.discard(task)

    @property
    def busy(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float) -> int:
        """Wait up to `timeout` seconds for the work under way; answers how much was left."""
        pending = {t for t in self._tasks if t is not asyncio.current_task()}
        if not pending:
            return 0
        _, left = await asyncio.wait(pending, timeout=timeout)
        return len(left)
