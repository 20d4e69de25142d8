"""Callers asking the same question at the same time share one answer.

`Coalesced.get(key, make)` runs `make()` once for all concurrent callers of `key` and
gives each of them its result (or its error). A caller that is cancelled does not cancel
the others' work. Once done, nothing is kept unless `keep` says so: then the last `keep`
results (never errors) answer later callers too. The service clients coalesce identical
GETs with it (their cache has its own expiry); digests due in the same minute that ask for
the same figures share one report, whether they ask together or a moment apart, or
composed ahead of their minute.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class Coalesced(Generic[K, T]):
    def __init__(self, keep: int = 0) -> None:
        self._running: dict[K, asyncio.Future[T]] = {}
        self._kept: OrderedDict[K, T] = OrderedDict()
        self._keep = keep

    def __len__(self) -> int:
        """How many computations are under way."""
        return len(self._running)

    def __contains__(self, key: object) -> bool:
        """Whether `key` is under way or kept: a `get` now would start nothing."""
        return key in self._running or key in self._kept

    def forget(self, stale: Callable[[K], bool]) -> None:
        """Drop the kept results whose key is `stale` (work under way is left alone)."""
        for key in [k for k in self._kept if stale(k)]:
            del self._kept[key]

    async def get(self, key: K, make: Callable[[], Awaitable[T]]) -> T:
        if key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        running = self._running.get(key)
        if running is None:
            running = asyncio.ensure_future(make())
            self._running[key] = running
            running.add_done_callback(lambda done: self._done(key, done))
        return await asyncio.shield(running)

    def _done(self, key: K, done: asyncio.Future[T]) -> None:
        if self._running.get(key) is done:
            del self._running[key]
        if done.cancelled() or done.exception() is not None:
            return  # (retrieved: every caller that wanted it was given it)
        if self._keep:
            self._kept[key] = done.result()
            while len(self._kept) > self._keep:
                self._kept.popitem(last=False)
