"""Bad and hostile input, item by item: each is read, or refused with a sentence and the
usage line — never the "something went wrong" apology, never a slow ack, never an
answer that repeats thousands of typed characters."""

from __future__ import annotations

import contextlib
import re
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from bot.errors import UsageError
from commands import build_router
from commands.parsing import MAX_TEXT, tokenize
from tests.commands.harness import CommandHarness, text

ROUTER = build_router()
APOLOGY = "Sorry, something went wrong"
WELDPULSE = {"api_key": "ak_live_cmd_hostile_01"}


@pytest.fixture
async def cmd(cmd: CommandHarness) -> CommandHarness:
    """The harness with WeldPulse connected and one alert (#1) and one digest (#1) to
    point at."""
    await cmd.connect("weldpulse", WELDPULSE)
    assert "added" in text(await cmd.run("alert add weldpulse.realtime > 50"))
    assert "added" in text(await cmd.run("digest add here daily 09:00"))
    return cmd


def unexpected_count() -> float:
    return REGISTRY.get_sample_value("pulsebot_commands_total", {"outcome": "unexpected"}) or 0.0


async def said(cmd: CommandHarness, line: str) -> str:
    """What the caller reads; the unexpected-error path must not be taken."""
    before = unexpected_count()
    shown = text(await cmd.run(line))
    assert unexpected_count() == before, shown
    assert APOLOGY not in shown
    return shown


# ---- length and time ----------------------------------------------------------------------


def parse_seconds(line: str) -> float:
    start = time.perf_counter()
    try:
        ROUTER.parse(line)
    except UsageError as err:
        assert err.message
    return time.perf_counter() - start


ADVERSARIAL = [
    "<#C1|" * 20000,
    "<@U1|" * 20000,
    "<!here|" * 14000,
    "<mailto:a|" * 10000,
    "<" * 100_000,
    '"' * 100_000,
    "stats " + "\u201c" * 50_000,
    "stats '" + "a " * 40_000,
]


@pytest.mark.parametrize(
    "line",
    ADVERSARIAL,
    ids=["channel", "user", "special", "mailto", "open", "quotes", "curly", "unclosed"],
)
def test_half_written_mentions_are_tokenized_in_linear_time(line: str) -> None:
    """`<#C1|` repeated was quadratic: 40k characters took 2.3 s, 100k 11.9 s."""
    start = time.perf_counter()
    with contextlib.suppress(UsageError):
        tokenize(line)
    assert time.perf_counter() - start < 0.25


