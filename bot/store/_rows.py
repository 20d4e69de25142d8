"""Small helpers shared by the repositories: timestamps as ISO 8601 UTC text, and typed
reads of the loosely typed values sqlite3 hands back."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(when: datetime, *, precise: bool = False) -> str:
    """`when` as ISO 8601 UTC text with a fixed width, so text order is time order.

    Naive datetimes are refused: every time in the store is an instant, never a wall clock.
    """
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    return when.astimezone(UTC).isoformat(timespec="microseconds" if precise else "seconds")


def parse_iso(value: object) -> datetime:
    """The aware UTC datetime stored by `iso`."""
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def opt_iso(value: object) -> datetime | None:
    return None if value is None else parse_iso(value)


def text(value: object) -> str:
    return "" if value is None else str(value)


def opt_text(value: object) -> str | None:
    return None if value is None else str(value)


def integer(value: object) -> int:
    if isinstance(value, bool | int | float | str):
        return int(value)
    raise TypeError(f"expected an integer column, got {type(value).__name__}")


def opt_int(value: object) -> int | None:
    return None if value is None else integer(value)


def opt_float(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float | str):
        return float(value)
    raise TypeError(f"expected a real column, got {type(value).__name__}")
