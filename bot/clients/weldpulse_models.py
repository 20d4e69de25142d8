"""WeldPulse answers as typed values, parsed from the documented `{"data": [...]}` bodies.

Every parser is pure and raises `BadResponse("weldpulse", …)` for a body that is not
shaped as the API document shows (an HTML page, a missing field, a string where a number
belongs), so nothing below ever fails with `KeyError` or `TypeError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from bot.clients.parse import Reader
from bot.errors import BadResponse

SERVICE = "weldpulse"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Stats:
    """`/v1/stats`: the project's overview for a range. Durations in seconds, rates 0..1."""

    visitors: int
    pageviews: int
    sessions: int
    avg_duration: float
    bounce_rate: float


@dataclass(frozen=True, slots=True)
class PageRow:
    pathname: str
    visitors: int
    pageviews: int
    avg_duration: float
    bounce_rate: float


@dataclass(frozen=True, slots=True)
class ReferrerRow:
    """`referrer_source` is None for direct traffic."""

    referrer_source: str | None
    visitors: int
    pageviews: int
    bounce_rate: float


@dataclass(frozen=True, slots=True)
class TimeBucket:
    """One `/v1/timeseries` bucket; `t` is its start (the service answers naive UTC)."""

    t: datetime
    visitors: int
    pageviews: int
    sessions: int


@dataclass(frozen=True, slots=True)
class RealtimeRow:
    pathname: str
    country: str | None
    device_type: str | None
    referrer_source: str | None
    current_visitors: int


@dataclass(frozen=True, slots=True)
class Realtime:
    """Visitors of the last 5 minutes, broken down by page/country/device/referrer."""

    rows: tuple[RealtimeRow, ...]

    @property
    def current_visitors(self) -> int:
        return sum(row.current_visitors for row in self.rows)


@dataclass(frozen=True, slots=True)
class EventRow:
    event_name: str
    total: int
    unique_visitors: int


@dataclass(frozen=True, slots=True)
class GeoRow:
    country: str
    region: str | None
    visitors: int
    pageviews: int


@dataclass(frozen=True, slots=True)
class DeviceRow:
    device_type: str
    browser: str | None
    os: str | None
    visitors: int
    pageviews: int


@dataclass(frozen=True, slots=True)
class Site:
    """A site of the project. `site_key` is the tracking key; kept out of reprs and logs."""

    id: str
    domain: str
    name: str
    is_active: bool
    created_at: datetime
    site_key: str | None = field(default=None, repr=False)


def _rows(body: Any) -> list[Reader]:
    return Reader(SERVICE, body).objects("data")


def _each(body: Any, build: Callable[[Reader], T]) -> tuple[T, ...]:
    return tuple(build(row) for row in _rows(body))


def parse_stats(body: Any) -> Stats:
    rows = _rows(body)
    if len(rows) != 1:
        raise BadResponse(SERVICE, f"expected one stats row, got {len(rows)}")
    r = rows[0]
    return Stats(
        visitors=r.integer("visitors"),
        pageviews=r.integer("pageviews"),
        sessions=r.integer("sessions"),
        avg_duration=r.number("avg_duration"),
        bounce_rate=r.number("bounce_rate"),
    )


def parse_pages(body: Any) -> tuple[PageRow, ...]:
    return _each(
        body,
        lambda r: PageRow(
            pathname=r.text("pathname"),
            visitors=r.integer("visitors"),
            pageviews=r.integer("pageviews"),
            avg_duration=r.number("avg_duration"),
            bounce_rate=r.number("bounce_rate"),
        ),
    )


def parse_referrers(body: Any) -> tuple[ReferrerRow, ...]:
    return _each(
        body,
        lambda r: ReferrerRow(
            referrer_source=r.opt_text("referrer_source"),
            visitors=r.integer("visitors"),
            pageviews=r.integer("pageviews"),
            bounce_rate=r.number("bounce_rate"),
        ),
    )


def parse_timeseries(body: Any) -> tuple[TimeBucket, ...]:
    return _each(
        body,
        lambda r: TimeBucket(
            t=r.when("t"),
            visitors=r.integer("visitors"),
            pageviews=r.integer("pageviews"),
            sessions=r.integer("sessions"),
        ),
    )


def parse_realtime(body: Any) -> Realtime:
    return Realtime(
        _each(
            body,
            lambda r: RealtimeRow(
                pathname=r.text("pathname"),
                country=r.opt_text("country"),
                device_type=r.opt_text("device_type"),
                referrer_source=r.opt_text("referrer_source"),
                current_visitors=r.integer("current_visitors"),
            ),
        )
    )


def parse_events(body: Any) -> tuple[EventRow, ...]:
    return _each(
        body,
        lambda r: EventRow(
            event_name=r.text("event_name"),
            total=r.integer("total"),
            unique_visitors=r.integer("unique_visitors"),
        ),
    )


def parse_geo(body: Any) -> tuple[GeoRow, ...]:
    return _each(
        body,
        lambda r: GeoRow(
            country=r.text("country"),
            region=r.opt_text("region"),
            visitors=r.integer("visitors"),
            pageviews=r.integer("pageviews"),
        ),
    )


def parse_devices(body: Any) -> tuple[DeviceRow, ...]:
    return _each(
        body,
        lambda r: DeviceRow(
            device_type=r.text("device_type"),
            browser=r.opt_text("browser"),
            os=r.opt_text("os"),
            visitors=r.integer("visitors"),
            pageviews=r.integer("pageviews"),
        ),
    )


def parse_sites(body: Any) -> tuple[Site, ...]:
    return _each(
        body,
        lambda r: Site(
            id=r.text("id"),
            domain=r.text("domain"),
            name=r.text("name"),
            is_active=r.flag("is_active"),
            created_at=r.when("created_at"),
            site_key=r.opt_text("site_key"),
        ),
    )
