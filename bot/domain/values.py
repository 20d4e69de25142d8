"""Numbers as people type them, read in one place — and what an answer quotes of them.

Every number a command reads comes through here: whole numbers (`--limit 20`), the
numbers of stored digests and alerts (`3`, `#3`), amounts such as thresholds (`50`,
`2.5k`, `1M`, `70%`). Durations (`bot.domain.durations`), dates (`bot.domain.periods`)
and times of day (`bot.features.recurrence`) take their digits the same way:

- only ASCII digits count: `²` and `٣` are digits to `str.isdigit` and to `int`, but no
  one means them as a number;
- a number is judged by its length before `int()` sees it, so no input meets Python's
  4,300-digit limit or SQLite's 64-bit integers (and no date is before
  `periods.EARLIEST`, so date arithmetic never leaves the calendar);
- the sentence for a wrong value quotes what was typed through `echo`, at most
  `ECHO_LIMIT` characters.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from bot.errors import UsageError

ECHO_LIMIT = 60
"""The most characters of what someone typed that an answer repeats."""
MAX_RECORD = 2**63 - 1
"""The largest number a stored record can have (SQLite's INTEGER); beyond it there is none."""
MAX_DIGITS = 20
"""More digits than this (leading zeros aside) is beyond every bound used here."""
DIGITS = "[0-9]"
"""What a digit is, for the patterns of durations, dates and times of day."""

_INTEGER = re.compile(r"([+-]?)([0-9]+)")
_RECORD = re.compile(r"#?([0-9]+)")
_AMOUNT = re.compile(
    r"(?P<number>[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?:e[+-]?[0-9]{1,3})?)(?P<scale>[kmb])?%?",
    re.IGNORECASE,
)
_SCALES = {"": Decimal(1), "k": Decimal(10**3), "m": Decimal(10**6), "b": Decimal(10**9)}
_LONGEST_AMOUNT = 40


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """What was typed, as an answer quotes it (inside backticks): at most `limit`
    characters, cut with `…`; a backtick would end the quote early, so it becomes `'`."""
    text = text.replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def integer(text: str) -> int | None:
    """An ASCII whole number, optionally signed, that fits in `MAX_DIGITS` digits → its
    value; None for anything else (`²`, `٣`, `1.5`, `1_000`, `9` × 4,301)."""
    match = _INTEGER.fullmatch(text.strip())
    if match is None:
        return None
    sign, digits = match.group(1), match.group(2).lstrip("0") or "0"
    return int(sign + digits) if len(digits) <= MAX_DIGITS else None


def whole_number(text: str, *, what: str, low: int, high: int) -> int:
    """`text` as a whole number within [low, high]; otherwise a sentence naming `what`
    (e.g. "`--limit`")."""
    word = text.strip()
    match = _INTEGER.fullmatch(word)
    if match is None:
        raise UsageError(f"{what} must be a whole number, not `{echo(text)}`.")
    value = integer(word)
    if value is None or not low <= value <= high:
        raise UsageError(f"{what} must be between {low:,} and {high:,} (got {echo(word)}).")
    return value


def identifier(text: str, *, malformed: str) -> int | None:
    """The number of something stored, here or upstream, as typed: `3` or `#3` → 3.

    Not written as one (ASCII digits after an optional `#`): a UsageError saying
    `malformed`. Well-formed but beyond what any record can have (0, or 2^63 and more):
    None, for the caller to say there is no such thing before anything is asked."""
    match = _RECORD.fullmatch(text.strip())
    if match is None:
        raise UsageError(malformed)
    value = integer(match.group(1))
    return value if value is not None and 1 <= value <= MAX_RECORD else None


def record_number(text: str, *, noun: str, listing: str) -> int:
    """The number of a stored `noun` (a digest, an alert): `3` or `#3` → 3. `listing` is
    the command that shows the numbers; a number no record can have is `no_such`."""
    value = identifier(text, malformed=f"Give the {noun}'s number, as shown by `{listing}`.")
    if value is None:
        raise no_such(noun, text.strip().lstrip("#"), listing=listing)
    return value


def no_such(noun: str, number: int | str, *, listing: str) -> UsageError:
    """There is no `noun` with that number in this workspace."""
    return UsageError(f"There is no {noun} #{echo(str(number))} in this workspace.", usage=listing)


def amount(text: str, *, what: str, low: float, high: float) -> float:
    """A number as people write it and as the bot prints it — `50`, `-3`, `2.5`, `1,200`,
    `1k`, `2.5k`, `1M`, `3B`, `70%`, `1e3` — within [low, high]. NaN and infinities are
    no amount."""
    word = text.strip()
    match = _AMOUNT.fullmatch(word) if len(word) <= _LONGEST_AMOUNT else None
    if match is None:
        raise UsageError(f"`{echo(text)}` is not a number. Write e.g. `50`, `2.5k` or `1M`.")
    scale = match.group("scale")
    exact = Decimal(match.group("number").replace(",", "")) * _SCALES[(scale or "").lower()]
    value = float(exact)  # 1.1k is 1100, not 1100.0000000000002
    if not math.isfinite(value) or not low <= value <= high:
        raise UsageError(
            f"{what} must be between {plain(low)} and {plain(high)} (got `{echo(word)}`)."
        )
    return value


def plain(number: float) -> str:
    """A bound as a sentence states it: `0`, `100`, `1,000,000,000,000`, `0.5`."""
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:,g}"
