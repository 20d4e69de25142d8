"""Pulsetracker answers as typed values: pure parsing, no I/O.

Shapes follow the HTTP API docs: Laravel resources under `data`, list pages with
`meta` (current_page, last_page, per_page, total) and `links`. Every failure is a
`BadResponse` naming the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from bot.clients.paging import Page
from bot.clients.parse import Reader, message_and_fields
from bot.errors import BadResponse

SERVICE = "pulsetracker"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class QuotaMonth:
    year: int
    month: int
    messages_sent: int

    @classmethod
    def from_api(cls, r: Reader) -> QuotaMonth:
        return cls(r.integer("year"), r.integer("month"), r.integer("messages_sent"))


def _quota(r: Reader) -> tuple[QuotaMonth, ...]:
    return tuple(QuotaMonth.from_api(q) for q in r.objects("quota")) if r.has("quota") else ()


def _sent_in(quota: tuple[QuotaMonth, ...], year: int, month: int) -> int:
    return sum(q.messages_sent for q in quota if (q.year, q.month) == (year, month))


@dataclass(frozen=True, slots=True)
class App:
    key: str
    name: str
    quota: tuple[QuotaMonth, ...]
    devices_count: int
    created_at: datetime | None

    def messages_sent_in(self, year: int, month: int) -> int:
        """Messages sent in that calendar month (0 when the month has no entry)."""
        return _sent_in(self.quota, year, month)

    @classmethod
    def from_api(cls, r: Reader) -> App:
        return cls(
            key=r.text("key"),
            name=r.text("name"),
            quota=_quota(r),
            devices_count=r.opt_integer("devices_count") or 0,
            created_at=r.opt_when("created_at"),
        )


def quota_fraction(app: App, year: int, month: int, limit: int) -> float:
    """Share of a monthly allowance of `limit` messages used, e.g. 0.83 (may exceed 1.0).
    The API reports messages sent, never the plan's allowance: `limit` is what an admin
    entered (`PulsetrackerClient.allowance`)."""
    if limit <= 0:
        raise ValueError("the monthly limit must be positive")
    return app.messages_sent_in(year, month) / limit


@dataclass(frozen=True, slots=True)
class LastLocation:
    latitude: float | None
    longitude: float | None
    ip_address: str | None
    updated_at: datetime | None

    @classmethod
    def from_api(cls, r: Reader) -> LastLocation:
        lat = lng = None
        place = r.opt_child("location")
        if place is not None and place.has("coordinates"):
            raw = place.raw("coordinates")
            if isinstance(raw, list) and len(raw) == 2:  # GeoJSON order: [long, lat]
                point = Reader(SERVICE, {"long": raw[0], "lat": raw[1]}, "coordinates")
            else:
                point = place.child("coordinates")
            lat = point.opt_number("lat")
            lng = point.opt_number("long") if point.has("long") else point.opt_number("lng")
        return cls(lat, lng, r.opt_text("ip_address"), r.opt_when("updated_at"))


@dataclass(frozen=True, slots=True)
class Device:
    key: str
    name: str
    app_key: str | None
    app_name: str | None = None
    type: str | None = None
    last_location: LastLocation | None = None
    quota: tuple[QuotaMonth, ...] = ()

    def messages_sent_in(self, year: int, month: int) -> int:
        return _sent_in(self.quota, year, month)

    @classmethod
    def from_api(cls, r: Reader) -> Device:
        app = r.opt_child("app")
        where = r.opt_child("lastLocation") or r.opt_child("last_location")
        return cls(
            key=r.text("key"),
            name=r.text("name"),
            app_key=r.opt_text("app_key") or (app.opt_text("key") if app else None),
            app_name=app.opt_text("name") if app else None,
            type=r.opt_text("type"),
            last_location=LastLocation.from_api(where) if where else None,
            quota=_quota(r),
        )


@dataclass(frozen=True, slots=True)
class AppList:
    """Every app read across pages; `truncated` when the page cap stopped the walk."""

    apps: tuple[App, ...]
    total: int
    truncated: bool


def _page(r: Reader, items: tuple[T, ...]) -> Page[T]:
    meta = r.child("meta")
    return Page(
        items,
        total=meta.integer("total"),
        number=meta.integer("current_page"),
        last=meta.integer("last_page"),
    )


def parse_app(body: Any) -> App:
    return App.from_api(Reader(SERVICE, body).child("data"))


def parse_app_page(body: Any) -> Page[App]:
    r = Reader(SERVICE, body)
    return _page(r, tuple(App.from_api(item) for item in r.objects("data")))


def parse_device(body: Any) -> Device:
    return Device.from_api(Reader(SERVICE, body).child("data"))


def parse_device_page(body: Any) -> Page[Device]:
    r = Reader(SERVICE, body)
    return _page(r, tuple(Device.from_api(item) for item in r.objects("data")))


def parse_renamed(body: Any) -> str:
    """The PUT answer: a bare JSON string or number (the new name), or `{"data": {"name"}}`."""
    if isinstance(body, str):
        return body
    if isinstance(body, int) and not isinstance(body, bool):
        return str(body)
    if isinstance(body, float):
        return str(int(body)) if body.is_integer() else str(body)
    if isinstance(body, Mapping):
        return Reader(SERVICE, body).child("data").text("name")
    raise BadResponse(SERVICE, "the rename answer was neither a name nor an app")


parse_error = message_and_fields
