"""Series over time: the bucket sizes answers use, buckets with their start, and squeezing a
series to a width.

Buckets are the caller's (PRODUCT §2): a day is a local day of the caller's zone, from
local midnight to local midnight (23 or 25 hours when the clocks change). WeldPulse's days
are UTC days, so unless the caller's days are UTC days too, hours are asked for
(`ask_for`) and added up into the caller's days (`local_buckets`), each hour in the day it
starts in; where a zone's offset is not whole hours (India, Nepal) a local day is the
hours starting in it. Buckets outside the period are left out, and a bucket the period
cuts (the first, begun before it, or the one still running) is marked `partial`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clients.weldpulse import Interval, TimeBucket
from bot.domain.periods import Period, local_midnight

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


def bucket_end(start: datetime, interval: Interval, tz: ZoneInfo) -> datetime:
    """When the bucket starting at `start` ends: an hour later, or at the next local
    midnight for a day."""
    if interval == "1 hour":
        return start + STEP[interval]
    return local_midnight(start.astimezone(tz).date() + timedelta(days=1), tz)


def bucket(start: datetime, value: float, interval: Interval, period: Period) -> Bucket:
    """A bucket of `interval`, marked partial where the period cuts it."""
    return Bucket(start, value, partial=cut(start, bucket_end(start, interval, period.tz), period))


def ask_for(interval: Interval, period: Period) -> Interval:
    """The interval to ask WeldPulse for: hours for days unless every day of the period
    starts at a UTC midnight (WeldPulse's days are UTC days)."""
    if interval == "1 day":
        days = period.days()
        edges = (local_midnight(d, period.tz) for d in [*days, days[-1] + timedelta(days=1)])
        if any(edge.time() != time(0) for edge in edges):
            return "1 hour"
    return interval


def local_buckets(
    found: Sequence[TimeBucket], interval: Interval, period: Period
) -> list[TimeBucket]:
    """WeldPulse's buckets (asked with `ask_for`) as the caller's buckets of `interval`, in
    order: those outside the period left out, and hours added up into local days where
    hours were asked for days (an hour begun before the period counts in its first day)."""
    asked = ask_for(interval, period)
    inside = sorted(
        (b for b in found if b.t < period.end and bucket_end(b.t, asked, period.tz) > period.start),
        key=lambda b: b.t,
    )
    if asked == interval:
        return inside
    # the period's local midnights, worked out once: each hour then finds its day by
    # bisection, not by a time-zone conversion of its own (90 days are 2,160 hours)
    midnights = [local_midnight(day, period.tz) for day in period.days()]
    days: dict[datetime, list[TimeBucket]] = {}
    for b in inside:
        at = max(b.t, period.start)
        day = midnights[max(0, bisect_right(midnights, at) - 1)]
        days.setdefault(day, []).append(b)
    return [
        TimeBucket(
            t=start,
            visitors=sum(b.visitors for b in hours),
            pageviews=sum(b.pageviews for b in hours),
            sessions=sum(b.sessions for b in hours),
        )
        for start, hours in days.items()
    ]


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
