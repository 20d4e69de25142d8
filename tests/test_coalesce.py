"""Concurrent callers of one question share one answer, and nothing more is kept."""

from __future__ import annotations

import asyncio

import pytest

from bot.coalesce import Coalesced


class Asked:
    """A question whose answer the test releases, counting how often it was asked."""

    def __init__(self) -> None:
        self.times = 0
        self.release = asyncio.Event()

    async def __call__(self) -> str:
        self.times += 1
        await self.release.wait()
        return f"answer {self.times}"


async def test_callers_at_the_same_time_share_one_computation() -> None:
    shared: Coalesced[str, str] = Coalesced()
    asked = Asked()
    callers = [asyncio.create_task(shared.get("q", asked)) for _ in range(5)]
    await asyncio.sleep(0)
    assert len(shared) == 1
    asked.release.set()
    assert await asyncio.gather(*callers) == ["answer 1"] * 5
    assert asked.times == 1
    assert len(shared) == 0  # done: nothing kept


async def test_a_later_caller_asks_again_and_other_keys_are_their_own() -> None:
    shared: Coalesced[str, str] = Coalesced()
    asked = Asked()
    asked.release.set()
    assert await shared.get("q", asked) == "answer 1"
    assert await shared.get("q", asked) == "answer 2"
    other = Asked()
    other.release.set()
    assert await shared.get("other", other) == "answer 1"


async def test_a_failure_reaches_every_caller_and_the_next_call_tries_again() -> None:
    shared: Coalesced[str, str] = Coalesced()
    gate = asyncio.Event()
    tries = 0

    async def failing() -> str:
        nonlocal tries
        tries += 1
        await gate.wait()
        raise ValueError("upstream said no")

    callers = [asyncio.create_task(shared.get("q", failing)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    outcomes = await asyncio.gather(*callers, return_exceptions=True)
    assert [str(o) for o in outcomes] == ["upstream said no"] * 3
    with pytest.raises(ValueError):
        await shared.get("q", failing)
    assert tries == 2


async def test_a_cancelled_caller_leaves_the_others_their_answer() -> None:
    shared: Coalesced[str, str] = Coalesced()
    asked = Asked()
    first = asyncio.create_task(shared.get("q", asked))
    second = asyncio.create_task(shared.get("q", asked))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    asked.release.set()
    assert await second == "answer 1"
    assert first.cancelled()


async def test_kept_answers_serve_later_callers_but_failures_are_asked_again() -> None:
    shared: Coalesced[str, str] = Coalesced(keep=2)
    asked = Asked()
    asked.release.set()
    assert await shared.get("a", asked) == "answer 1"
    assert await shared.get("a", asked) == "answer 1"  # a moment later: the same answer
    await shared.get("b", asked)
    await shared.get("c", asked)  # keeps the last two: "a" is forgotten
    assert await shared.get("a", asked) == "answer 4"

    async def failing() -> str:
        raise ValueError("no")

    for _ in range(2):
        with pytest.raises(ValueError):
            await shared.get("d", failing)
