"""Per-minute limits shared by every process: two stores on one database (two processes)
together take at most `limit` places a window, on either engine."""

from __future__ import annotations

import asyncio

from tests.fakes.clock import FakeClock
from tests.store.support import OpenStore


async def test_two_processes_together_keep_the_limit(
    open_store: OpenStore, clock: FakeClock
) -> None:
    first, second = open_store(), open_store()
    waits = await asyncio.gather(
        *(s.rate_windows.acquire("k:minute", 10, 60.0) for s in (first, second) * 8)
    )
    assert sorted(waits)[:10] == [0.0] * 10  # ten places, whoever asked
    assert all(w > 0 for w in sorted(waits)[10:])  # the other six must wait
    assert await first.rate_windows.sent("k:minute", 60.0) == 10


async def test_a_place_frees_when_the_oldest_leaves_the_window(
    open_store: OpenStore, clock: FakeClock
) -> None:
    store = open_store()
    for _ in range(3):
        assert await store.rate_windows.acquire("k", 3, 60.0) == 0.0
        clock.advance(10)
    # sent at 0, 10 and 20 s; now 30 s: the first leaves at 60 s
    assert await store.rate_windows.acquire("k", 3, 60.0) == 30.0
    clock.advance(30)
    assert await store.rate_windows.acquire("k", 3, 60.0) == 0.0
    assert await store.rate_windows.acquire("other", 3, 60.0) == 0.0  # buckets are apart
