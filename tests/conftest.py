"""Shared fixtures: a clean environment for every test, one fake `clock`, one `http` client.

Sample service bodies come from `tests.samples.sample`."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.fakes.clock import FakeClock

PREFIXES = (
    "SLACK_",
    "PULSEBOT_",
    "WELDPULSE_",
    "RAYGUN_",
    "WHATPULSE_",
    "PULSETRACKER_",
    "PULSEPRO_",
)
NAMES = ("PORT", "DATABASE_PATH", "LOG_LEVEL")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's Slack or service settings."""
    for name in list(os.environ):
        if name.startswith(PREFIXES) or name in NAMES:
            monkeypatch.delenv(name)
    yield


@pytest.fixture
def clock() -> FakeClock:
    """Monday 2026-11-23 12:00 UTC, moving only when told to (or slept on)."""
    return FakeClock()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """One HTTP client for a test; services are respx mocks or simulators on loopback."""
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client
