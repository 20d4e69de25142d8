"""The `/pulse` subcommands, one module per group, assembled into one router."""

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
    whatpulse,
)
from commands.router import Router


def build_router(env_admins: frozenset[str] = frozenset()) -> Router:
    router = Router()
    help.register(router)
    stats.register(router)
    weldpulse.register(router)
    raygun.register(router)
    whatpulse.register(router)
    pulsetracker.register(router)
    pulsepro.register(router)
    connect.register(router)
    digests.register(router)
    alerts.register(router)
    admins.register(router, env_admins)
    return router
