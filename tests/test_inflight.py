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


async def test_a_dispatch_started_after_an_ack_waits_for_the_requests_arriving() -> None:
    inflight = InFlight()
    ran: list[str] = []

    async def dispatch() -> None:
        ran.append("dispatched")

    async with inflight.arriving():  # another request on its way to its ack
        inflight.start(dispatch())
        for _ in range(5):
            await asyncio.sleep(0)
        assert ran == []
    for _ in range(5):
        await asyncio.sleep(0)
    assert ran == ["dispatched"]


async def test_a_started_dispatch_hands_over_to_its_listener_and_a_deploy_waits_for_it() -> None:
    """As Bolt does: the dispatch starts the listener as a task of its own and returns at
    the ack; the listener's answer is what a deploy must wait for."""
    inflight = InFlight()
    release = asyncio.Event()
    answered: list[str] = []

    async def listener() -> None:
        async with inflight.slot():
            await release.wait()
            answered.append("answer")

    tasks: list[asyncio.Future[None]] = []

    async def dispatch() -> None:
        tasks.append(asyncio.ensure_future(listener()))

    inflight.start(dispatch())
    assert inflight.busy == 1
    for _ in range(5):
        await asyncio.sleep(0)
    assert inflight.busy == 1  # the listener's, counted once
    draining = asyncio.create_task(inflight.drain(timeout=5))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not draining.done()
    release.set()
    assert await draining == 0
    assert answered == ["answer"]
