"""The only list of services: one spec per client module.

Settings, the client pool, the connect form, the limits `/pulse services` shows, the
alert metrics' allowances and every sentence naming a service derive from `SPECS`.
Adding a service means its client module (with models and a simulator) and one entry here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.clients import pulsepro, pulsetracker, raygun, weldpulse, whatpulse
from bot.clients.spec import ServiceSpec

SPECS: tuple[ServiceSpec[Any], ...] = (
    weldpulse.SPEC,
    raygun.SPEC,
    whatpulse.SPEC,
    pulsetracker.SPEC,
    pulsepro.SPEC,
)
KEYS: tuple[str, ...] = tuple(spec.key for spec in SPECS)
BY_KEY: Mapping[str, ServiceSpec[Any]] = {spec.key: spec for spec in SPECS}


def spec(key: str) -> ServiceSpec[Any]:
    """The spec of `key`; `KeyError` for a key no module declares."""
    return BY_KEY[key]


def name(key: str) -> str:
    """The display name of `key`, or the key itself if no spec has it."""
    found = BY_KEY.get(key)
    return found.name if found is not None else key
