"""RANGE: the period an answer covers, in the caller's Slack time zone.

`24h`/`7d`/`30d`/`90d` are rolling windows ending now; `today`, `yesterday`,
`this-week`, `last-week`, `this-month`, `last-month` and `YYYY-MM-DD..YYYY-MM-DD` (both
days inclusive) are calendar periods in the user's zone, weeks starting on Monday.
Local midnights are computed as wall-clock times, so a period spanning a daylight-saving
change is 23 or 25 hours a day where it must be. Explicit dates start no earlier than
`EARLIEST`, so the period before any of them is still a date (year 1 has none before it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.values import DIGITS, echo
from bot.errors import UsageError

ROLLING = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
CALENDAR = ("today", "yesterday", "this-week", "last-week", "this-month", "last-month")
NAMES = (*ROLLING, *CALENDAR)
RANGE_HELP = (
    "RANGE is one of today, yesterday, 24h, 7d, 30d, 90d, this-week, last-week, this-month, "
    "last-month, or YYYY-MM-DD..YYYY-MM-DD"
)
_DAY = f"({DIGITS}{{4}}-{DIGITS}{{2}}-{DIGITS}{{2}})"
_EXPLICIT = re.compile(rf"^{_DAY}\.\.{_DAY}$")
MAX_DAYS = 366
EARLIEST = date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) as aware UTC datetimes, with how to say it to the user."""

    start: datetime
    end: datetime
    label: str
    tz: ZoneInfo
    calendar: bool

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        """The period of equal length immediately before this one."""
        return Period(self.start - self.length, self.start, f"before {self.label}", self.tz, False)

    def during(self) -> str:
        """In a sentence: `in the last 7 days`, `yesterday`, `from 2026-11-01 to 2026-11-07`."""
        if not self.calendar:
            return f"in the {self.label}"
        return f"from {self.label}" if self.label[:1].isdigit() else self.label

    def local_start(self) -> datetime:
        return self.start.astimezone(self.tz)

    def local_end(self) -> datetime:
        return self.end.astimezone(self.tz)

    def describe(self) -> str:
        """The exact period covered, e.g. `Mon 16 Nov 00:00 – Mon 23 Nov 00:00 (Europe/Berlin)`."""
        start, end = self.local_start(), self.local_end()
        fmt = "%a %d %b %Y %H:%M" if start.year != end.year else "%a %d %b %H:%M"
        zone = self.tz.key
        return f"{self.label}: {start.strftime(fmt)} – {end.strftime(fmt)} ({zone})"

    def days(self) -> list[date]:
        """The local calendar days the period touches, in order."""
        first = self.local_start().date()
        last = (self.end - timedelta(microseconds=1)).astimezone(self.tz).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _calendar(
    name: str, today: date, tz: ZoneInfo, now: datetime
) -> tuple[datetime, datetime, str]:
    if name == "today":
        return local_midnight(today, tz), now, "today so far"
    if name == "yesterday":
        return local_midnight(today - timedelta(days=1), tz), local_midnight(today, tz), "yesterday"
    monday = today - timedelta(days=today.weekday())
    if name == "this-week":
        return local_midnight(monday, tz), now, "this week so far"
    if name == "last-week":
        return (
            local_midnight(monday - timedelta(days=7), tz),
            local_midnight(monday, tz),
            "last week",
        )
    first = today.replace(day=1)
    if name == "this-month":
        return local_midnight(first, tz), now, "this month so far"
    previous_first = (first - timedelta(days=1)).replace(day=1)
    return local_midnight(previous_first, tz), local_midnight(first, tz), "last month"


def parse_range(text: str | None, now: datetime, tz: ZoneInfo, default: str = "7d") -> Period:
    """Turn RANGE into a `Period`; anything else is a `UsageError` saying what is allowed."""
    name = (text or default).strip().lower()
    # Whole minutes: answers within the same minute share cache entries upstream.
    now = now.astimezone(UTC).replace(second=0, microsecond=0)
    today = now.astimezone(tz).date()
    if name in ROLLING:
        span = ROLLING[name]
        label = "last 24 hours" if name == "24h" else f"last {span.days} days"
        return Period(now - span, now, label, tz, False)
    if name in CALENDAR:
        start, end, label = _calendar(name, today, tz, now)
        return Period(start, end, label, tz, True)
    match = _EXPLICIT.match(name)
    if match:
        try:
            first, last = (date.fromisoformat(match.group(i)) for i in (1, 2))
        except ValueError:
            raise UsageError(f"`{echo(name)}` has a date that does not exist.") from None
        if last < first:
            raise UsageError(f"`{echo(name)}` ends before it starts.")
        if (last - first).days + 1 > MAX_DAYS:
            raise UsageError(f"`{echo(name)}` is longer than {MAX_DAYS} days.")
        if first > today:
            raise UsageError(f"`{echo(name)}` is entirely in the future.")
        if first < EARLIEST:
            raise UsageError(f"`{echo(name)}` starts before {EARLIEST.isoformat()}.")
        end = min(local_midnight(last + timedelta(days=1), tz), now)
        label = f"{first.isoformat()} to {last.isoformat()}"
        return Period(local_midnight(first, tz), end, label, tz, True)
    raise UsageError(f"`{echo(str(text))}` is not a range I know. {RANGE_HELP}.")


def looks_like_range(word: str) -> bool:
    return word.lower() in NAMES or bool(_EXPLICIT.match(word.lower()))
