"""Digest schedules: wall-clock times across daylight saving, parsing, what to do about
missed runs. Explicit zones and fixed instants only; nothing sleeps."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UsageError
from bot.features.recurrence import (
    KINDS,
    MAX_SKIPPED,
    CatchUp,
    Kind,
    Schedule,
    default_range,
    describe,
    latest_run_at_or_before,
    next_run,
    parse_schedule,
    resolve,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# 2026: Europe springs forward Sun 29 Mar 01:00 UTC and falls back Sun 25 Oct 01:00 UTC;
# New York springs forward Sun 8 Mar 07:00 UTC and falls back Sun 1 Nov 06:00 UTC.


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def daily(hour: int, minute: int, tz: ZoneInfo) -> Schedule:
    return Schedule("daily", minute, hour, None, tz)


def hourly(minute: int, tz: ZoneInfo) -> Schedule:
    return Schedule("hourly", minute, None, None, tz)


def runs_between(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """Every scheduled instant in (start, end], oldest first, by walking `next_run`."""
    runs: list[datetime] = []
    run = next_run(schedule, start)
    while run <= end:
        runs.append(run)
        run = next_run(schedule, run)
    return runs


catch_up = CatchUp()


# ---- daylight saving --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "hour", "after", "expected_utc", "expected_local"),
    [
        pytest.param(
            BERLIN,
            2,
            utc(2026, 3, 28, 12),
            utc(2026, 3, 29, 1),
            "03:00+02:00",
            id="berlin-02:30-in-the-gap-runs-at-03:00",
        ),
        pytest.param(
            NEW_YORK,
            2,
            utc(2026, 3, 7, 12),
            utc(2026, 3, 8, 7),
            "03:00-04:00",
            id="new-york-02:30-in-the-gap-runs-at-03:00",
        ),
        pytest.param(
            BERLIN,
            2,
            utc(2026, 10, 24, 12),
            utc(2026, 10, 25, 0, 30),
            "02:30+02:00",
            id="berlin-02:30-twice-runs-at-the-first",
        ),
        pytest.param(
            NEW_YORK,
            1,
            utc(2026, 10, 31, 12),
            utc(2026, 11, 1, 5, 30),
            "01:30-04:00",
            id="new-york-01:30-twice-runs-at-the-first",
        ),
    ],
)
def test_dst_edge_times(
    tz: ZoneInfo, hour: int, after: datetime, expected_utc: datetime, expected_local: str
) -> None:
    run = next_run(daily(hour, 30, tz), after)
    assert run == expected_utc
    assert run.tzinfo is UTC
    assert run.astimezone(tz).isoformat(timespec="minutes")[11:] == expected_local


@pytest.mark.parametrize("tz", [BERLIN, NEW_YORK], ids=["berlin", "new-york"])
def test_a_repeated_time_runs_once(tz: ZoneInfo) -> None:
    fall_back_day = {BERLIN: (2026, 10, 25), NEW_YORK: (2026, 11, 1)}[tz]
    hour = 2 if tz is BERLIN else 1
    schedule = daily(hour, 30, tz)
    day_start = resolve(datetime(*fall_back_day).date(), 0, 0, tz)
    runs = runs_between(schedule, day_start, day_start + timedelta(hours=25))
    assert len(runs) == 1
    second_occurrence = runs[0] + timedelta(hours=1)
    assert second_occurrence.astimezone(tz).strftime("%H:%M") == f"{hour:02d}:30"
    assert next_run(schedule, runs[0]) > second_occurrence + timedelta(hours=20)


@pytest.mark.parametrize(
    ("tz", "day", "count"),
    [
        pytest.param(BERLIN, (2026, 3, 29), 23, id="berlin-spring-23"),
        pytest.param(BERLIN, (2026, 10, 25), 25, id="berlin-fall-25"),
        pytest.param(NEW_YORK, (2026, 3, 8), 23, id="new-york-spring-23"),
        pytest.param(NEW_YORK, (2026, 11, 1), 25, id="new-york-fall-25"),
        pytest.param(BERLIN, (2026, 6, 1), 24, id="berlin-summer-24"),
    ],
)
def test_hourly_runs_every_real_hour(tz: ZoneInfo, day: tuple[int, int, int], count: int) -> None:
    local_day = datetime(*day).date()
    start = resolve(local_day, 0, 0, tz) - timedelta(microseconds=1)
    end = resolve(local_day + timedelta(days=1), 0, 0, tz) - timedelta(microseconds=1)
    runs = runs_between(hourly(15, tz), start, end)
    assert len(runs) == count
    assert all(r.astimezone(tz).minute == 15 for r in runs)
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(runs))


@pytest.mark.parametrize(
    ("tz", "before", "after"),
    [
        pytest.param(BERLIN, utc(2026, 3, 28, 8), utc(2026, 3, 30, 7), id="berlin-spring"),
        pytest.param(BERLIN, utc(2026, 10, 24, 7), utc(2026, 10, 26, 8), id="berlin-fall"),
        pytest.param(NEW_YORK, utc(2026, 3, 7, 14), utc(2026, 3, 9, 13), id="new-york-spring"),
        pytest.param(NEW_YORK, utc(2026, 10, 31, 13), utc(2026, 11, 2, 14), id="new-york-fall"),
    ],
)
def test_nine_oclock_stays_nine_oclock(tz: ZoneInfo, before: datetime, after: datetime) -> None:
    schedule = daily(9, 0, tz)
    runs = runs_between(schedule, before - timedelta(hours=1), after)
    assert runs[0] == before and runs[-1] == after and len(runs) == 3
    assert {r.astimezone(tz).time() for r in runs} == {time(9, 0)}
    assert runs[0].astimezone(tz).utcoffset() != runs[-1].astimezone(tz).utcoffset()


# ---- kinds ------------------------------------------------------------------------------


def test_weekdays_skip_the_weekend() -> None:
    schedule = Schedule("weekdays", 0, 9, None, BERLIN)
    friday_after = utc(2026, 11, 27, 9)  # Fri 27 Nov 10:00 Berlin
    run = next_run(schedule, friday_after)
    assert run == utc(2026, 11, 30, 8)  # Mon 30 Nov 09:00 Berlin
    week = runs_between(schedule, utc(2026, 11, 22), utc(2026, 11, 29))
    assert [r.astimezone(BERLIN).strftime("%a") for r in week] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
    ]


def test_weekly_runs_on_its_day() -> None:
    schedule = Schedule("weekly", 30, 8, 2, NEW_YORK)  # Wednesdays 08:30
    runs = runs_between(schedule, utc(2026, 11, 1), utc(2026, 11, 30))
    assert [r.astimezone(NEW_YORK).day for r in runs] == [4, 11, 18, 25]
    assert {r.astimezone(NEW_YORK).strftime("%a %H:%M") for r in runs} == {"Wed 08:30"}
    # exactly at a run: the next one is a week later, the latest is that run
    assert next_run(schedule, runs[0]) == runs[1]
    assert latest_run_at_or_before(schedule, runs[1]) == runs[1]
    assert latest_run_at_or_before(schedule, runs[1] - timedelta(microseconds=1)) == runs[0]


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_run(daily(9, 0, BERLIN), datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("kind", "minute", "hour", "weekday"),
    [
        pytest.param("daily", 0, None, None, id="daily-without-hour"),
        pytest.param("hourly", 0, 9, None, id="hourly-with-hour"),
        pytest.param("weekly", 0, 9, None, id="weekly-without-day"),
        pytest.param("daily", 60, 9, None, id="minute-60"),
        pytest.param("monthly", 0, 9, None, id="unknown-kind"),
    ],
)
def test_inconsistent_schedules_are_refused(
    kind: str, minute: int, hour: int | None, weekday: int | None
) -> None:
    with pytest.raises(ValueError):
        Schedule(kind, minute, hour, weekday, BERLIN)  # type: ignore[arg-type]


# ---- words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected", "used", "said"),
    [
        pytest.param(
            ["daily", "09:00"],
            ("daily", 0, 9, None),
            2,
            "every day at 09:00 Europe/Berlin",
            id="daily",
        ),
        pytest.param(
            ["Weekdays", "9:05", "--x"],
            ("weekdays", 5, 9, None),
            2,
            "every weekday at 09:05 Europe/Berlin",
            id="weekdays-short-hour",
        ),
        pytest.param(
            ["weekly", "mon", "08:30"],
            ("weekly", 30, 8, 0),
            3,
            "every Monday at 08:30 Europe/Berlin",
            id="weekly-short-day",
        ),
        pytest.param(
            ["weekly", "Sunday", "23:59"],
            ("weekly", 59, 23, 6),
            3,
            "every Sunday at 23:59 Europe/Berlin",
            id="weekly-full-day",
        ),
        pytest.param(
            ["hourly", ":15"],
            ("hourly", 15, None, None),
            2,
            "every hour at :15 Europe/Berlin",
            id="hourly",
        ),
        pytest.param(
            ["hourly", "05"],
            ("hourly", 5, None, None),
            2,
            "every hour at :05 Europe/Berlin",
            id="hourly-bare-minute",
        ),
    ],
)
def test_parse_and_describe(
    words: list[str],
    expected: tuple[str, int, int | None, int | None],
    used: int,
    said: str,
) -> None:
    schedule, consumed = parse_schedule(words, BERLIN)
    assert (schedule.kind, schedule.minute, schedule.hour, schedule.weekday) == expected
    assert schedule.tz == BERLIN and consumed == used
    assert describe(schedule) == said


@pytest.mark.parametrize(
    ("words", "said"),
    [
        pytest.param([], "Say when to post", id="nothing"),
        pytest.param(["monthly", "09:00"], "`monthly` is not a schedule", id="unknown-kind"),
        pytest.param(["daily"], "A daily schedule needs a time, e.g. `daily 09:00`", id="no-time"),
        pytest.param(["daily", "25:00"], "`25:00` is not a time of day", id="hour-25"),
        pytest.param(["daily", "9am"], "`9am` is not a time of day", id="am-pm"),
        pytest.param(["weekdays", "09:60"], "`09:60` is not a time of day", id="minute-60"),
        pytest.param(["weekly", "09:00"], "needs a day and a time", id="weekly-no-day"),
        pytest.param(
            ["weekly", "someday", "09:00"], "`someday` is not a day of the week", id="bad-day"
        ),
        pytest.param(["hourly", ":75"], "`:75` is not a minute past the hour", id="minute-75"),
        pytest.param(["hourly", "9:15"], "`9:15` is not a minute past the hour", id="hh-mm"),
    ],
)
def test_parse_errors_say_what_is_wrong(words: list[str], said: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_schedule(words, BERLIN)
    assert said in caught.value.message


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("daily", "yesterday"), ("weekdays", "yesterday"), ("weekly", "last-week"), ("hourly", "24h")],
)
def test_default_ranges(kind: str, expected: str) -> None:
    assert default_range(kind) == expected


# ---- missed runs ------------------------------------------------------------------------


def test_missed_by_30_minutes_is_posted_once_late() -> None:
    schedule = daily(9, 0, BERLIN)
    nine = utc(2026, 11, 23, 8)
    late, skipped = catch_up(
        schedule, nine - timedelta(days=1), utc(2026, 1, 1), nine + timedelta(minutes=30)
    )
    assert (late, skipped) == (nine, [])
    # once posted, it is the last run: nothing more to catch up
    assert catch_up(schedule, nine, utc(2026, 1, 1), nine + timedelta(minutes=31)) == (None, [])


def test_missed_by_3_hours_is_skipped_and_recorded() -> None:
    schedule = daily(9, 0, BERLIN)
    nine = utc(2026, 11, 23, 8)
    late, skipped = catch_up(
        schedule, nine - timedelta(days=1), utc(2026, 1, 1), nine + timedelta(hours=3)
    )
    assert (late, skipped) == (None, [nine])


def test_exactly_an_hour_late_is_too_late() -> None:
    schedule = daily(9, 0, BERLIN)
    nine = utc(2026, 11, 23, 8)
    yesterday = nine - timedelta(days=1)
    just_in_time = nine + timedelta(hours=1) - timedelta(microseconds=1)
    assert catch_up(schedule, yesterday, utc(2026, 1, 1), just_in_time) == (nine, [])
    too_late = nine + timedelta(hours=1)
    assert catch_up(schedule, yesterday, utc(2026, 1, 1), too_late) == (None, [nine])


def test_hourly_after_two_hours_posts_the_newest_and_skips_the_older() -> None:
    schedule = hourly(0, BERLIN)
    late, skipped = catch_up(
        schedule, utc(2026, 11, 23, 7), utc(2026, 1, 1), utc(2026, 11, 23, 9, 10)
    )
    assert (late, skipped) == (utc(2026, 11, 23, 9), [utc(2026, 11, 23, 8)])


def test_a_new_digest_has_nothing_to_catch_up_from_before_it_existed() -> None:
    schedule = daily(9, 0, BERLIN)
    created = utc(2026, 11, 23, 8, 30)  # after today's run
    assert catch_up(schedule, None, created, utc(2026, 11, 23, 12)) == (None, [])
    late, skipped = catch_up(schedule, None, created, utc(2026, 11, 24, 8, 10))
    assert (late, skipped) == (utc(2026, 11, 24, 8), [])


def test_long_downtime_is_bounded_and_keeps_the_latest_misses() -> None:
    schedule = hourly(5, BERLIN)
    now = utc(2026, 11, 23, 12, 20)
    late, skipped = catch_up(schedule, utc(2025, 11, 1), utc(2025, 1, 1), now)
    assert late == utc(2026, 11, 23, 12, 5)
    assert len(skipped) == MAX_SKIPPED
    assert skipped == sorted(skipped)
    assert skipped[-1] == utc(2026, 11, 23, 11, 5)
    assert skipped[0] == utc(2026, 11, 23, 11, 5) - timedelta(hours=MAX_SKIPPED - 1)
    small = CatchUp(grace=timedelta(minutes=10), max_skipped=3)
    assert small(schedule, utc(2025, 11, 1), utc(2025, 1, 1), now) == (
        None,
        [utc(2026, 11, 23, h, 5) for h in (10, 11, 12)],
    )


# ---- properties -------------------------------------------------------------------------

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "UTC",
    "Pacific/Chatham",
]


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    kind: Kind = draw(st.sampled_from(KINDS))
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    minute = draw(st.integers(0, 59))
    if kind == "hourly":
        return Schedule("hourly", minute, None, None, tz)
    hour = draw(st.integers(0, 23))
    weekday = draw(st.integers(0, 6)) if kind == "weekly" else None
    return Schedule(kind, minute, hour, weekday, tz)


# Roughly when the sampled zones change their clocks in 2026 (Lord Howe by 30 minutes).
TRANSITIONS = [
    utc(2026, 3, 29, 1),
    utc(2026, 10, 25, 1),
    utc(2026, 3, 8, 7),
    utc(2026, 11, 1, 6),
    utc(2026, 4, 4, 15),
    utc(2026, 10, 3, 15, 30),
    utc(2026, 4, 4, 14),
    utc(2026, 9, 26, 14),
]
instants = st.one_of(
    st.datetimes(
        min_value=datetime(1995, 1, 1), max_value=datetime(2045, 12, 31), timezones=st.just(UTC)
    ),
    st.builds(
        lambda base, seconds: base + timedelta(seconds=seconds),
        st.sampled_from(TRANSITIONS),
        st.floats(-36 * 3600, 36 * 3600),
    ),
)


@settings(max_examples=200, deadline=None)
@given(schedule=schedules(), after=instants)
def test_next_run_properties(schedule: Schedule, after: datetime) -> None:
    run = next_run(schedule, after)
    assert run > after
    assert next_run(schedule, run - timedelta(microseconds=1)) == run
    # nothing scheduled was jumped over
    previous = latest_run_at_or_before(schedule, run - timedelta(microseconds=1))
    assert previous is None or previous <= after
    assert latest_run_at_or_before(schedule, run) == run

    local = run.astimezone(schedule.tz)
    if schedule.kind == "hourly":
        assert (local.minute, local.second) == (schedule.minute, 0)
        return
    assert schedule.hour is not None
    target = time(schedule.hour, schedule.minute)
    day = local.date()
    if schedule.kind == "weekdays":
        assert day.weekday() < 5
    if schedule.kind == "weekly":
        assert day.weekday() == schedule.weekday
    if local.time() == target:
        # the first occurrence of that wall time
        first = datetime.combine(day, target, tzinfo=schedule.tz).astimezone(UTC)
        assert run == first
    else:
        # the wall time does not exist that day; the run is the first instant after the gap
        naive = datetime.combine(day, target)
        assert local.replace(tzinfo=None) > naive
        just_before = (run - timedelta(seconds=1)).astimezone(schedule.tz)
        assert just_before.replace(tzinfo=None) < naive
