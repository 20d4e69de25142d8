"""PulsePro answers as typed values: pure parsing, no I/O.

PulsePro's endpoint reference is not public. Its site shows Django-REST pages
(`{"results", "count", "next", "previous"}`) and names inspections, corrective actions
(with overdue) and locations; errors come under an `"error"` key. Required here: the page
envelope and each item's `id` and `title`/`name` (and an action's `status`); everything
else is read when present. Related objects (template, location, people) may come as a
name, an ID or a small object. Every failure is a `BadResponse` naming the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.clients.parse import Reader, field_errors
from bot.errors import BadResponse

SERVICE = "pulsepro"
CLOSED_STATUSES = frozenset({"closed", "completed", "complete", "done", "resolved", "cancelled"})


def _number(raw: str) -> int | None:
    try:
        value = int(float(raw.strip()))
    except ValueError:
        return None
    return value if value >= 0 else None


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The organisation's token bucket as last reported by PulsePro.

    `Organization-RateLimit-Limit: 60;w=60;b=60` means 60 calls refilled every 60 s into a
    bucket holding at most 60; `RateLimit-Remaining` calls are left; `RateLimit-Reset` is
    the seconds until the next refill.
    """

    limit: int | None
    window: int | None
    burst: int | None
    remaining: int | None
    reset: float | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit | None:
        """Parse the rate-limit headers; `None` when the answer carries none."""
        h = _lower(headers)
        policy = h.get("organization-ratelimit-limit") or h.get("ratelimit-limit") or ""
        limit = window = burst = None
        if policy:
            head, *options = policy.split(",")[0].split(";")
            limit = _number(head)
            for option in options:
                key, _, value = option.partition("=")
                if key.strip().lower() == "w":
                    window = _number(value)
                elif key.strip().lower() == "b":
                    burst = _number(value)
        remaining = _number(h.get("ratelimit-remaining", ""))
        reset_raw = _number(h.get("ratelimit-reset", ""))
        reset = None if reset_raw is None else float(reset_raw)
        if limit is None and remaining is None and reset is None:
            return None
        return cls(limit, window, burst, remaining, reset)


def _ident(r: Reader, key: str) -> str:
    value = r.raw(key)
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise BadResponse(SERVICE, f"field {key!r} in the {r.where} is not an ID")
    return str(value)


def _related(r: Reader, key: str) -> tuple[str | None, str | None]:
    """(id, name) of a related object given as a name, an ID or `{"id", "name"}`."""
    value = r.obj.get(key)
    if value is None:
        return None, None
    if isinstance(value, str):
        return None, value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), None
    child = r.child(key)
    ident = _ident(child, "id") if child.has("id") else None
    name = child.opt_text("name") or child.opt_text("title")
    return ident, name


def _person(r: Reader, key: str) -> str | None:
    value = r.obj.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    person = r.child(key)
    full = " ".join(filter(None, (person.opt_text("first_name"), person.opt_text("last_name"))))
    return (
        person.opt_text("name") or person.opt_text("full_name") or full or person.opt_text("email")
    )


def _score(r: Reader, key: str) -> float | None:
    value = r.obj.get(key)
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("%"))
        except ValueError as exc:
            raise BadResponse(SERVICE, f"field {key!r} in the {r.where} is not a score") from exc
    return r.opt_number(key)


@dataclass(frozen=True, slots=True)
class Inspection:
    id: str
    title: str
    template: str | None
    location_id: str | None
    location_name: str | None
    conducted_at: datetime | None
    score: float | None
    status: str | None
    inspector: str | None

    @classmethod
    def from_api(cls, r: Reader) -> Inspection:
        template_id, template_name = _related(r, "template")
        location_id, location_name = _related(r, "location")
        return cls(
            id=_ident(r, "id"),
            title=r.text("title"),
            template=template_name or template_id,
            location_id=location_id,
            location_name=location_name or r.opt_text("location_name"),
            conducted_at=r.opt_when("conducted_at"),
            score=_score(r, "score"),
            status=r.opt_text("status"),
            inspector=_person(r, "inspector"),
        )


@dataclass(frozen=True, slots=True)
class Action:
    """A corrective action; `overdue` as PulsePro says, else derived from the due date."""

    id: str
    title: str
    status: str
    priority: str | None
    due_date: date | None
    overdue: bool
    location: str | None
    assignee: str | None
    created_at: datetime | None

    @classmethod
    def from_api(cls, r: Reader, today: date) -> Action:
        status = r.text("status")
        due = r.day("due_date") if r.has("due_date") else None
        if r.has("overdue"):
            overdue = r.flag("overdue")
        else:
            overdue = due is not None and due < today and status.lower() not in CLOSED_STATUSES
        location_id, location_name = _related(r, "location")
        return cls(
            id=_ident(r, "id"),
            title=r.text("title"),
            status=status,
            priority=r.opt_text("priority"),
            due_date=due,
            overdue=overdue,
            location=location_name or location_id,
            assignee=_person(r, "assignee"),
            created_at=r.opt_when("created_at"),
        )


@dataclass(frozen=True, slots=True)
class Location:
    id: str
    name: str
    address: str | None = None

    @classmethod
    def from_api(cls, r: Reader) -> Location:
        return cls(id=_ident(r, "id"), name=r.text("name"), address=r.opt_text("address"))


@dataclass(frozen=True, slots=True)
class InspectionList:
    """Inspections read across pages; `count` is PulsePro's total for the query."""

    items: tuple[Inspection, ...]
    count: int
    truncated: bool


@dataclass(frozen=True, slots=True)
class ActionList:
    items: tuple[Action, ...]
    count: int
    truncated: bool

    @property
    def overdue_count(self) -> int:
        return sum(1 for a in self.items if a.overdue)


@dataclass(frozen=True, slots=True)
class LocationList:
    items: tuple[Location, ...]
    count: int
    truncated: bool


def parse_page(body: Any) -> tuple[list[Reader], int, str | None]:
    """A Django-REST page: (its results, the total count, the `next` link or None)."""
    r = Reader(SERVICE, body)
    return r.objects("results"), r.integer("count"), r.opt_text("next") or None


def parse_error(body: Any) -> tuple[str | None, dict[str, list[str]]]:
    """`{"error": {"code", "message"}}`, `{"error": "text"}` or DRF's own shapes."""
    if not isinstance(body, Mapping):
        return None, {}
    error = body.get("error")
    message: Any = None
    fields: Any = None
    if isinstance(error, str):
        message = error
    elif isinstance(error, Mapping):
        message = error.get("message") or error.get("code")
        fields = error.get("fields") or error.get("details") or error.get("errors")
    else:
        message = body.get("detail") or body.get("message")
        fields = {k: v for k, v in body.items() if isinstance(v, list)}
    text = message.strip()[:300] if isinstance(message, str) else ""
    return text or None, field_errors(fields)
