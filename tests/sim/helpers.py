"""Credentials and small assertions shared by the simulator tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.sim import DEMO_CREDENTIALS

WELDPULSE_KEY = DEMO_CREDENTIALS["weldpulse"]["api_key"]
RAYGUN = DEMO_CREDENTIALS["raygun"]
WHATPULSE_TOKEN = DEMO_CREDENTIALS["whatpulse"]["token"]
PULSETRACKER_TOKEN = DEMO_CREDENTIALS["pulsetracker"]["token"]
PULSEPRO_KEY = DEMO_CREDENTIALS["pulsepro"]["api_key"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_key(key: str = PULSEPRO_KEY) -> dict[str, str]:
    return {"Authorization": f"Api-key {key}"}


Shape = Mapping[str, type | tuple[type, ...]]
"""Expected keys of a JSON object and the Python type(s) of each value."""


def assert_shape(value: Mapping[str, Any], types: Shape) -> None:
    """`value` has exactly these keys, each of the given type(s); bools are not ints."""
    assert set(value) == set(types), set(value) ^ set(types)
    for key, expected in types.items():
        assert isinstance(value[key], expected), (key, value[key])
        if expected in (int, float, (int, float)):
            assert not isinstance(value[key], bool), key
