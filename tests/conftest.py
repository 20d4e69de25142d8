"""Shared fixtures: a clean environment for every test, a fake clock."""

from __future__ import annotations

import os
from collections.abc import Iterator

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
    return FakeClock()
