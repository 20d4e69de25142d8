"""The `/pulse` subcommands: one module per group, each with its own router.

`build_router()` composes them in the order `/pulse help` lists them.
"""

from __future__ import annotations

from commands import (
    admins,
    alerts,
    connect,
    digests,
    help,
    pulsepro,
    pulsetracker,
    raygun,
    stats,
    weldpulse,
    weldpulse_live,
    weldpulse_timeseries,
    whatpulse,
)
from commands.router import Router

ROUTERS: tuple[Router, ...] = (
    help.router,
    stats.router,
    weldpulse.router,
    weldpulse_live.router,
    weldpulse_timeseries.router,
    raygun.router,
    whatpulse.router,
    pulsetracker.router,
    pulsepro.router,
    connect.router,
    digests.router,
    alerts.router,
    admins.router,
)


def build_router() -> Router:
    return Router(*ROUTERS)
