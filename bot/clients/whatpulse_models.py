"""WhatPulse answers as typed values: pure parsing, no I/O.

Shapes follow the Web API reference (`/api/v1/users/{id}`, `/users/{id}/pulses`,
`/users/{id}/computers`). Fields the reference marks required are required here; anything
else is read when present and left `None` otherwise. Every failure is a `BadResponse`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clients.paging import Page
from bot.clients.parse import Reader, message_and_fields
from bot.errors import BadResponse

SERVICE = "whatpulse"


@dataclass(frozen=True, slots=True)
class Pulse:
    """One pulse: the activity a computer sent up in one go."""

    id: int
    date: datetime
    keys: int
    clicks: int
    scrolls: int | None
    download_mb: float
    upload_mb: float
    uptime_seconds: int
    distance_miles: float
    auto_pulse: bool
    client_version: str
    computer_id: int | None = None
    computer_name: str | None = None

    @classmethod
    def from_api(cls, r: Reader) -> Pulse:
        computer = r.opt_child("computer")
        return cls(
            id=r.integer("id"),
            date=r.when("date"),
            keys=r.integer("keys"),
            clicks=r.integer("clicks"),
            scrolls=r.opt_integer("scrolls"),
            download_mb=r.number("download_mb"),
            upload_mb=r.number("upload_mb"),
            uptime_seconds=r.integer("uptime_seconds"),
            distance_miles=r.number("distance_miles"),
            auto_pulse=r.flag("auto_pulse"),
            client_version=r.text("client_version"),
            computer_id=computer.opt_integer("id") if computer else None,
            computer_name=computer.opt_text("name") if computer else None,
        )


@dataclass(frozen=True, slots=True)
class PulseList:
    """All pulses read for one query; `truncated` when the page cap stopped the walk."""

    pulses: tuple[Pulse, ...]
    total: int
    truncated: bool


@dataclass(frozen=True, slots=True)
class Totals:
    """Lifetime totals of a user or a computer."""

    keys: int
    clicks: int
    scrolls: int | None
    download_mb: float | None
    upload_mb: float | None
    uptime_seconds: int | None
    distance_miles: float | None

    @classmethod
    def from_api(cls, r: Reader) -> Totals:
        return cls(
            keys=r.integer("keys"),
            clicks=r.integer("clicks"),
            scrolls=r.opt_integer("scrolls"),
            download_mb=r.opt_number("download_mb"),
            upload_mb=r.opt_number("upload_mb"),
            uptime_seconds=r.opt_integer("uptime_seconds"),
            distance_miles=r.opt_number("distance_miles"),
        )


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    date_joined: datetime | None = None
    first_pulse_at: datetime | None = None
    last_pulse_at: datetime | None = None
    pulses: int | None = None
    is_premium: bool | None = None
    totals: Totals | None = None

    @property
    def name(self) -> str:
        return self.username

    @classmethod
    def from_api(cls, r: Reader) -> User:
        totals = r.opt_child("totals")
        premium = r.obj.get("is_premium")
        return cls(
            id=r.integer("id"),
            username=r.text("username"),
            date_joined=r.opt_when("date_joined"),
            first_pulse_at=r.opt_when("first_pulse_date"),
            last_pulse_at=r.opt_when("last_pulse_date"),
            pulses=r.opt_integer("pulses"),
            is_premium=premium if isinstance(premium, bool) else None,
            totals=Totals.from_api(totals) if totals else None,
        )


@dataclass(frozen=True, slots=True)
class Computer:
    id: int
    name: str
    is_archived: bool | None = None
    last_pulse_at: datetime | None = None
    totals: Totals | None = None

    @classmethod
    def from_api(cls, r: Reader) -> Computer:
        totals = r.opt_child("totals")
        archived = r.obj.get("is_archived")
        return cls(
            id=r.integer("id"),
            name=r.text("name"),
            is_archived=archived if isinstance(archived, bool) else None,
            last_pulse_at=r.opt_when("last_pulse_date"),
            totals=Totals.from_api(totals) if totals else None,
        )


def parse_pulse_page(body: Any) -> Page[Pulse]:
    """The documented `{"pulses", "pagination", "links", "filters"}` answer."""
    r = Reader(SERVICE, body)
    pagination = r.child("pagination")
    links = r.child("links")
    return Page(
        items=tuple(Pulse.from_api(p) for p in r.objects("pulses")),
        total=pagination.integer("total"),
        number=pagination.integer("current_page"),
        last=pagination.integer("last_page"),
        next_link=links.opt_text("next") or None,
    )


def parse_user(body: Any) -> User:
    """`{"user": {...}}`."""
    return User.from_api(Reader(SERVICE, body).child("user"))


def parse_computers(body: Any) -> tuple[Computer, ...]:
    """`{"computers": [...]}`; a `data` list or a bare list is accepted too."""
    items: Sequence[Any]
    if isinstance(body, list):
        items = body
    elif isinstance(body, Mapping):
        r = Reader(SERVICE, body)
        items = r.array("data" if "data" in body and "computers" not in body else "computers")
    else:
        raise BadResponse(SERVICE, "expected a list of computers in the answer")
    return tuple(
        Computer.from_api(Reader(SERVICE, item, f"computers[{i}]")) for i, item in enumerate(items)
    )


parse_error = message_and_fields
