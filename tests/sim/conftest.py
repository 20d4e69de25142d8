"""Fixtures for the simulator tests: a FakeClock, a SimServer on loopback, an httpx client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.sim import SimServer
from tests.fakes.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # Monday 2026-11-23 12:00 UTC


@pytest.fixture
async def sim(clock: FakeClock) -> AsyncIterator[SimServer]:
    async with SimServer(clock=clock) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client
