"""Durations as people type and read them: `30s`, `5m`, `2h30m`, `1d`."""

from __future__ import annotations

import re

from bot.errors import UsageError

_DAY = 86400
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def format_duration(seconds: int) -> str:
    """`9000` → ``2h30m``; ``0`` for zero."""
    parts, rest = [], seconds
    for unit, size in _UNITS:
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts) or "0"


def parse_duration(
    text: str, *, minimum: int = 0, maximum: int = 30 * _DAY, option: str = "duration"
) -> int:
    """`30s`, `5m`, `1h`, `2h30m`, `1d` (or `0`) → seconds within [minimum, maximum]."""
    word = text.strip().lower()
    match = _DURATION.match(word)
    if word == "0":
        seconds = 0
    elif word and match:
        seconds = sum(
            int(g or 0) * size for g, (_, size) in zip(match.groups(), _UNITS, strict=True)
        )
    else:
        raise UsageError(
            f"`{text}` is not a duration: say e.g. `30s`, `5m`, `1h`, `2h30m` or `1d`."
        )
    if not minimum <= seconds <= maximum:
        raise UsageError(
            f"`{option}` must be between {format_duration(minimum)} and "
            f"{format_duration(maximum)} (got {text})."
        )
    return seconds
