"""The work done after Slack's acknowledgement: bounded, and finished before a deploy.

Bolt acknowledges, then runs each listener as a task of its own, with no bound and no
record. A listener does its real work (the answer) inside `InFlight.slot()`: at most
`limit` answers are worked on at once, so a burst queues instead of crowding out the
acknowledgements of new requests, and `drain` lets SIGTERM wait for the answers under way
before the process exits.

Acknowledgements come first: the HTTP endpoint counts the requests it has not answered
yet (`arriving`), and a slot is only handed out once none is left — or after
`ACK_PRIORITY` seconds, so a steady stream cannot hold the answers back for ever. In a
burst of 500 commands every one is acknowledged before any answer starts rendering.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

ANSWERS_AT_ONCE = 64
ACK_PRIORITY = 1.0  # seconds an answer waits at most for the acknowledgements in progress


class InFlight:
    def __init__(self, limit: int = ANSWERS_AT_ONCE) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._tasks: set[asyncio.Task[object]] = set()
        self._arriving = 0
        self._acked = asyncio.Event()
        self._acked.set()

    @contextlib.asynccontextmanager
    async def arriving(self) -> AsyncIterator[None]:
        """Around a request from its arrival to its HTTP answer (the acknowledgement)."""
        self._arriving += 1
        self._acked.clear()
        try:
            yield
        finally:
            self._arriving -= 1
            if self._arriving == 0:
                self._acked.set()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            if not self._acked.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._acked.wait(), ACK_PRIORITY)
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
