"""What a change is measured against (PRODUCT §2, "Comparisons"): like with like, for
rolling windows, finished calendar periods and calendar periods in progress, in the
caller's zone, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.periods import Period, covering_dates, parse_range

BERLIN = ZoneInfo("Europe/Berlin")
AUCKLAND = ZoneInfo("Pacific/Auckland")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def at(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A local wall-clock time in `tz` as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def local(moment: datetime, tz: ZoneInfo) -> tuple[int, ...]:
    """(year, month, day, hour, minute) of `moment` on the wall clock of `tz`."""
    wall = moment.astimezone(tz)
    return wall.year, wall.month, wall.day, wall.hour, wall.minute


def span(period: Period) -> tuple[tuple[int, ...], tuple[int, ...]]:
    return local(period.start, period.tz), local(period.end, period.tz)


# ---- rolling windows: the window of equal length just before ------------------------------


@pytest.mark.parametrize(
    ("name", "length", "label"),
    [
        pytest.param("24h", timedelta(hours=24), "the 24 hours before", id="24h"),
        pytest.param("7d", timedelta(days=7), "the 7 days before", id="7d"),
        pytest.param("30d", timedelta(days=30), "the 30 days before", id="30d"),
        pytest.param("90d", timedelta(days=90), "the 90 days before", id="90d"),
    ],
)
def test_a_rolling_window_is_compared_with_the_window_of_equal_length_before(
    name: str, length: timedelta, label: str
) -> None:
    now = at(BERLIN, 2026, 11, 23, 14, 20).astimezone(UTC)  # real time, not wall clock
    period = parse_range(name, now, BERLIN)
    before = period.previous()
    assert (period.end, period.length) == (now, length)
    assert (before.start, before.end) == (now - 2 * length, now - length)
    assert before.label == label


def test_a_rolling_day_across_the_spring_change_is_24_real_hours() -> None:
    # Sun 29 Mar 2026, Berlin: 02:00 becomes 03:00; 24h is still 24 hours
    period = parse_range("24h", at(BERLIN, 2026, 3, 29, 14, 20), BERLIN)
    assert period.length == period.previous().length == timedelta(hours=24)
    assert local(period.start, BERLIN) == (2026, 3, 28, 13, 20)  # a wall-clock hour less


# ---- finished calendar periods: the one of the same kind before ---------------------------


@pytest.mark.parametrize(
    ("name", "now", "before", "label"),
    [
        pytest.param(
            "yesterday",
            (2026, 11, 23, 14, 20),
            ((2026, 11, 21, 0, 0), (2026, 11, 22, 0, 0)),
            "the day before",
            id="yesterday",
        ),
        pytest.param(
            "last-week",
            (2026, 11, 25, 9, 0),  # a Wednesday
            ((2026, 11, 9, 0, 0), (2026, 11, 16, 0, 0)),
            "the week before",
            id="last-week",
        ),
        pytest.param(
            "last-month",
            (2026, 3, 5, 9, 0),  # last month is February (28 days), the one before January
            ((2026, 1, 1, 0, 0), (2026, 2, 1, 0, 0)),
            "the month before",
            id="last-month-of-another-length",
        ),
        pytest.param(
            "2026-11-10..2026-11-16",
            (2026, 11, 23, 14, 20),
            ((2026, 11, 3, 0, 0), (2026, 11, 10, 0, 0)),
            "the 7 days before",
            id="explicit-7-days",
        ),
        pytest.param(
            "2026-11-20..2026-11-20",
            (2026, 11, 23, 14, 20),
            ((2026, 11, 19, 0, 0), (2026, 11, 20, 0, 0)),
            "the day before",
            id="explicit-one-day",
        ),
    ],
)
def test_a_finished_calendar_period_is_compared_with_the_one_of_the_same_kind_before(
    name: str,
    now: tuple[int, ...],
    before: tuple[tuple[int, ...], tuple[int, ...]],
    label: str,
) -> None:
    period = parse_range(name, at(BERLIN, *now), BERLIN)
    assert not period.running
    assert span(period.previous()) == before
    assert period.previous().label == label


def test_last_month_is_compared_with_a_whole_month_however_long() -> None:
    period = parse_range("last-month", at(BERLIN, 2026, 4, 2, 9, 0), BERLIN)  # March
    before = period.previous()  # February
    assert span(before) == ((2026, 2, 1, 0, 0), (2026, 3, 1, 0, 0))
    assert before.length < period.length


# ---- calendar periods in progress: the same elapsed span of the previous one --------------


@pytest.mark.parametrize(
    ("name", "now", "before", "label"),
    [
        pytest.param(
            "today",
            (2026, 11, 23, 14, 20),
            ((2026, 11, 22, 0, 0), (2026, 11, 22, 14, 20)),
            "yesterday until the same time",
            id="today-until-14:20",
        ),
        pytest.param(
            "this-week",
            (2026, 11, 25, 14, 20),  # Wednesday
            ((2026, 11, 16, 0, 0), (2026, 11, 18, 14, 20)),
            "last week until the same day and time",
            id="this-week-on-wednesday",
        ),
        pytest.param(
            "this-month",
            (2026, 11, 5, 12, 0),
            ((2026, 10, 1, 0, 0), (2026, 10, 5, 12, 0)),
            "last month until the same day and time",
            id="this-month-on-the-5th-at-noon",
        ),
        pytest.param(
            "this-month",
            (2026, 12, 1, 9, 30),
            ((2026, 11, 1, 0, 0), (2026, 11, 1, 9, 30)),
            "last month until the same day and time",
            id="this-month-on-the-1st-is-not-all-of-last-month",
        ),
        pytest.param(
            "this-month",
            (2026, 3, 31, 10, 0),
            ((2026, 2, 1, 0, 0), (2026, 3, 1, 0, 0)),
            "all of last month (it is shorter)",
            id="31-march-against-all-of-february",
        ),
        pytest.param(
            "this-month",
            (2026, 3, 29, 0, 0),
            ((2026, 2, 1, 0, 0), (2026, 3, 1, 0, 0)),
            "all of last month (it is shorter)",
            id="29-march-no-29-february",
        ),
        pytest.param(
            "this-month",
            (2028, 3, 29, 10, 0),  # 2028 is a leap year: 29 February exists
            ((2028, 2, 1, 0, 0), (2028, 2, 29, 10, 0)),
            "last month until the same day and time",
            id="29-march-leap-year",
        ),
        pytest.param(
            "this-month",
            (2027, 1, 31, 23, 59),
            ((2026, 12, 1, 0, 0), (2026, 12, 31, 23, 59)),
            "last month until the same day and time",
            id="january-against-december",
        ),
        pytest.param(
            "2026-11-20..2026-11-26",
            (2026, 11, 23, 14, 20),
            ((2026, 11, 13, 0, 0), (2026, 11, 16, 14, 20)),
            "the 7 days before until the same time",
            id="explicit-range-reaching-today",
        ),
    ],
)
def test_a_calendar_period_in_progress_is_compared_with_the_same_elapsed_span(
    name: str,
    now: tuple[int, ...],
    before: tuple[tuple[int, ...], tuple[int, ...]],
    label: str,
) -> None:
    period = parse_range(name, at(BERLIN, *now), BERLIN)
    assert period.running
    assert local(period.end, BERLIN) == now[:5]
    assert span(period.previous()) == before
    assert period.previous().label == label
    assert period.previous().end <= period.start


def test_the_previous_period_is_in_the_callers_zone() -> None:
    # 09:00 on Tue 24 Nov in Auckland is 20:00 UTC on Mon 23 Nov
    now = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    before = parse_range("today", now, AUCKLAND).previous()
    assert span(before) == ((2026, 11, 23, 0, 0), (2026, 11, 23, 9, 0))
    assert (before.start, before.end) == (
        datetime(2026, 11, 22, 11, tzinfo=UTC),
        datetime(2026, 11, 22, 20, tzinfo=UTC),
    )


# ---- across daylight-saving changes: wall clock ------------------------------------------


def test_today_on_the_day_clocks_go_forward_is_compared_until_the_same_wall_time() -> None:
    # Sun 29 Mar 2026 in Berlin has 23 hours: 00:00–14:20 is 13h20m, yesterday's 14h20m
    period = parse_range("today", at(BERLIN, 2026, 3, 29, 14, 20), BERLIN)
    before = period.previous()
    assert span(before) == ((2026, 3, 28, 0, 0), (2026, 3, 28, 14, 20))
    assert (period.length, before.length) == (
        timedelta(hours=13, minutes=20),
        timedelta(hours=14, minutes=20),
    )


def test_today_on_the_day_clocks_go_back_is_compared_until_the_same_wall_time() -> None:
    # Sun 25 Oct 2026 in Berlin has 25 hours: 00:00–14:20 is 15h20m
    period = parse_range("today", at(BERLIN, 2026, 10, 25, 14, 20), BERLIN)
    before = period.previous()
    assert span(before) == ((2026, 10, 24, 0, 0), (2026, 10, 24, 14, 20))
    assert (period.length, before.length) == (
        timedelta(hours=15, minutes=20),
        timedelta(hours=14, minutes=20),
    )


def test_the_day_after_the_change_looks_back_at_the_short_day_by_the_wall_clock() -> None:
    period = parse_range("today", at(BERLIN, 2026, 3, 30, 14, 20), BERLIN)
    assert period.previous().length == timedelta(hours=13, minutes=20)


def test_a_wall_time_the_change_skips_is_the_moment_after_the_gap() -> None:
    # 02:30 on Mon 30 Mar; Sun 29 Mar has no 02:30 (02:00 became 03:00)
    before = parse_range("today", at(BERLIN, 2026, 3, 30, 2, 30), BERLIN).previous()
    assert local(before.end, BERLIN) == (2026, 3, 29, 3, 30)
    assert before.end == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_yesterday_of_23_hours_against_a_day_of_24() -> None:
    period = parse_range("yesterday", at(BERLIN, 2026, 3, 30, 9, 0), BERLIN)
    assert period.length == timedelta(hours=23)
    assert period.previous().length == timedelta(hours=24)
    assert span(period.previous()) == ((2026, 3, 28, 0, 0), (2026, 3, 29, 0, 0))


def test_last_week_over_the_autumn_change_against_a_whole_week_before() -> None:
    # Mon 26 Oct – Mon 2 Nov 2026 holds no change; the week before (19–26 Oct) holds it
    period = parse_range("last-week", at(BERLIN, 2026, 11, 4, 9, 0), BERLIN)
    before = period.previous()
    assert span(before) == ((2026, 10, 19, 0, 0), (2026, 10, 26, 0, 0))
    assert before.length == timedelta(days=7, hours=1)


def test_this_week_across_the_autumn_change_is_wall_clock() -> None:
    # Mon 26 Oct 2026 10:00: last week until Mon 19 Oct 10:00, though clocks went back
    period = parse_range("this-week", at(BERLIN, 2026, 10, 26, 10, 0), BERLIN)
    assert span(period.previous()) == ((2026, 10, 19, 0, 0), (2026, 10, 19, 10, 0))


# ---- saying it ---------------------------------------------------------------------------


def test_the_footer_names_the_previous_period_in_the_callers_zone() -> None:
    period = parse_range("today", at(BERLIN, 2026, 11, 23, 14, 20), BERLIN)
    assert period.versus() == (
        "▲/▼ against yesterday until the same time: "
        "Sun 22 Nov 00:00 – Sun 22 Nov 14:20 (Europe/Berlin)"
    )


def test_a_one_day_range_reads_as_one_day() -> None:
    period = parse_range("2026-11-20..2026-11-20", at(BERLIN, 2026, 11, 23, 9, 0), BERLIN)
    assert period.label == "20 Nov 2026"
    assert period.during() == "on 20 Nov 2026"
    longer = parse_range("2026-11-20..2026-11-21", at(BERLIN, 2026, 11, 23, 9, 0), BERLIN)
    assert longer.during() == "from 2026-11-20 to 2026-11-21"


def test_a_period_of_no_time_still_has_its_day() -> None:
    period = parse_range("today", at(BERLIN, 2026, 11, 23, 0, 0), BERLIN)
    assert period.length == timedelta(0)
    assert period.days() == [date(2026, 11, 23)]


# ---- the dates a whole-day filter is asked for -------------------------------------------


@pytest.mark.parametrize(
    ("tz", "now", "dates"),
    [
        # Auckland's Mon 23 Nov is 22 Nov 11:00 – 23 Nov 11:00 UTC
        pytest.param(AUCKLAND, (2026, 11, 24, 9, 0), ("2026-11-22", "2026-11-23"), id="auckland"),
        # Los Angeles' Mon 23 Nov is 23 Nov 08:00 – 24 Nov 08:00 UTC
        pytest.param(
            LOS_ANGELES, (2026, 11, 24, 9, 0), ("2026-11-23", "2026-11-24"), id="los-angeles"
        ),
        pytest.param(ZoneInfo("UTC"), (2026, 11, 24, 9, 0), ("2026-11-23", "2026-11-23"), id="utc"),
    ],
)
def test_a_whole_day_filter_is_asked_for_every_date_covering_the_local_days(
    tz: ZoneInfo, now: tuple[int, ...], dates: tuple[str, str]
) -> None:
    period = parse_range("yesterday", at(tz, *now), tz)
    first, last = covering_dates(period.start, period.end, tz)
    assert (first.isoformat(), last.isoformat()) == dates
