"""The alert metric catalogue: what `METRIC` may name, how to read it, what it costs.

A metric is `service.key`. `measure` reads its current value through the workspace's own
typed clients with ``fresh=True``: the short answer cache is bypassed, the limiter and
budgets are not. Windowed metrics cover the `--over` window ending now; point-in-time
metrics (`weldpulse.realtime`, this month's messages, open actions) ignore it.

Raygun allows 50 calls a day per application, shared with people's `/pulse` commands. A
Raygun evaluation costs 2 calls: its 15-minute session key has always expired since the
previous evaluation, so it authenticates (1 call) and then reads the session total
(1 call). Raygun metrics are therefore evaluated at most every 2 hours (24 calls a day
per alert), and `check_budget` keeps all of an application's alerts and digests together
within `ALERT_SHARE` (30) of the 50, leaving 20 for people.

`pulsetracker.quota_percent` is a share of the plan's monthly allowance, which the API
never reports: it `needs` the allowance an admin entered, and is refused without it.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from bot.clients import pulsepro, pulsetracker, raygun, weldpulse, whatpulse
from bot.clients.pool import Directory
from bot.clients.pulsetracker import quota_fraction
from bot.clients.spec import ServiceSpec
from bot.domain.durations import format_duration, parse_duration
from bot.domain.values import echo
from bot.errors import InvalidRequest, UsageError
from bot.messages import allowance_howto

Unit = Literal["count", "percent", "seconds"]
Read = Callable[[Directory, datetime, datetime], Awaitable[float]]

ALERT_SHARE = 0.6
"""Of a daily budget (Raygun's 50 calls a day per application), alerts and digests together
may use at most this share (30 calls); the rest is left for people's commands."""
OVER_BOUNDS = (60, 30 * 86400)  # --over: 1 minute .. 30 days
FOR_BOUNDS = (0, 7 * 86400)  # --for: 0 .. 7 days
DEFAULT_OVER = 3600
_DAY = 86400
BOUNDS: Mapping[Unit, tuple[float, float]] = {
    "count": (0, 1e12),  # a trillion visitors or keys is past anything measured
    "percent": (0, 100),  # rates, scores and shares of a quota
    "seconds": (0, 30 * _DAY),
}
"""The thresholds that make sense for a metric, by its unit."""


@dataclass(frozen=True, slots=True)
class Metric:
    """One metric of a service: `spec.key` + `.` + `key` is its name. `read` measures it
    over a window; `calls_per_evaluation` counts the upstream calls of one evaluation
    (first page only for paged answers); `min_interval_seconds` is the shortest gap
    between evaluations; `needs`, if set, raises `UsageError` (saying how to set it) when
    the workspace lacks a setting the metric cannot be read without."""

    spec: ServiceSpec[Any]
    key: str
    description: str
    unit: Unit
    point_in_time: bool
    read: Read = field(repr=False, compare=False)
    calls_per_evaluation: int = 1
    min_interval_seconds: int = 0
    needs: Callable[[Directory], None] | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return f"{self.spec.key}.{self.key}"

    @property
    def service(self) -> str:
        return self.spec.key

    @property
    def bounds(self) -> tuple[float, float]:
        """The lowest and highest threshold that make sense for it (`BOUNDS`)."""
        return BOUNDS[self.unit]


def parse_metric(name: str) -> Metric:
    """The catalogue entry for `name`, or a UsageError suggesting the nearest one."""
    key = name.strip().lower().replace("-", "_")
    if key in CATALOGUE:
        return CATALOGUE[key]
    nearest = difflib.get_close_matches(key, list(CATALOGUE), n=1, cutoff=0.6)
    if not nearest:
        same_service = [m for m in CATALOGUE if m.startswith(f"{key.split('.')[0]}.")]
        nearest = same_service[:1]
    hint = f" Did you mean `{nearest[0]}`?" if nearest else ""
    raise UsageError(
        f"`{echo(name)}` is not a metric I know.{hint} `/pulse alert list` shows them all."
    )


def parse_over(text: str) -> int:
    return parse_duration(text, minimum=OVER_BOUNDS[0], maximum=OVER_BOUNDS[1], option="--over")


def parse_for(text: str) -> int:
    return parse_duration(text, minimum=FOR_BOUNDS[0], maximum=FOR_BOUNDS[1], option="--for")


# ---- cost -------------------------------------------------------------------------------


def evaluation_interval(metric: Metric, interval_seconds: float) -> int:
    """Seconds between two evaluations of this metric when alerts run every `interval`."""
    if interval_seconds <= 0:
        raise ValueError("the evaluation interval must be positive")
    return max(math.ceil(interval_seconds), metric.min_interval_seconds)


def daily_cost(metric: Metric, interval_seconds: float) -> int:
    """Upstream calls a day one alert on `metric` costs when evaluated every `interval`."""
    return metric.calls_per_evaluation * math.ceil(
        _DAY / evaluation_interval(metric, interval_seconds)
    )


def due(metric: Metric, now: datetime, interval_seconds: float, *, offset_seconds: int = 0) -> bool:
    """Whether an evaluator tick at `now` should evaluate `metric`. Metrics slower than the
    tick run in the first tick of each slot of `min_interval_seconds` (shifted by
    `offset_seconds`, e.g. per alert): no memory needed, so a restart costs nothing extra."""
    every = evaluation_interval(metric, interval_seconds)
    if every <= interval_seconds:
        return True
    return (now.timestamp() - offset_seconds) % every < interval_seconds


def alert_share(spec: ServiceSpec[Any]) -> int:
    """Calls a day the alerts of one credential may spend of its daily budget."""
    return int(spec.limits.per_day_allowance() * ALERT_SHARE)


def check_budget(
    spec: ServiceSpec[Any],
    existing_costs: int,
    new_cost: int,
    *,
    what: str = "alert",
    advice: str | None = None,
) -> None:
    """Refuse an alert or digest (`what`) that would push a credential's alerts and digests
    past their share of its daily budget; `advice` says what to do instead."""
    share = alert_share(spec)
    if existing_costs + new_cost <= share:
        return
    daily = spec.limits.per_day_allowance()
    already = (
        f"this account's alerts and digests already use {existing_costs}"
        if existing_costs
        else "no other alert or digest uses any yet"
    )
    raise UsageError(
        f"This {what} would cost {new_cost} {spec.name} calls a day, and alerts and digests "
        f"together may use at most {share} of {spec.name}'s {daily} daily calls (leaving "
        f"{daily - share} for people); {already}. "
        + (advice or f"Remove a {spec.name} alert or digest first.")
    )


def calls_a_day(spec: ServiceSpec[Any], cost: int) -> str:
    """What scheduled work costs a service's calls, e.g. `about 24 raygun calls a day of 50`."""
    return f"about {cost:,} {spec.key} calls a day of {spec.limits.per_day_allowance():,}"


def cost_sentence(metric: Metric, interval_seconds: float) -> str:
    """What `alert add` tells the user, e.g. "Checked every 2h: about 24 raygun calls a day
    of 50."""
    every = format_duration(evaluation_interval(metric, interval_seconds))
    cost = daily_cost(metric, interval_seconds)
    return f"Checked every {every}: {calls_a_day(metric.spec, cost)}."


def require(metric: Metric, directory: Directory) -> None:
    """Refuse (UsageError) an alert on `metric` that this workspace could never read."""
    if metric.needs is not None:
        metric.needs(directory)


# ---- measuring --------------------------------------------------------------------------


async def _weldpulse(field: str, directory: Directory, start: datetime, end: datetime) -> float:
    stats = await directory.get(weldpulse.SPEC).stats(start, end, fresh=True)
    value = float(getattr(stats, field))
    return value * 100.0 if field == "bounce_rate" else value


async def _realtime(directory: Directory, start: datetime, end: datetime) -> float:
    return float((await directory.get(weldpulse.SPEC).realtime(fresh=True)).current_visitors)


async def _raygun_sessions(directory: Directory, start: datetime, end: datetime) -> float:
    client = directory.get(raygun.SPEC)
    page = await client.sessions(start, end, limit=1, max_sessions=1, fresh=True)
    return float(page.total)


def _days_around(start: datetime, end: datetime) -> tuple[date, date]:
    """Whole days covering the window in any zone (services filter by day): cut after."""
    return (start - timedelta(days=1)).date(), (end + timedelta(days=1)).date()


async def _whatpulse(field: str, directory: Directory, start: datetime, end: datetime) -> float:
    client = directory.get(whatpulse.SPEC)
    if client.default_user is None:
        raise InvalidRequest(
            whatpulse.SPEC.key,
            "no WhatPulse user is set for this workspace",
            {"user": ["is required"]},
        )
    first, last = _days_around(start, end)
    found = await client.pulses(client.default_user, date_from=first, date_to=last, fresh=True)
    return float(sum(getattr(p, field) for p in found.pulses if start < p.date <= end))


def _allowance(directory: Directory) -> int:
    """The monthly allowance per app an admin entered; UsageError saying how to, if none."""
    allowance = directory.get(pulsetracker.SPEC).allowance
    if allowance is None:
        raise UsageError(
            "`pulsetracker.quota_percent` is a share of the plan's monthly messages, and "
            f"{allowance_howto()}. Until then, alert on `pulsetracker.messages_sent` instead."
        )
    return allowance


def _needs_allowance(directory: Directory) -> None:
    _allowance(directory)


async def _tracker(field: str, directory: Directory, start: datetime, end: datetime) -> float:
    limit = None if field == "messages_sent" else _allowance(directory)
    apps = (await directory.get(pulsetracker.SPEC).all_apps(fresh=True)).apps
    year, month = end.year, end.month  # the plan's month, in UTC
    if limit is None:
        return float(sum(a.messages_sent_in(year, month) for a in apps))
    return max((quota_fraction(a, year, month, limit) * 100.0 for a in apps), default=0.0)


async def _actions(which: str, directory: Directory, start: datetime, end: datetime) -> float:
    overdue = which == "overdue"
    found = await directory.get(pulsepro.SPEC).actions(
        status="open", overdue=True if overdue else None, max_pages=1, fresh=True
    )
    if overdue and not found.truncated:
        return float(found.overdue_count)
    return float(found.count)  # PulsePro's own total for the (filtered) query


async def _inspections(field: str, directory: Directory, start: datetime, end: datetime) -> float:
    first, last = _days_around(start, end)
    found = await directory.get(pulsepro.SPEC).inspections(first, last, max_pages=5, fresh=True)
    kept = [i for i in found.items if i.conducted_at is not None and start < i.conducted_at <= end]
    if field == "count":  # a lower bound if the days around hold more than 5 pages
        return float(len(kept))
    scores = [i.score for i in kept if i.score is not None]
    return sum(scores) / len(scores) if scores else math.nan


def _with(read: Callable[[str, Directory, datetime, datetime], Awaitable[float]], arg: str) -> Read:
    async def bound(directory: Directory, start: datetime, end: datetime) -> float:
        return await read(arg, directory, start, end)

    return bound


def _point(
    spec: ServiceSpec[Any], key: str, description: str, read: Read, unit: Unit = "count"
) -> Metric:
    return Metric(spec, key, description, unit, point_in_time=True, read=read)


def _windowed(
    spec: ServiceSpec[Any], key: str, description: str, read: Read, unit: Unit = "count"
) -> Metric:
    return Metric(spec, key, description, unit, point_in_time=False, read=read)


_RAYGUN_SESSIONS = Metric(
    raygun.SPEC,
    "sessions",
    "real-user sessions in the window",
    "count",
    point_in_time=False,
    read=_raygun_sessions,
    calls_per_evaluation=2,  # the session key has always expired: authenticate, then read
    min_interval_seconds=2 * 3600,
)
WP, PT, PP = weldpulse.SPEC, pulsetracker.SPEC, pulsepro.SPEC
_USER = "(the workspace's WhatPulse user)"

CATALOGUE: Mapping[str, Metric] = {
    m.name: m
    for m in (
        _point(WP, "realtime", "visitors on the site in the last 5 minutes", _realtime),
        _windowed(WP, "visitors", "unique visitors in the window", _with(_weldpulse, "visitors")),
        _windowed(WP, "pageviews", "pageviews in the window", _with(_weldpulse, "pageviews")),
        _windowed(WP, "sessions", "sessions in the window", _with(_weldpulse, "sessions")),
        _windowed(
            WP,
            "bounce_rate",
            "bounce rate in the window, 0–100",
            _with(_weldpulse, "bounce_rate"),
            "percent",
        ),
        _windowed(
            WP,
            "avg_duration",
            "average visit duration in the window",
            _with(_weldpulse, "avg_duration"),
            "seconds",
        ),
        _RAYGUN_SESSIONS,
        _windowed(
            whatpulse.SPEC, "keys", f"keys pressed in the window {_USER}", _with(_whatpulse, "keys")
        ),
        _windowed(
            whatpulse.SPEC,
            "clicks",
            f"mouse clicks in the window {_USER}",
            _with(_whatpulse, "clicks"),
        ),
        _point(
            PT,
            "messages_sent",
            "messages sent this month across apps",
            _with(_tracker, "messages_sent"),
        ),
        Metric(
            PT,
            "quota_percent",
            "the busiest app's share of the monthly allowance an admin set, 0–100",
            "percent",
            point_in_time=True,
            read=_with(_tracker, "quota_percent"),
            needs=_needs_allowance,
        ),
        _point(PP, "overdue_actions", "overdue corrective actions", _with(_actions, "overdue")),
        _point(PP, "open_actions", "open corrective actions", _with(_actions, "open")),
        _windowed(
            PP, "inspections", "inspections conducted in the window", _with(_inspections, "count")
        ),
        _windowed(
            PP,
            "average_score",
            "average inspection score in the window, 0–100",
            _with(_inspections, "average_score"),
            "percent",
        ),
    )
}


async def measure(metric: Metric, directory: Directory, over_seconds: int, now: datetime) -> float:
    """The metric's value now, over the `over_seconds` window ending now (ignored for
    point-in-time metrics). NaN when there is nothing to average (no inspections in the
    window): `bot.features.alert_machine.compare` never holds for NaN. Service errors propagate."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    end = now.replace(microsecond=0)
    start = end - timedelta(seconds=over_seconds or DEFAULT_OVER)
    return await metric.read(directory, start, end)
