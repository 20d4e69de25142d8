"""Series over time: the bucket sizes answers use, buckets with their start, and squeezing a
series to a width."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clients.weldpulse import Interval
from bot.domain.periods import Period

HOURLY_UP_TO = timedelta(days=3)
STEP: dict[Interval, timedelta] = {"1 hour": timedelta(hours=1), "1 day": timedelta(days=1)}
UNIT: dict[Interval, str] = {"1 hour": "hour", "1 day": "day"}
EVERY: dict[Interval, str] = {"1 hour": "hourly", "1 day": "daily"}


@dataclass(frozen=True, slots=True)
class Bucket:
    """One point of a series over time: when it starts, its value, and whether it is whole.

    `partial` is set by whoever knows the bucket is cut (the current hour or day, or one
    cut by the period's edge); charts and tables mark such a bucket instead of drawing it
    as if it were complete."""

    start: datetime
    value: float
    partial: bool = False


def cut(start: datetime, end: datetime, period: Period) -> bool:
    """Whether the bucket [start, end) is cut by the period's edges (its first bucket
    starting before the period does, or the last — the current hour or day — still
    running when the period ends): its value covers only part of it."""
    return start < period.start or end > period.end


def bucket(start: datetime, value: float, step: timedelta, period: Period) -> Bucket:
    """A bucket of `step`, marked partial where the period cuts it."""
    return Bucket(start, value, partial=cut(start, start + step, period))


@dataclass(frozen=True, slots=True)
class Trend:
    """A named series of buckets of one size (`unit` is "hour" or "day")."""

    name: str
    unit: str
    buckets: tuple[Bucket, ...]

    @property
    def values(self) -> list[float]:
        return [b.value for b in self.buckets]


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
