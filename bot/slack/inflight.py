"""The work done after Slack's acknowledgement: bounded, and finished before a deploy.

Bolt acknowledges, then runs each listener as a task of its own, with no bound and no
record. A listener does its real work (the answer) inside `InFlight.slot()`: at most
`limit` answers are worked on at once, so a burst queues instead of crowding out the
acknowledgements of new requests, and `drain` lets SIGTERM wait for the answers under way
before the process exits.

`/pulse` itself is acknowledged before Bolt sees it (`bot.slack.bolt.web_app`), and
Bolt's dispatch then runs as a task of `start`: counted, and waited for, until its
listener takes a slot.

Acknowledgements come first: the HTTP endpoint counts the requests it has not answered
yet (`arriving`), and a slot is only handed out once none is left — or after
`ACK_PRIORITY` seconds, so a steady stream cannot hold the answers back for ever. In a
burst of 500 commands every one is acknowledged before any answer starts rendering.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Coroutine
from typing import Any

ANSWERS_AT_ONCE = 64
ACK_PRIORITY = 1.0  # seconds an answer waits at most for the acknowledgements in progress
#: In a task `InFlight.start` made (and the tasks it makes): that task, once it exists.
_STARTED: contextvars.ContextVar[list[asyncio.Task[object]] | None] = contextvars.ContextVar(
    "inflight_started", default=None
)


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
            started = _STARTED.get()
            if started:  # the command's work is this task's from now on
                self._tasks.discard(started[0])
        try:
            await self._after_acks()
            async with self._slots:
                yield
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def _after_acks(self) -> None:
        if not self._acked.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._acked.wait(), ACK_PRIORITY)

    def start(self, work: Coroutine[Any, Any, object]) -> None:
        """Run `work` (Bolt's dispatch of an acknowledged command) once the requests
        arriving are acknowledged, as a task counted like a slot's until the listener it
        runs takes a slot: then that one counts."""

        async def after_acks() -> object:
            await self._after_acks()
            return await work

        started: list[asyncio.Task[object]] = []
        context = contextvars.copy_context()
        context.run(_STARTED.set, started)
        task: asyncio.Task[object] = asyncio.create_task(after_acks(), context=context)
        started.append(task)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def busy(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float) -> int:
        """Wait up to `timeout` seconds for the work under way (and the work it hands
        over to); answers how much was left."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while pending := {t for t in self._tasks if t is not asyncio.current_task()}:
            if loop.time() >= deadline:
                return len(pending)
            await asyncio.wait(
                pending, timeout=deadline - loop.time(), return_when=asyncio.FIRST_COMPLETED
            )
        return 0
