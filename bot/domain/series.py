"""Series over time: the bucket sizes answers use, and squeezing a series to a width."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.clients.weldpulse import Interval
from bot.domain.periods import Period

HOURLY_UP_TO = timedelta(days=3)
STEP: dict[Interval, timedelta] = {"1 hour": timedelta(hours=1), "1 day": timedelta(days=1)}
UNIT: dict[Interval, str] = {"1 hour": "hour", "1 day": "day"}
EVERY: dict[Interval, str] = {"1 hour": "hourly", "1 day": "daily"}


def default_interval(period: Period) -> Interval:
    """Hours for ranges up to 3 days, days beyond."""
    return "1 hour" if period.length <= HOURLY_UP_TO else "1 day"


def downsample(values: Sequence[float], most: int) -> list[float]:
    """At most `most` values: consecutive values averaged into equal groups (for sparklines)."""
    if most < 1:
        raise ValueError("most must be at least 1")
    if len(values) <= most:
        return list(values)
    groups: list[float] = []
    for i in range(most):
        lo, hi = len(values) * i // most, len(values) * (i + 1) // most
        chunk = values[lo:hi]
        groups.append(sum(chunk) / len(chunk))
    return groups
