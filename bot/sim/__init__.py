"""Simulated Pulse services: WeldPulse, Raygun Pulse, WhatPulse, Pulsetracker and PulsePro.

Faithful stand-ins for the five upstream APIs (paths, auth, pagination, error bodies,
rate limits, from the documents in `seeds/`), with deterministic data, so the bot can be
developed, tested and demoed without accounts or network. Start them with `SimServer`
(tests) or `serve_forever` (`python -m bot simulate`); steer them with `SimControl`.

This package never imports `bot.clients`: a simulator sharing the client's parsing would
hide exactly the drift that testing against it is meant to catch.
"""

from bot.sim.control import Fault, SimControl, SimLimits
from bot.sim.demo import DEMO_CREDENTIALS, OTHER_WELDPULSE_KEY, SERVICES
from bot.sim.server import SimServer, build_app, export_lines, serve_forever

__all__ = [
    "DEMO_CREDENTIALS",
    "OTHER_WELDPULSE_KEY",
    "SERVICES",
    "Fault",
    "SimControl",
    "SimLimits",
    "SimServer",
    "build_app",
    "export_lines",
    "serve_forever",
]
