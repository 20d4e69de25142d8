"""Callers asking the same question at the same time share one answer.

`Coalesced.get(key, make)` runs `make()` once for all concurrent callers of `key` and
gives each of them its result (or its error). Nothing is kept once it is done: a caller
that comes later asks anew. A caller that is cancelled does not cancel the others' work.
The service clients coalesce identical GETs with it; digests due together that report the
same figures share one report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class Coalesced(Generic[K, T]):
    def __init__(self) -> None:
        self._running: dict[K, asyncio.Future[T]] = {}

    def __len__(self) -> int:
        """How many computations are under way."""
        return len(self._running)

    async def get(self, key: K, make: Callable[[], Awaitable[T]]) -> T:
        running = self._running.get(key)
        if running is None:
            running = asyncio.ensure_future(make())
            self._running[key] = running
            running.add_done_callback(lambda done: self._done(key, done))
        return await asyncio.shield(running)

    def _done(self, key: K, done: asyncio.Future[T]) -> None:
        if self._running.get(key) is done:
            del self._running[key]
        if not done.cancelled():
            done.exception()  # retrieved: every caller that wanted it was given it
