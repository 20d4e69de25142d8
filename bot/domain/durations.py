"""Durations as people type and read them: `30s`, `5m`, `2h30m`, `1d`.

Digits are ASCII (`bot.domain.values`), and a number of more digits than any bound is out
of bounds before `int()` sees it."""

from __future__ import annotations

import re

from bot.domain.values import DIGITS, echo, integer
from bot.errors import UsageError

_DAY = 86400
_AMOUNT = f"({DIGITS}+)"
_DURATION = re.compile(rf"^(?:{_AMOUNT}d)?(?:{_AMOUNT}h)?(?:{_AMOUNT}m)?(?:{_AMOUNT}s)?$")
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
        amounts = [integer(g or "0") for g in match.groups()]
        seconds = sum(
            maximum + 1 if n is None else n * size
            for n, (_, size) in zip(amounts, _UNITS, strict=True)
        )
    else:
        raise UsageError(
            f"`{echo(text)}` is not a duration: say e.g. `30s`, `5m`, `1h`, `2h30m` or `1d`."
        )
    if not minimum <= seconds <= maximum:
        raise UsageError(
            f"`{option}` must be between {format_duration(minimum)} and "
            f"{format_duration(maximum)} (got {echo(text)})."
        )
    return seconds
