"""Fixtures for the simulator tests: a FakeClock, a SimServer on loopback, an httpx client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sim import SimServer
from tests.fakes.clock import FakeClock


@pytest.fixture
async def sim(clock: FakeClock) -> AsyncIterator[SimServer]:
    async with SimServer(clock=clock) as server:
        yield server


