"""Series buckets are the caller's: days are local days, buckets outside the period are
left out, and the ones it cuts are marked partial, at both ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clients.weldpulse import TimeBucket
from bot.domain.periods import parse_range
from bot.domain.series import ask_for, bucket, bucket_end, local_buckets

AUCKLAND = ZoneInfo("Pacific/Auckland")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")


def hours(start: datetime, count: int, visitors: int = 1) -> list[TimeBucket]:
    """WeldPulse's hourly buckets from `start` (UTC), `visitors` each."""
    return [
        TimeBucket(start + timedelta(hours=i), visitors, 2 * visitors, visitors)
        for i in range(count)
    ]


def days_of(found: list[TimeBucket], tz: ZoneInfo) -> list[tuple[str, int]]:
    return [(b.t.astimezone(tz).strftime("%a %d %b %H:%M"), b.visitors) for b in found]


@pytest.mark.parametrize(
    ("tz", "asked"),
    [
        pytest.param(ZoneInfo("UTC"), "1 day", id="utc-days-are-weldpulse-days"),
        pytest.param(ZoneInfo("Europe/London"), "1 day", id="london-in-winter"),
        pytest.param(BERLIN, "1 hour", id="berlin"),
        pytest.param(LOS_ANGELES, "1 hour", id="los-angeles"),
        pytest.param(AUCKLAND, "1 hour", id="auckland"),
    ],
)
def test_days_are_asked_as_hours_unless_the_callers_days_are_utc_days(
    tz: ZoneInfo, asked: str
) -> None:
    period = parse_range("last-week", datetime(2026, 11, 25, 12, tzinfo=UTC), tz)
    assert ask_for("1 day", period) == asked
    assert ask_for("1 hour", period) == "1 hour"


def test_los_angeles_days_are_its_own_not_utc_days_labelled_a_day_early() -> None:
    # last week in Los Angeles: Mon 16 Nov 00:00 PST (08:00 UTC) – Mon 23 Nov 00:00 PST
    period = parse_range("last-week", datetime(2026, 11, 25, 20, tzinfo=UTC), LOS_ANGELES)
    found = hours(datetime(2026, 11, 16, 8, tzinfo=UTC), 7 * 24)
    days = local_buckets(found, "1 day", period)
    assert days_of(days, LOS_ANGELES) == [
        (f"{d} Nov 00:00", 24)
        for d in ("Mon 16", "Tue 17", "Wed 18", "Thu 19", "Fri 20", "Sat 21", "Sun 22")
    ]
    assert not any(bucket(b.t, b.visitors, "1 day", period).partial for b in days)


def test_auckland_days_gather_the_hours_of_two_utc_dates() -> None:
    # Auckland's Tue 24 Nov (NZDT, UTC+13) is 23 Nov 11:00 – 24 Nov 11:00 UTC
    period = parse_range("yesterday", datetime(2026, 11, 24, 20, tzinfo=UTC), AUCKLAND)
    found = hours(datetime(2026, 11, 23, 0, tzinfo=UTC), 48)  # two whole UTC dates
    [day] = local_buckets(found, "1 day", period)
    assert day.t == datetime(2026, 11, 23, 11, tzinfo=UTC)
    assert (day.visitors, day.pageviews) == (24, 48), "only the hours of that local day"


def test_buckets_cut_by_the_period_are_partial_at_both_ends() -> None:
    # 7d at Wed 25 Nov 15:30 Berlin: the first and the last local day are cut
    now = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    period = parse_range("7d", now, BERLIN)
    found = hours(period.start.replace(minute=0), 7 * 24 + 1)
    days = local_buckets(found, "1 day", period)
    marks = [bucket(b.t, b.visitors, "1 day", period).partial for b in days]
    assert marks == [True, *[False] * 6, True]
    assert sum(b.visitors for b in days) == len(found), "no hour lost or counted twice"
    # the hour begun before the period counts in its first day; hourly buckets are cut too
    first, *_, last = found
    assert bucket(first.t, 1, "1 hour", period).partial
    assert not bucket(last.t - timedelta(hours=1), 1, "1 hour", period).partial


def test_buckets_outside_the_period_are_left_out() -> None:
    period = parse_range("yesterday", datetime(2026, 11, 24, 20, tzinfo=UTC), LOS_ANGELES)
    found = hours(period.start - timedelta(hours=3), 30)  # 3 hours early, 3 hours late
    kept = local_buckets(found, "1 hour", period)
    assert [b.t for b in kept] == [period.start + timedelta(hours=i) for i in range(24)]


def test_a_day_of_the_autumn_change_is_25_hours_and_whole() -> None:
    # Sun 25 Oct 2026 in Berlin: 25 hours, from 24 Oct 22:00 to 25 Oct 23:00 UTC
    period = parse_range("yesterday", datetime(2026, 10, 26, 9, tzinfo=UTC), BERLIN)
    start = datetime(2026, 10, 24, 22, tzinfo=UTC)
    assert bucket_end(start, "1 day", BERLIN) - start == timedelta(hours=25)
    [day] = local_buckets(hours(start, 25), "1 day", period)
    assert day.visitors == 25
    assert not bucket(day.t, day.visitors, "1 day", period).partial
