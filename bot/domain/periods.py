"""RANGE: the period an answer covers, in the caller's Slack time zone.

`24h`/`7d`/`30d`/`90d` are rolling windows ending now; `today`, `yesterday`,
`this-week`, `last-week`, `this-month`, `last-month` and `YYYY-MM-DD..YYYY-MM-DD` (both
days inclusive) are calendar periods in the user's zone, weeks starting on Monday.
Local midnights are computed as wall-clock times, so a period spanning a daylight-saving
change is 23 or 25 hours a day where it must be. Explicit dates start no earlier than
`EARLIEST`, so the period before any of them is still a date (year 1 has none before it).

The period a change is measured against (PRODUCT §2, "Comparisons") is `Period.previous`:

- a rolling window: the window of equal length just before it (`7d` at 14:20: the 7 days
  ending 7 days ago at 14:20), in real time;
- a finished calendar period: the one of the same kind before it (`yesterday`: the day
  before; `last-week`: the week before; `last-month`: the month before, however long;
  `A..B` of N days: the N days before A);
- a calendar period in progress (`today`, `this-week`, `this-month`, or `A..B` reaching
  today): the same elapsed span of the previous one, on the wall clock: `today` until 14:20
  against yesterday 00:00–14:20, `this-month` on the 5th at 12:00 against the previous
  month's 1st 00:00 to 5th 12:00. When the previous month has no such day (the 29th–31st
  against a shorter month) it is taken whole: on 31 March, February to its end.

Wall clock means local midnight to the same local time, also across a daylight-saving
change: on the day clocks go forward `today` until 14:20 is 13h20m long and yesterday
until 14:20 is 14h20m; both are "the day until 14:20". A time the change skips (02:30 on
the day clocks go forward) is read as the moment after the gap, one it repeats as its
first occurrence.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
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
_TICK = timedelta(microseconds=1)

Kind = Literal["rolling", "day", "week", "month", "days"]


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) as aware UTC datetimes, with how to say it to the user.

    `kind` is what the period is a stretch of, and so what it is compared with (see the
    module's docstring): a `rolling` window, a calendar `day`, `week` or `month`, or
    `days`, an explicit range of `count` days. `running` is a calendar period still in
    progress: it ends now, before its calendar end. `asked` is the moment it was asked for
    (to the minute), what "so far" means.
    """

    start: datetime
    end: datetime
    label: str
    tz: ZoneInfo
    calendar: bool
    kind: Kind = "rolling"
    count: int = 1
    running: bool = False
    asked: datetime | None = None

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        """The period this one is compared with (PRODUCT §2): see the module's docstring."""
        if self.kind == "rolling":
            label = f"the {self.label.removeprefix('last ')} before"
            start, end = self.start - self.length, self.start
            return replace(self, start=start, end=end, label=label, running=False)
        start, _ = _back(self.start, self.kind, self.count, self.tz)
        end, whole = _back(self.end, self.kind, self.count, self.tz)
        return replace(self, start=start, end=end, label=self._before(whole), running=False)

    def _before(self, whole: bool) -> str:
        """How the previous period is named: `the day before`, `yesterday until the same
        time`, `all of last month (it is shorter)`…"""
        if self.kind == "days":
            before = "the day before" if self.count == 1 else f"the {self.count} days before"
            return f"{before} until the same time" if self.running else before
        if not self.running:
            return f"the {self.kind} before"
        if self.kind == "day":
            return "yesterday until the same time"
        if self.kind == "week":
            return "last week until the same day and time"
        if whole:
            return "all of last month (it is shorter)"
        return "last month until the same day and time"

    def versus(self) -> str:
        """The footer saying what ▲/▼ compare with: `▲/▼ against the 7 days before: Mon 09
        Nov 15:30 – Mon 16 Nov 15:30 (Europe/Berlin)`."""
        return f"▲/▼ against {self.previous().describe()}"

    def during(self) -> str:
        """In a sentence: `in the last 7 days`, `yesterday`, `on 20 Nov 2026`, `from
        2026-11-01 to 2026-11-07`."""
        if self.kind == "rolling":
            return f"in the {self.label}"
        if self.kind == "days":
            return f"on {self.label}" if self.count == 1 else f"from {self.label}"
        return self.label

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
        last = max(self.end - _TICK, self.start).astimezone(self.tz).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _wall(naive: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in `tz` as an aware UTC datetime."""
    return naive.replace(tzinfo=tz).astimezone(UTC)


def _back(moment: datetime, kind: Kind, count: int, tz: ZoneInfo) -> tuple[datetime, bool]:
    """The same wall-clock time in `tz` one period of `kind` earlier, and whether it was
    clamped: a month back from a day the previous month lacks (31 March) is that month's
    end."""
    wall = moment.astimezone(tz).replace(tzinfo=None)
    if kind == "month":
        year, month = (wall.year, wall.month - 1) if wall.month > 1 else (wall.year - 1, 12)
        days = monthrange(year, month)[1]
        if wall.day > days:
            return local_midnight(date(year, month, days) + timedelta(days=1), tz), True
        return _wall(wall.replace(year=year, month=month), tz), False
    step = {"day": 1, "week": 7}.get(kind, count)
    return _wall(wall - timedelta(days=step), tz), False


def covering_dates(start: datetime, end: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """The first and last date to ask a service that filters by whole days (WhatPulse) so
    that every moment of [start, end) is in: the dates of UTC and of the caller's zone
    both, as the service may read its filter in either. The answer is then cut to the
    exact period; the caller's days are the caller's, whatever the service's are."""
    last = max(end - _TICK, start)
    return (
        min(start.astimezone(UTC).date(), start.astimezone(tz).date()),
        max(last.astimezone(UTC).date(), last.astimezone(tz).date()),
    )


def _calendar(
    name: str, today: date, tz: ZoneInfo, now: datetime
) -> tuple[datetime, datetime, str, Kind]:
    if name == "today":
        return local_midnight(today, tz), now, "today so far", "day"
    if name == "yesterday":
        start = local_midnight(today - timedelta(days=1), tz)
        return start, local_midnight(today, tz), "yesterday", "day"
    monday = today - timedelta(days=today.weekday())
    if name == "this-week":
        return local_midnight(monday, tz), now, "this week so far", "week"
    if name == "last-week":
        start = local_midnight(monday - timedelta(days=7), tz)
        return start, local_midnight(monday, tz), "last week", "week"
    first = today.replace(day=1)
    if name == "this-month":
        return local_midnight(first, tz), now, "this month so far", "month"
    previous_first = (first - timedelta(days=1)).replace(day=1)
    return local_midnight(previous_first, tz), local_midnight(first, tz), "last month", "month"


def parse_range(text: str | None, now: datetime, tz: ZoneInfo, default: str = "7d") -> Period:
    """Turn RANGE into a `Period`; anything else is a `UsageError` saying what is allowed."""
    name = (text or default).strip().lower()
    # Whole minutes: answers within the same minute share cache entries upstream.
    now = now.astimezone(UTC).replace(second=0, microsecond=0)
    today = now.astimezone(tz).date()
    if name in ROLLING:
        span = ROLLING[name]
        label = "last 24 hours" if name == "24h" else f"last {span.days} days"
        return Period(now - span, now, label, tz, False, asked=now)
    if name in CALENDAR:
        start, end, label, kind = _calendar(name, today, tz, now)
        running = name == "today" or name.startswith("this-")
        return Period(start, end, label, tz, True, kind, running=running, asked=now)
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
        whole = local_midnight(last + timedelta(days=1), tz)
        end = min(whole, now)
        count = (last - first).days + 1
        # one day reads as one day: `20 Nov 2026`, not `2026-11-20 to 2026-11-20`
        label = f"{first:%d %b %Y}" if count == 1 else f"{first.isoformat()} to {last.isoformat()}"
        start = local_midnight(first, tz)
        return Period(start, end, label, tz, True, "days", count, end < whole, now)
    raise UsageError(f"`{echo(str(text))}` is not a range I know. {RANGE_HELP}.")


def looks_like_range(word: str) -> bool:
    return word.lower() in NAMES or bool(_EXPLICIT.match(word.lower()))
