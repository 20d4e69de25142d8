"""Small pure helpers for turning documented JSON into typed values.

Each raises `BadResponse` naming the service when the body is not what the docs
promise, so a garbled answer can never surface as a `KeyError` or `AttributeError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from bot.errors import BadResponse


class Reader:
    """Reads fields out of one JSON object for `service`, failing as `BadResponse`."""

    __slots__ = ("obj", "service", "where")

    def __init__(self, service: str, obj: Any, where: str = "answer"):
        if not isinstance(obj, Mapping):
            raise BadResponse(service, f"expected an object in the {where}")
        self.service = service
        self.obj: Mapping[str, Any] = obj
        self.where = where

    def _fail(self, key: str, what: str) -> BadResponse:
        return BadResponse(self.service, f"field {key!r} in the {self.where} {what}")

    def has(self, key: str) -> bool:
        return self.obj.get(key) is not None

    def raw(self, key: str) -> Any:
        if key not in self.obj:
            raise self._fail(key, "is missing")
        return self.obj[key]

    def text(self, key: str) -> str:
        value = self.raw(key)
        if not isinstance(value, str):
            raise self._fail(key, "is not text")
        return value

    def opt_text(self, key: str) -> str | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._fail(key, "is not text")
        return value

    def integer(self, key: str) -> int:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(key, "is not a number")
        return int(value)

    def opt_integer(self, key: str) -> int | None:
        if self.obj.get(key) is None:
            return None
        return self.integer(key)

    def number(self, key: str) -> float:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(key, "is not a number")
        return float(value)

    def opt_number(self, key: str) -> float | None:
        if self.obj.get(key) is None:
            return None
        return self.number(key)

    def flag(self, key: str) -> bool:
        value = self.raw(key)
        if not isinstance(value, bool):
            raise self._fail(key, "is not true/false")
        return value

    def array(self, key: str) -> list[Any]:
        value = self.raw(key)
        if not isinstance(value, list):
            raise self._fail(key, "is not a list")
        return value

    def child(self, key: str) -> Reader:
        return Reader(self.service, self.raw(key), f"{self.where}.{key}")

    def opt_child(self, key: str) -> Reader | None:
        if self.obj.get(key) is None:
            return None
        return self.child(key)

    def when(self, key: str) -> datetime:
        return parse_datetime(self.service, self.text(key), key)

    def opt_when(self, key: str) -> datetime | None:
        value = self.opt_text(key)
        return None if value is None else parse_datetime(self.service, value, key)

    def day(self, key: str) -> date:
        value = self.text(key)
        try:
            return date.fromisoformat(value[:10])
        except ValueError as exc:
            raise self._fail(key, "is not a date") from exc

    def objects(self, key: str) -> list[Reader]:
        return [
            Reader(self.service, item, f"{self.where}.{key}[{i}]")
            for i, item in enumerate(self.array(key))
        ]


def parse_datetime(service: str, value: str, key: str = "time") -> datetime:
    """ISO 8601 with or without zone; naive times are taken as UTC (the services say UTC)."""
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadResponse(service, f"field {key!r} is not an ISO 8601 time") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso_z(moment: datetime) -> str:
    """An aware datetime as `2024-01-01T00:00:00Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def field_errors(raw: Any) -> dict[str, list[str]]:
    """`{field: [text, …]}` (or `{field: text}`) as a service's validation errors; anything
    that is not text is left out."""
    errors: dict[str, list[str]] = {}
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            texts = [value] if isinstance(value, str) else value
            if isinstance(texts, list):
                errors[str(key)] = [t for t in texts if isinstance(t, str)]
    return errors


def message_and_fields(body: Any) -> tuple[str | None, dict[str, list[str]]]:
    """Laravel's `{"message"}` / `{"message", "errors": {field: [text]}}`, leniently."""
    if not isinstance(body, Mapping):
        return None, {}
    message = body.get("message")
    text = message.strip()[:300] if isinstance(message, str) else ""
    return text or None, field_errors(body.get("errors"))
