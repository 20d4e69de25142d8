"""Digest schedules: parsing, describing, and the instants they run at (pure, no I/O).

A `Schedule` is a wall-clock time in an IANA zone: ``daily HH:MM``, ``weekdays HH:MM``
(Monday to Friday), ``weekly DAY HH:MM`` or ``hourly :MM``. Every function takes and gives
aware datetimes and answers in UTC. Daylight saving is handled on the wall clock:

- a local time that does not exist (the spring-forward gap, e.g. 02:30 on the last Sunday
  of March in Europe/Berlin) runs at the first instant after the gap (03:00 local);
- a local time that happens twice (fall back) runs once, at its first occurrence (fold=0);
- ``hourly :MM`` runs whenever the local clock shows :MM, i.e. at :MM of every real hour:
  23 runs on a spring-forward day, 25 on a fall-back day.

`CatchUp` is the policy for runs that were missed (the bot was down, or a run fell between
two sweeps of the scheduler): the latest is posted if it was missed by less than the grace
(an hour); older misses are recorded as skipped, at most `MAX_SKIPPED` of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from bot.domain.values import echo
from bot.errors import UsageError

Kind = Literal["daily", "weekdays", "weekly", "hourly"]
KINDS: tuple[Kind, ...] = ("daily", "weekdays", "weekly", "hourly")
DEFAULT_RANGES: dict[str, str] = {
    "daily": "yesterday",
    "weekdays": "yesterday",
    "weekly": "last-week",
    "hourly": "24h",
}
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
GRACE = timedelta(hours=1)
MAX_SKIPPED = 50
SCHEDULE_HELP = "Schedules are `daily HH:MM`, `weekdays HH:MM`, `weekly DAY HH:MM` or `hourly :MM`."

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$", re.ASCII)  # ASCII digits, as bot.domain.values
_MINUTE = re.compile(r"^:?(\d{1,2})$", re.ASCII)
_TICK = timedelta(microseconds=1)
_MINUTE_STEP = timedelta(minutes=1)
_DAYS_SEARCHED = 10  # a weekly schedule recurs within 8 local days, with margin


@dataclass(frozen=True, slots=True)
class Schedule:
    """`hour` is None only for hourly; `weekday` (0 = Monday) is set only for weekly."""

    kind: Kind
    minute: int
    hour: int | None
    weekday: int | None
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown schedule kind {self.kind!r}")
        if not 0 <= self.minute <= 59:
            raise ValueError("minute must be 0..59")
        if self.kind == "hourly":
            if self.hour is not None or self.weekday is not None:
                raise ValueError("an hourly schedule has neither hour nor weekday")
            return
        if self.hour is None or not 0 <= self.hour <= 23:
            raise ValueError("hour must be 0..23")
        if (self.kind == "weekly") != (self.weekday is not None):
            raise ValueError("a weekday is required for weekly schedules and only for them")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday)..6 (Sunday)")


# ---- words ------------------------------------------------------------------------------


def _clock(word: str, kind: str) -> tuple[int, int]:
    match = _CLOCK.match(word)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour <= 23 and minute <= 59:
            return hour, minute
    raise UsageError(
        f"`{echo(word)}` is not a time of day: a {kind} schedule takes HH:MM on a 24-hour clock, "
        f"e.g. `{kind} 09:00`."
    )


def _weekday(word: str) -> int:
    lowered = word.lower()
    for number, name in enumerate(DAY_NAMES):
        if lowered in (name, name[:3]):
            return number
    raise UsageError(
        f"`{echo(word)}` is not a day of the week: use mon, tue, wed, thu, fri, sat or sun "
        "(or the full name)."
    )


class Scheduled(Protocol):
    """Anything stored with a schedule (a digest row)."""

    @property
    def schedule_kind(self) -> Kind: ...
    @property
    def minute(self) -> int: ...
    @property
    def hour(self) -> int | None: ...
    @property
    def weekday(self) -> int | None: ...
    @property
    def tz(self) -> str: ...


def schedule_of(row: Scheduled) -> Schedule:
    """The `Schedule` of a stored row (its zone is an IANA name)."""
    return Schedule(
        kind=row.schedule_kind,
        minute=row.minute,
        hour=row.hour,
        weekday=row.weekday,
        tz=ZoneInfo(row.tz),
    )


def parse_schedule(words: Sequence[str], tz: ZoneInfo) -> tuple[Schedule, int]:
    """Read a schedule from the start of `words`; answers it and how many words it used."""
    if not words:
        raise UsageError(f"Say when to post. {SCHEDULE_HELP}")
    kind = words[0].lower()
    if kind not in KINDS:
        raise UsageError(f"`{echo(words[0])}` is not a schedule. {SCHEDULE_HELP}")
    if len(words) < 2:
        example = {"weekly": "weekly mon 09:00", "hourly": "hourly :15"}.get(kind, f"{kind} 09:00")
        raise UsageError(f"A {kind} schedule needs a time, e.g. `{example}`. {SCHEDULE_HELP}")
    if kind == "hourly":
        match = _MINUTE.match(words[1])
        if not match or int(match.group(1)) > 59:
            raise UsageError(
                f"`{echo(words[1])}` is not a minute past the hour: say e.g. `hourly :15`."
            )
        return Schedule("hourly", int(match.group(1)), None, None, tz), 2
    if kind == "weekly":
        if len(words) < 3:
            raise UsageError("A weekly schedule needs a day and a time, e.g. `weekly mon 09:00`.")
        weekday = _weekday(words[1])
        hour, minute = _clock(words[2], kind)
        return Schedule("weekly", minute, hour, weekday, tz), 3
    hour, minute = _clock(words[1], kind)
    return Schedule("daily" if kind == "daily" else "weekdays", minute, hour, None, tz), 2


def _zone_name(tz: ZoneInfo) -> str:
    return tz.key or str(tz)


def describe(schedule: Schedule) -> str:
    """In words: ``every weekday at 09:00 Europe/Berlin``."""
    zone = _zone_name(schedule.tz)
    if schedule.kind == "hourly":
        return f"every hour at :{schedule.minute:02d} {zone}"
    at = f"{schedule.hour:02d}:{schedule.minute:02d} {zone}"
    if schedule.kind == "daily":
        return f"every day at {at}"
    if schedule.kind == "weekdays":
        return f"every weekday at {at}"
    assert schedule.weekday is not None
    return f"every {DAY_NAMES[schedule.weekday].capitalize()} at {at}"


def default_range(kind: str) -> str:
    """The range a digest covers unless told: yesterday, last week, or the last 24 hours."""
    return DEFAULT_RANGES[kind]


# ---- instants ---------------------------------------------------------------------------


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment.astimezone(UTC)


def _wall(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz).replace(tzinfo=None, fold=0)


def resolve(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time: its first occurrence if it happens twice, the
    first instant after the gap if it does not happen at all."""
    naive = datetime.combine(day, time(hour, minute))
    first = naive.replace(tzinfo=tz).astimezone(UTC)
    if _wall(first, tz) == naive:
        return first
    # In a gap: fold=0 and fold=1 read the time with the offsets on either side of the
    # transition; the transition (a whole second) lies between them.
    other = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = sorted((int(first.timestamp()), int(other.timestamp())))
    hi += 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _wall(datetime.fromtimestamp(mid, UTC), tz) >= naive:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _runs_on(schedule: Schedule, day: date) -> bool:
    if schedule.kind == "weekdays":
        return day.weekday() < 5
    if schedule.kind == "weekly":
        return day.weekday() == schedule.weekday
    return True


