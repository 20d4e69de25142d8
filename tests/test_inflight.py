"""Answers wait for the acknowledgements in progress: in a burst, every request is
acknowledged before any answer starts its work on the same event loop."""

from __future__ import annotations

import asyncio

from bot.slack.inflight import InFlight


async def test_an_answer_starts_only_once_every_arriving_request_is_acknowledged() -> None:
    inflight = InFlight()
    started: list[str] = []

    async def answer(name: str) -> None:
        async with inflight.slot():
            started.append(name)

    async with inflight.arriving():
        async with inflight.arriving():
            first = asyncio.create_task(answer("first"))
            for _ in range(5):
                await asyncio.sleep(0)  # let it run as far as it can
            assert started == []
        await asyncio.sleep(0)
        assert started == []  # one request is still on its way to its ack
    await first
    assert started == ["first"]


async def test_with_nothing_arriving_an_answer_starts_at_once() -> None:
    inflight = InFlight()
    async with inflight.slot():
        assert inflight.busy == 1
    assert inflight.busy == 0
