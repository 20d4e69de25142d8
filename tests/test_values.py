"""Numbers as people type them (`bot.domain.values`): ASCII digits only, judged by length
before `int()`, bounded before any database, quoted back at most 60 characters long."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.durations import parse_duration
from bot.domain.periods import parse_range
from bot.domain.values import (
    ECHO_LIMIT,
    MAX_RECORD,
    amount,
    echo,
    identifier,
    integer,
    record_number,
    whole_number,
)
from bot.errors import UsageError

NOW = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("7", 7),
        ("+7", 7),
        ("-7", -7),
        ("007", 7),
        (" 7 ", 7),
        ("0" * 500 + "7", 7),
        ("9" * 20, 10**20 - 1),
        ("9" * 21, None),
        ("9" * 4301, None),
        ("²", None),
        ("٣", None),
        ("1_000", None),
        ("1.0", None),
        ("", None),
    ],
)
def test_integer_reads_ascii_digits_only(typed: str, value: int | None) -> None:
    assert integer(typed) == value


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("٣", "`--limit` must be a whole number, not `٣`."),
        ("many", "`--limit` must be a whole number, not `many`."),
        ("0", "`--limit` must be between 1 and 1,000 (got 0)."),
        ("9" * 4301, "`--limit` must be between 1 and 1,000 (got " + "9" * 59 + "…)."),
    ],
)
def test_whole_number_says_what_is_wrong(typed: str, message: str) -> None:
    assert whole_number("12", what="`--limit`", low=1, high=1000) == 12
    with pytest.raises(UsageError) as caught:
        whole_number(typed, what="`--limit`", low=1, high=1000)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("typed", "value"),
    [("3", 3), ("#3", 3), (str(MAX_RECORD), MAX_RECORD), ("0", None), (str(MAX_RECORD + 1), None)],
)
def test_identifier_is_none_past_what_a_record_can_have(typed: str, value: int | None) -> None:
    assert identifier(typed, malformed="no") == value


@pytest.mark.parametrize("typed", ["²", "٣", "-1", "3a", "#", "##3", "1e3"])
def test_a_malformed_identifier_is_the_callers_sentence(typed: str) -> None:
    with pytest.raises(UsageError, match=r"^Give the number$"):
        identifier(typed, malformed="Give the number")


def test_record_number_names_the_record_that_does_not_exist() -> None:
    with pytest.raises(UsageError) as caught:
        record_number("#" + "9" * 100, noun="digest", listing="/pulse digest list")
    assert caught.value.message == f"There is no digest #{'9' * 59}… in this workspace."
    assert caught.value.usage == "/pulse digest list"


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("50", 50.0),
        ("-3", -3.0),
        ("2.5", 2.5),
        (".5", 0.5),
        ("1,200", 1200.0),
        ("1k", 1e3),
        ("2.5K", 2500.0),
        ("1.1k", 1100.0),
        ("1M", 1e6),
        ("3b", 3e9),
        ("70%", 70.0),
        ("1e3", 1e3),
    ],
)
def test_amounts_are_read_as_the_bot_prints_them(typed: str, value: float) -> None:
    assert amount(typed, what="x", low=-1e12, high=1e12) == value


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("nan", "`nan` is not a number. Write e.g. `50`, `2.5k` or `1M`."),
        ("inf", "`inf` is not a number."),
        ("1,2,3", "`1,2,3` is not a number."),
        ("²", "`²` is not a number."),
        ("1" * 41, "is not a number."),
        ("1e308", "The threshold must be between 0 and 100 (got `1e308`)."),
        ("1e999", "(got `1e999`)"),
        ("-0.5", "between 0 and 100"),
    ],
)
def test_amounts_out_of_reason_are_refused(typed: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        amount(typed, what="The threshold", low=0, high=100)
    assert message in caught.value.message


def test_echo_cuts_long_input_and_keeps_the_quote_closed() -> None:
    assert echo("short") == "short"
    assert echo("x" * ECHO_LIMIT) == "x" * ECHO_LIMIT
    assert echo("x" * 3000) == "x" * (ECHO_LIMIT - 1) + "…"
    assert echo("a`b") == "a'b"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300) | st.from_regex(r"[#+-]?[0-9٣²]{0,30}[.,e]?[0-9]{0,5}[kmb%]?"))
def test_any_text_is_a_value_or_a_sentence(typed: str) -> None:
    """Nothing typed makes a reader fail otherwise than with a UsageError."""
    integer(typed)
    readers: list[Callable[[], object]] = [
        lambda: whole_number(typed, what="x", low=1, high=100),
        lambda: identifier(typed, malformed="no"),
        lambda: record_number(typed, noun="alert", listing="/pulse alert list"),
        lambda: amount(typed, what="x", low=-1e12, high=1e12),
        lambda: parse_duration(typed),
        lambda: parse_range(typed, NOW, ZoneInfo("Pacific/Kiritimati")),
    ]
    for read in readers:
        with contextlib.suppress(UsageError):
            read()


@pytest.mark.parametrize("typed", ["0" * 4000 + "x", "9" * 4000 + "x", "#" + "0" * 4000 + "x"])
def test_long_numbers_are_read_in_linear_time(typed: str) -> None:
    start = time.perf_counter()
    assert integer(typed) is None
    with pytest.raises(UsageError):
        record_number(typed, noun="alert", listing="/pulse alert list")
    with pytest.raises(UsageError):
        amount(typed, what="x", low=0, high=1)
    assert time.perf_counter() - start < 0.01
