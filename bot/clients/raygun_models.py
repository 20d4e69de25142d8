"""Raygun Pulse v1 answers as typed values (seeds/raygun-pulse-api.txt).

Pure parsers over the documented bodies of `authenticate`, `sessions` and `session`;
each raises `BadResponse("raygun", …)` for anything not shaped as documented. The
location's public IP address is deliberately not kept: nothing shows it, and it is
personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clients.parse import Reader
from bot.errors import BadResponse

SERVICE = "raygun"


@dataclass(frozen=True, slots=True)
class Software:
    """A browser or operating system: display name and full version."""

    name: str | None
    version: str | None

    @classmethod
    def from_api(cls, r: Reader | None) -> Software:
        if r is None:
            return cls(None, None)
        return cls(r.opt_text("name"), r.opt_text("version"))


@dataclass(frozen=True, slots=True)
class User:
    id: int | None
    identifier: str | None
    email: str | None
    first_name: str | None
    full_name: str | None
    anonymous: bool
    first_seen: datetime | None
    last_seen: datetime | None
    web_url: str | None

    @classmethod
    def from_api(cls, r: Reader) -> User:
        return cls(
            id=r.opt_integer("id"),
            identifier=r.opt_text("identifier"),
            email=r.opt_text("emailAddress"),
            first_name=r.opt_text("firstName"),
            full_name=r.opt_text("fullName"),
            anonymous=r.flag("isAnonymous"),
            first_seen=r.opt_when("firstSeen"),
            last_seen=r.opt_when("lastSeen"),
            web_url=_web(r),
        )


@dataclass(frozen=True, slots=True)
class Location:
    """`country_code` is the 2-letter code; the names come from the detail's ipLookup."""

    country_code: str | None
    country: str | None = None
    state: str | None = None
    city: str | None = None

    @classmethod
    def from_api(cls, r: Reader | None) -> Location:
        if r is None:
            return cls(None)
        lookup = r.opt_child("ipLookup")
        if lookup is None:
            return cls(r.opt_text("country"))
        return cls(
            r.opt_text("country"),
            lookup.opt_text("country"),
            lookup.opt_text("state"),
            lookup.opt_text("city"),
        )


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One row of a `sessions` search. Lengths in milliseconds; `status` active/ended."""

    id: int
    started: datetime
    updated: datetime | None
    ended: datetime | None
    user: User
    browser: Software
    os: Software
    platform: str | None
    location: Location
    length_ms: int
    status: str
    page_view_count: int
    web_url: str | None
    api_url: str | None

    @classmethod
    def from_api(cls, r: Reader) -> SessionSummary:
        return cls(page_view_count=r.integer("pageViewCount"), **_common(r))


@dataclass(frozen=True, slots=True)
class SessionPage:
    """Sessions found for a search. `truncated`: `total` is more than `sessions` holds."""

    total: int
    sessions: tuple[SessionSummary, ...]
    truncated: bool


@dataclass(frozen=True, slots=True)
class PageView:
    page: str
    loading_ms: int
    viewing_ms: int
    viewed_on: datetime

    @classmethod
    def from_api(cls, r: Reader) -> PageView:
        return cls(
            page=r.text("page"),
            loading_ms=r.integer("loadingTime"),
            viewing_ms=r.integer("viewingTime"),
            viewed_on=r.when("viewedOn"),
        )


@dataclass(frozen=True, slots=True)
class ErrorInstance:
    """An error that occurred in a session, with the link to it in Raygun."""

    group_id: int
    instance_id: int
    title: str
    web_url: str | None

    @classmethod
    def from_api(cls, r: Reader) -> ErrorInstance:
        return cls(
            group_id=r.integer("groupId"),
            instance_id=r.integer("instanceId"),
            title=r.text("title"),
            web_url=_web(r),
        )


@dataclass(frozen=True, slots=True)
class SessionDetail:
    """One session in full. `satisfaction` is Excellent, Good, Average or Poor."""

    id: int
    started: datetime
    updated: datetime | None
    ended: datetime | None
    user: User
    satisfaction: str | None
    browser: Software
    os: Software
    platform: str | None
    location: Location
    length_ms: int
    status: str
    errors: tuple[ErrorInstance, ...]
    page_views: tuple[PageView, ...]
    web_url: str | None
    api_url: str | None

    @classmethod
    def from_api(cls, r: Reader) -> SessionDetail:
        return cls(
            satisfaction=r.opt_text("satisfactionRating"),
            errors=tuple(ErrorInstance.from_api(e) for e in _opt_objects(r, "errors")),
            page_views=tuple(PageView.from_api(p) for p in _opt_objects(r, "pageViews")),
            **_common(r),
        )


def _web(r: Reader) -> str | None:
    links = r.opt_child("links")
    return None if links is None else links.opt_text("web")


def _opt_objects(r: Reader, key: str) -> list[Reader]:
    return r.objects(key) if r.has(key) else []


def _common(r: Reader) -> dict[str, Any]:
    """The fields a search row and a session detail share."""
    links = r.opt_child("links")
    platform = r.opt_child("platform")
    return {
        "id": r.integer("id"),
        "started": r.when("sessionStart"),
        "updated": r.opt_when("sessionUpdated"),
        "ended": r.opt_when("sessionEnd"),
        "user": User.from_api(r.child("user")),
        "browser": Software.from_api(r.opt_child("browser")),
        "os": Software.from_api(r.opt_child("os")),
        "platform": None if platform is None else platform.opt_text("name"),
        "location": Location.from_api(r.opt_child("location")),
        "length_ms": r.integer("sessionLength"),
        "status": r.text("status"),
        "web_url": None if links is None else links.opt_text("web"),
        "api_url": None if links is None else links.opt_text("self"),
    }


def parse_session_key(body: Any) -> str:
    """The `sessionKey` of an `authenticate` answer."""
    key = Reader(SERVICE, body).text("sessionKey").strip()
    if not key:
        raise BadResponse(SERVICE, "the session key in the answer is empty")
    return key


def parse_sessions(body: Any) -> SessionPage:
    """One page of a `sessions` search."""
    r = Reader(SERVICE, body)
    total = r.integer("totalSessions")
    sessions = tuple(SessionSummary.from_api(s) for s in r.objects("sessions"))
    return SessionPage(total, sessions, truncated=len(sessions) < total)


def parse_session(body: Any) -> SessionDetail:
    """The `session` answer: `{"session": {…}}`."""
    return SessionDetail.from_api(Reader(SERVICE, body).child("session"))
