"""Chart blocks: Slack's shape and limits; buckets grouped, labelled and marked honestly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.series import Bucket, Trend
from bot.render.chart import (
    Line,
    chart,
    chart_as_text,
    chart_problems,
    group_size,
    series_of,
    step_words,
    trend_chart,
)
from bot.render.text import chart_lines
from tests.fakes.slack_rules import chart_errors

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 16, 23, tzinfo=UTC)  # Tue 17 Nov 00:00 in Berlin


def hours(values: list[float], start: datetime = START, **partial: bool) -> Trend:
    buckets = tuple(
        Bucket(start + timedelta(hours=i), v, partial=partial.get(f"p{i}", False))
        for i, v in enumerate(values)
    )
    return Trend("Visitors", "hour", buckets)


def days(values: list[float]) -> Trend:
    return Trend(
        "Keys", "day", tuple(Bucket(START + timedelta(days=i), v) for i, v in enumerate(values))
    )


def test_a_chart_is_the_documented_shape_within_the_limits() -> None:
    block = chart(
        "A title that goes on and on and on well past fifty characters",
        [f"a category label longer than twenty {i}" for i in range(25)],
        [Line(f"series {i} with a long name", list(range(25))) for i in range(8)],
    )
    assert block["type"] == "data_visualization"
    assert len(block["title"]) == 50 and block["title"].endswith("…")
    spec = block["chart"]
    assert spec["type"] == "line"
    assert len(spec["series"]) == 6
    assert len(spec["axis_config"]["categories"]) == 20  # the last 20 points
    assert all(len(c) <= 20 for c in spec["axis_config"]["categories"])
    assert chart_problems(block) == [] and chart_errors(block) == []


def test_the_buckets_are_the_points_when_they_fit() -> None:
    [block] = trend_chart("WeldPulse", "last 24 hours", [hours([5, 7, 0])], BERLIN)
    categories, series = series_of(block)
    assert block["title"] == "WeldPulse per hour — last 24 hours"
    assert categories == ["Tue 00:00", "Tue 01:00", "Tue 02:00"]  # Berlin, not UTC
    assert series == [("Visitors", [5.0, 7.0, 0.0])]


@pytest.mark.parametrize(
    ("count", "unit", "size", "words"),
    [
        (24, "hour", 2, "2 hours"),
        (72, "hour", 4, "4 hours"),
        (168, "hour", 12, "12 hours"),
        (2000, "hour", 168, "week"),
        (31, "day", 2, "2 days"),
        (90, "day", 7, "week"),
        (367, "day", 28, "4 weeks"),
    ],
)
def test_more_than_twenty_buckets_are_added_up_in_natural_steps(
    count: int, unit: str, size: int, words: str
) -> None:
    assert group_size(count, unit) == size
    assert step_words(unit, size) == words


def test_grouped_points_add_up_the_buckets_and_a_short_last_one_is_marked() -> None:
    values = [float(i) for i in range(25)]  # 13 two-hour points, the last of one hour
    blocks = trend_chart("WeldPulse", "last 24 hours", [hours(values)], BERLIN)
    categories, series = series_of(blocks[0])
    assert series[0][1] == [
        values[i] + (values[i + 1] if i + 1 < 25 else 0) for i in range(0, 25, 2)
    ]
    assert categories[0] == "Tue 00:00" and categories[-1] == "Wed 00:00 (part)"
    assert blocks[1]["elements"][0]["text"] == "(part): the period covers less than 2 hours of it."
    assert chart_errors(blocks[0]) == []


def test_a_bucket_the_domain_says_is_partial_is_marked() -> None:
    [block, note] = trend_chart("Visitors", "today so far", [hours([5, 7, 2], p2=True)], BERLIN)
    assert series_of(block)[0][-1] == "Tue 02:00 (part)"
    assert "less than an hour" in note["elements"][0]["text"]


def test_days_are_dates_and_long_hourly_ranges_say_the_date() -> None:
    [block] = trend_chart("Keys", "last 7 days", [days([1, 2, 3])], BERLIN)
    assert series_of(block)[0] == ["17 Nov", "18 Nov", "19 Nov"]
    long = hours([1.0] * 240)  # ten days of hours: 12-hour points
    categories = series_of(trend_chart("W", "10 days", [long], BERLIN)[0])[0]
    assert categories[:2] == ["17 Nov 00:00", "17 Nov 12:00"]


def test_nothing_to_draw_is_no_chart() -> None:
    assert trend_chart("W", "today", [Trend("Visitors", "hour", ())], BERLIN) == []


def test_the_fallback_is_a_labelled_sparkline_with_min_max_and_last() -> None:
    block = chart(
        "Visitors per day — last 7 days",
        ["17 Nov", "18 Nov", "19 Nov"],
        [Line("Visitors", [1200, 3400, 800])],
    )
    text = chart_as_text(block)["text"]["text"]
    assert text.splitlines() == [
        "*Visitors per day — last 7 days* (17 Nov – 19 Nov)",
        "Visitors  `▂█▁`  min 800 · max 3.4k · last 800",
    ]


def test_a_sparkline_draws_partial_points_as_partial_not_as_values() -> None:
    # the 7 days of `7d`: the first and last days are cut by the window; drawn as whole
    # they would make every sparkline start and end with ▁
    [block, _] = trend_chart(
        "Visitors", "last 7 days", [hours([3, 40, 60, 80, 70, 50, 40, 5], p0=True, p7=True)], BERLIN
    )
    text = chart_as_text(block)["text"]["text"]
    assert text.splitlines()[1] == "Visitors  `░▁▅█▆▃▁░`  min 40 · max 80 · last 40 · ░ part"
    assert chart_lines(block)[1] == "  Visitors  ░▁▅█▆▃▁░  min 40 · max 80 · last 40 · ░ part"


def test_a_series_of_partial_points_only_is_all_partial() -> None:
    [block, _] = trend_chart("Visitors", "today so far", [hours([3, 5], p0=True, p1=True)], BERLIN)
    assert "`░░`  min 3 · max 5 · last 5 · ░ part" in chart_as_text(block)["text"]["text"]


def test_what_slack_refuses_is_found() -> None:
    block = chart("T", ["a", "b"], [Line("x", [1, 2]), Line("y", [1, 2])])
    block["chart"]["axis_config"]["categories"] = ["a", "a"]
    block["chart"]["series"][1]["name"] = "x"
    block["chart"]["series"][0]["data"].pop()
    found = chart_problems(block)
    assert any("distinct categories" in p for p in found)
    assert any("distinct series names" in p for p in found)
    assert any("one point per category" in p for p in found)
    assert chart_errors(block) != []