def _day_run(schedule: Schedule, day: date) -> datetime | None:
    if not _runs_on(schedule, day):
        return None
    assert schedule.hour is not None
    return resolve(day, schedule.hour, schedule.minute, schedule.tz)


def _offset(moment: datetime, tz: ZoneInfo) -> timedelta | None:
    return moment.astimezone(tz).utcoffset()


def _hourly(schedule: Schedule, start: datetime, step: int) -> datetime:
    """From the whole UTC minute `start`, the nearest instant (forward for step=1, backward
    for step=-1, `start` included) at which the local clock shows :MM:00."""
    tz, t = schedule.tz, start
    for _ in range(1000):
        local = t.astimezone(tz)
        if local.minute == schedule.minute and local.second == 0:
            return t
        gap = ((schedule.minute - local.minute) * step) % 60 or 60
        jump = t + step * timedelta(minutes=gap)
        # Jump straight there when no offset change lies between; else walk minute by minute.
        t = jump if _offset(jump, tz) == _offset(t, tz) else t + step * _MINUTE_STEP
    raise ValueError(f"no :{schedule.minute:02d} found near {start} in {tz}")


def next_run(schedule: Schedule, after: datetime) -> datetime:
    """The first scheduled instant strictly after `after` (aware in, aware UTC out)."""
    after = _aware(after, "after")
    if schedule.kind == "hourly":
        start = after.replace(second=0, microsecond=0) + _MINUTE_STEP
        return _hourly(schedule, start, 1)
    first = after.astimezone(schedule.tz).date() - timedelta(days=1)
    for i in range(_DAYS_SEARCHED):
        run = _day_run(schedule, first + timedelta(days=i))
        if run is not None and run > after:
            return run
    raise ValueError(f"no run of {schedule} found after {after}")


def latest_run_at_or_before(schedule: Schedule, moment: datetime) -> datetime | None:
    """The last scheduled instant at or before `moment`, or None if there is none nearby."""
    moment = _aware(moment, "moment")
    if schedule.kind == "hourly":
        return _hourly(schedule, moment.replace(second=0, microsecond=0), -1)
    last = moment.astimezone(schedule.tz).date() + timedelta(days=1)
    for i in range(_DAYS_SEARCHED):
        run = _day_run(schedule, last - timedelta(days=i))
        if run is not None and run <= moment:
            return run
    return None


# ---- missed runs ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What to do about the runs that fell due since a digest was last dealt with.

    Missed runs are those in (last run or creation, now]: usually just the one a sweep has
    come for, more after downtime. The newest is posted once if it was missed by less than
    `grace`; the others (and the newest too when it is older than `grace`) are recorded as
    skipped — only the `max_skipped` most recent, so a long downtime costs bounded work.
    Walks backwards from now, so the cost does not grow with the length of the downtime
    either.
    """

    grace: timedelta = GRACE
    max_skipped: int = MAX_SKIPPED

    def __call__(
        self,
        schedule: Schedule,
        last_run: datetime | None,
        created_at: datetime,
        now: datetime,
    ) -> tuple[datetime | None, list[datetime]]:
        since = _aware(created_at, "created_at")
        if last_run is not None:
            since = max(since, _aware(last_run, "last_run"))
        now = _aware(now, "now")
        missed: list[datetime] = []  # newest first
        run = latest_run_at_or_before(schedule, now)
        while run is not None and run > since and len(missed) <= self.max_skipped:
            missed.append(run)
            run = latest_run_at_or_before(schedule, run - _TICK)
        late: datetime | None = None
        if missed and now - missed[0] < self.grace:
            late = missed.pop(0)
        skipped = missed[: self.max_skipped]
        return late, sorted(skipped)
