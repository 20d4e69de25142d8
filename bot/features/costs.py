"""What scheduled work costs a service that counts calls by the day (Raygun's 50).

A workspace's alerts and digests share one daily budget per credential with the people
typing commands; together they may take `alert_metrics.ALERT_SHARE` of it
(`alert_metrics.check_budget` refuses what would go past it). An alert costs its
evaluations (`alert_metrics.daily_cost`); a digest costs its runs on one day times what one
headline costs (`headlines.HEADLINE_CALLS`). The budget is counted per day, so a weekly
digest costs its whole run on the day it runs, and an hourly one its 24 runs. Paused
digests count too: resuming one is not checked again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from bot.clients import registry
from bot.clients.spec import ServiceSpec
from bot.domain.headlines import HEADLINE_CALLS
from bot.features.alert_metrics import CATALOGUE, daily_cost
from bot.store import Store
from bot.team import Team

RUNS_A_DAY: Mapping[str, int] = {"daily": 1, "weekdays": 1, "weekly": 1, "hourly": 24}
"""A digest's runs on the busiest day of its schedule kind."""


def digest_costs(kind: str, services: Collection[str]) -> list[tuple[ServiceSpec[Any], int]]:
    """Calls a day a digest of schedule `kind` showing `services` costs each one of them
    that counts calls by the day."""
    return [
        (spec, RUNS_A_DAY[kind] * HEADLINE_CALLS[spec.key])
        for spec in registry.SPECS
        if spec.limits.per_day is not None and spec.key in services
    ]


async def scheduled_use(
    store: Store, team: Team, spec: ServiceSpec[Any], alert_interval: float
) -> int:
    """Calls a day the workspace's alerts (evaluated every `alert_interval` seconds) and
    digests already take of `spec`'s daily budget. A digest of every connected service
    counts the services connected now."""
    alerts = sum(
        daily_cost(CATALOGUE[a.metric], alert_interval)
        for a in await store.alerts.list(team)
        if a.metric in CATALOGUE and CATALOGUE[a.metric].spec is spec
    )
    connected = {info.service for info in await store.credentials.list(team)}
    digests = sum(
        cost
        for d in await store.digests.list(team)
        for used, cost in digest_costs(d.schedule_kind, d.services or connected)
        if used is spec
    )
    return alerts + digests