@settings(max_examples=40, deadline=None)
@given(
    st.one_of(
        st.text(max_size=MAX_TEXT + 50),
        st.builds(
            lambda piece, times, tail: piece * times + tail,
            st.sampled_from(
                ["<#C1|", "<@U1|", "<!x|", "<", "<#", '"', "'", "\u201c", "&lt;", "a "]
            ),
            st.integers(0, 100_000 // 5),
            st.text(max_size=20),
        ),
    )
)
@example("<#C1|" * 20000)
@example("<@U1|" * 20000)
@example("<#C1|" * (MAX_TEXT // 5))
@example("<@U1|" * (MAX_TEXT // 5))
@example('stats "' + "x" * (MAX_TEXT - 10))
@example('"' * 100_000)
def test_any_text_is_parsed_or_refused_within_50_ms(line: str) -> None:
    assert parse_seconds(line) < 0.05


def test_text_longer_than_the_limit_is_refused_before_it_is_read() -> None:
    with pytest.raises(UsageError) as caught:
        ROUTER.parse("stats " + "x" * MAX_TEXT)
    assert caught.value.message == (
        f"That command is {MAX_TEXT + 6:,} characters long; /pulse reads at most {MAX_TEXT:,}."
    )
    assert caught.value.usage == "/pulse help"
    command, _ = ROUTER.parse("stats" + " " * (MAX_TEXT - 5))
    assert command.name == "stats"


async def test_a_long_command_is_answered_with_a_sentence(cmd: CommandHarness) -> None:
    shown = await said(cmd, "digest remove " + "<#C1|" * 8000)
    assert "/pulse reads at most 4,000" in shown
    assert "Usage: `/pulse help`" in shown


# ---- numbers, IDs, durations, dates -------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("digest remove ²", "Give the digest's number, as shown by `/pulse digest list`."),
        ("digest pause ٣", "Give the digest's number"),
        ("alert mute ²", "Give the alert's number, as shown by `/pulse alert list`."),
        (
            "digest remove 99999999999999999999999",
            "There is no digest #99999999999999999999999 in this workspace.",
        ),
        (f"digest run {2**63}", f"There is no digest #{2**63} in this workspace."),
        (f"digest preview #{2**63 - 1}", f"There is no digest #{2**63 - 1} in this workspace."),
        ("digest resume #0", "There is no digest #0 in this workspace."),
        (f"alert remove {2**63}", f"There is no alert #{2**63} in this workspace."),
        (f"alert snooze {2**63} 2h", f"There is no alert #{2**63} in this workspace."),
        ("alert snooze 1 99999999999999999999d", "`DURATION` must be between 0 and 30d"),
        ("alert snooze 1 ٣h", "`٣h` is not a duration"),
        ("alert add weldpulse.visitors > 5 --over 99999999999999999999h", "`--over` must be"),
        ("stats 0001-01-01..0001-01-02", "`0001-01-01..0001-01-02` starts before 1970-01-01."),
        ("pages 0001-01-01..0001-01-01", "starts before 1970-01-01"),
        ("timeseries 0001-01-01..0001-01-01", "starts before 1970-01-01"),
        ("stats 9999-12-31..9999-12-31", "is entirely in the future"),
        ("stats ٢٠٢٦-٠١-٠١..٢٠٢٦-٠١-٠٢", "is not a range I know"),
        (
            "digest add here daily 09:00 --range 0001-01-01..0001-01-02",
            "starts before 1970-01-01",
        ),
        ("digest add here daily ٠٩:٠٠", "is not a time of day"),
        ("digest add here daily 09:00 America/Indiana", "`America/Indiana` is not a time zone"),
        ("pages --limit ٣", "`--limit` must be a whole number, not `٣`."),
        ("pages --limit 1_0", "`--limit` must be a whole number, not `1_0`."),
        ("pages --limit " + "9" * 40, "`--limit` must be between 1 and 100"),
        ("session " + "9" * 30, "Raygun Pulse has nothing by that ID"),
        ("pulses ana --computer ٣", "`--computer` takes a WhatPulse computer ID"),
    ],
    ids=[
        "superscript-digit",
        "arabic-digit",
        "alert-superscript",
        "id-beyond-sqlite",
        "id-2^63",
        "id-2^63-1",
        "id-zero",
        "alert-2^63",
        "snooze-2^63",
        "snooze-huge-duration",
        "snooze-arabic-duration",
        "over-huge-duration",
        "year-1",
        "year-1-pages",
        "year-1-timeseries",
        "year-9999",
        "arabic-date",
        "digest-range-year-1",
        "arabic-time",
        "zone-folder",
        "limit-arabic",
        "limit-underscore",
        "limit-huge",
        "session-huge",
        "computer-arabic",
    ],
)
async def test_numbers_are_read_or_refused_with_a_sentence(
    cmd: CommandHarness, line: str, fragment: str
) -> None:
    shown = await said(cmd, line)
    assert fragment in shown
    assert "\nUsage: `/pulse " in shown or "nothing by that ID" in shown


async def test_a_number_no_digest_can_have_never_reaches_the_database(
    cmd: CommandHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[object] = []
    repository = type(cmd.store.digests)
    for name in ("get", "numbered"):
        if hasattr(repository, name):
            real = getattr(repository, name)

            async def spy(self: object, *args: object, _real: object = real) -> object:
                asked.append(args)
                return await _real(self, *args)  # type: ignore[operator]

            monkeypatch.setattr(repository, name, spy)
    assert "There is no digest #" in await said(cmd, "digest remove 9" + "0" * 30)
    assert asked == []


# ---- what new users type (PRODUCT §2) -------------------------------------------------


@pytest.mark.parametrize("dash", ["\u2014", "\u2013", "\u2014-"], ids=["em", "en", "em-hyphen"])
def test_the_dash_phones_type_for_double_dash_starts_an_option(dash: str) -> None:
    command, args = ROUTER.parse(f"pages {dash}limit 5 {dash}public")
    assert command.name == "pages"
    assert args.options == {"limit": "5"}
    assert args.has("public")
    assert args.words == ()


@pytest.mark.parametrize(
    ("written", "public"),
    [
        ("--public", True),
        ("--public=yes", True),
        ("--public=true", True),
        ("--public=YES", True),
        ("public=yes", True),
        ("\u2014public=yes", True),
        ("--public=no", False),
        ("--public=false", False),
        ("public=no", False),
    ],
)
def test_a_flag_may_be_written_with_yes_or_no(written: str, public: bool) -> None:
    _, args = ROUTER.parse(f"help {written}")
    assert args.has("public") is public
    assert "public" not in args.options


async def test_a_flag_value_other_than_yes_or_no_is_refused(cmd: CommandHarness) -> None:
    shown = await said(cmd, "help --public=maybe")
    assert "`--public` takes yes or no, not `maybe`." in shown


async def test_public_yes_answers_in_the_channel(cmd: CommandHarness) -> None:
    assert (await cmd.run("help --public=yes")).public
    assert not (await cmd.run("help --public=no")).public


@pytest.mark.parametrize(
    "line",
    ["user", "apple", "alarm", "hello", "apps delete app_1", "digest rm 1", "digest stop 1"],
)
async def test_far_off_words_get_no_suggestion(cmd: CommandHarness, line: str) -> None:
    shown = await said(cmd, line)
    assert "Did you mean" not in shown
    assert "\nUsage: `/pulse " in shown


@pytest.mark.parametrize(
    ("line", "suggested"),
    [
        ("pgaes", "pages"),
        ("hlep", "help"),
        ("sesions ana", "sessions"),
        ("apps shwo app_1", "apps show"),
        ("digest lsit", "digest list"),
        ("alert snoze 1 2h", "alert snooze"),
    ],
)
async def test_near_typos_still_get_the_nearest_command(
    cmd: CommandHarness, line: str, suggested: str
) -> None:
    assert f"Did you mean `/pulse {suggested}`?" in await said(cmd, line)


# ---- alert thresholds ---------------------------------------------------------------------


async def added(cmd: CommandHarness, line: str) -> tuple[str, float, str]:
    """The op and threshold of the alert `line` adds, and the confirmation."""
    shown = await said(cmd, line)
    assert "added" in shown, shown
    newest = (await cmd.store.alerts.list(cmd.team))[-1]
    return newest.op, newest.value, shown


@pytest.mark.parametrize(
    ("condition", "op", "value", "shown"),
    [
        ("weldpulse.visitors >50", ">", 50.0, "weldpulse.visitors > 50 over 1h"),
        ("weldpulse.visitors>50", ">", 50.0, "weldpulse.visitors > 50 over 1h"),
        ("weldpulse.visitors> 50", ">", 50.0, "weldpulse.visitors > 50 over 1h"),
        ("weldpulse.visitors >=50", ">=", 50.0, "weldpulse.visitors >= 50 over 1h"),
        ("weldpulse.visitors &lt;=50", "<=", 50.0, "weldpulse.visitors <= 50 over 1h"),
        ("weldpulse.visitors ≥ 50", ">=", 50.0, "weldpulse.visitors >= 50 over 1h"),
        ("weldpulse.visitors > 1k", ">", 1000.0, "weldpulse.visitors > 1k over 1h"),
        ("weldpulse.visitors > 2.5k", ">", 2500.0, "weldpulse.visitors > 2.5k over 1h"),
        ("weldpulse.visitors > 1M", ">", 1e6, "weldpulse.visitors > 1M over 1h"),
        ("weldpulse.visitors > 1.1k", ">", 1100.0, "weldpulse.visitors > 1.1k over 1h"),
        ("weldpulse.visitors > 1,200", ">", 1200.0, "weldpulse.visitors > 1.2k over 1h"),
        ("weldpulse.bounce_rate > 70", ">", 70.0, "weldpulse.bounce_rate > 70.0% over 1h"),
        ("weldpulse.bounce_rate < 0.5%", "<", 0.5, "weldpulse.bounce_rate < 0.5% over 1h"),
    ],
)
async def test_thresholds_are_read_as_people_write_them(
    cmd: CommandHarness, condition: str, op: str, value: float, shown: str
) -> None:
    got_op, got_value, confirmation = await added(cmd, f"alert add {condition}")
    assert (got_op, got_value) == (op, value)
    assert shown in confirmation


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        (
            "weldpulse.visitors > 1e308",
            "A threshold for weldpulse.visitors must be between 0 and 1,000,000,000,000 "
            "(got `1e308`).",
        ),
        ("weldpulse.visitors > 1e999", "(got `1e999`)"),
        ("weldpulse.visitors > -5", "must be between 0 and"),
        (
            "weldpulse.bounce_rate > 150",
            "A threshold for weldpulse.bounce_rate must be between 0 and 100 (got `150`).",
        ),
        ("weldpulse.bounce_rate > 1k", "must be between 0 and 100 (got `1k`)"),
        ("pulsetracker.quota_percent >= 101%", "must be between 0 and 100"),
        ("pulsepro.average_score < -1", "must be between 0 and 100"),
        ("weldpulse.visitors > nan", "`nan` is not a number."),
        ("weldpulse.visitors > -inf", "`-inf` is not a number."),
        ("weldpulse.visitors > 5kk", "`5kk` is not a number."),
    ],
)
async def test_thresholds_out_of_reason_are_refused(
    cmd: CommandHarness, condition: str, fragment: str
) -> None:
    before = await cmd.store.alerts.list(cmd.team)
    shown = await said(cmd, f"alert add {condition}")
    assert fragment in shown
    assert "Usage: `/pulse alert add" in shown
    assert not re.search(r"[0-9]{16}", shown), "no number printed in full"
    assert await cmd.store.alerts.list(cmd.team) == before


# ---- echoed input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "typed"),
    [
        ("x" * 3000, "x" * 3000),
        ("alert add " + "y" * 3000 + " > 5", "y" * 3000),
        ("alert add weldpulse.visitors > " + "7" * 3000, "7" * 3000),
        ("pages --limit " + "9" * 3000, "9" * 3000),
        ("pages --limit z" + "9" * 3000, "z" + "9" * 3000),
        ("stats " + "q" * 3000, "q" * 3000),
        ("digest remove " + "8" * 3000, "8" * 3000),
        ("digest add here daily 09:00 " + "a/" * 1500, "a/" * 1500),
        ("alert snooze 1 " + "5" * 3000 + "h", "5" * 3000 + "h"),
        ("help " + "h" * 3000, "h" * 3000),
        ("pages --" + "o" * 3000, "--" + "o" * 3000),
        ("pages --" + "p" * 3000 + " 5", "--" + "p" * 3000),
        ("alert add weldpulse.visitors > 5 --in <#C" + "A" * 3000 + ">", "<#C" + "A" * 3000),
        ("admins add <@U" + "B" * 3000 + ">", "<@U" + "B" * 3000),
    ],
    ids=[
        "command",
        "metric",
        "threshold",
        "limit",
        "limit-word",
        "range",
        "id",
        "zone",
        "duration",
        "help",
        "option",
        "option-with-value",
        "channel-mention",
        "user-mention",
    ],
)
async def test_echoed_input_is_cut_to_60_characters(
    cmd: CommandHarness, line: str, typed: str
) -> None:
    shown = await said(cmd, line)
    assert typed[:61] not in shown
    assert typed[:59] + "…" in shown
    assert len(shown) < 600
