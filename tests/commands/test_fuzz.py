"""Hostile and careless command lines, thousands of them, through the real dispatcher.

Lines are built the way people (and fuzzers) type them: a real subcommand, then words
drawn from values that once broke a handler — digits `int()` reads but people don't
(`²`, `٣`), numbers past SQLite's integers and Python's 4,300-digit limit, ranges in
year 1 and 9999, NaN and infinities, half-written mentions, phone dashes — mixed with
valid words and random text. Every line is answered or refused with a sentence: the
"something went wrong" apology is never the answer, and no answer repeats more than
`ECHO_LIMIT` characters of what was typed. Services answer from the big world's mocks;
nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from bot.domain.values import ECHO_LIMIT
from bot.render.message import Message
from commands import build_router, dispatch
from tests.commands.big_world import BIG_CREDENTIALS, mock_big_world
from tests.commands.harness import MOCK_BASE_URLS, CommandHarness, make_harness, text

NAMES = build_router().names()
TRICKY = [
    "²",
    "٣",
    "٠٩:٠٠",
    "9" * 30,
    "9" * 4301,
    "9" * 3500,
    str(2**63),
    str(2**63 - 1),
    "#" + str(2**64),
    "0",
    "#0",
    "-1",
    "+5",
    "1_000",
    "1e308",
    "-1e308",
    "1e999",
    "nan",
    "inf",
    "-inf",
    "1k",
    "2.5k",
    "1M",
    "150",
    "70%",
    ">50",
    ">=",
    "≥",
    "0001-01-01..0001-01-02",
    "9999-12-31..9999-12-31",
    "0001-01-01..9999-12-31",
    "2026-02-30..2026-03-01",
    "٢٠٢٦-٠١-٠١..٢٠٢٦-٠١-٠٢",
    "99999999999999999999d",
    "9" * 5000 + "h",
    "٣h",
    "1d2h3m4s",
    "99:99",
    ":99",
    "America/Indiana",
    "Europe/",
    "../../etc/passwd",
    "<#C1|",
    "<#C1|" * 50,
    "<@U1|",
    "<@U1|x>",
    "<!here>",
    "<mailto:a@b.c|a@b.c>",
    "&lt;",
    "&gt;",
    '"',
    "'",
    "\u201cunclosed",
    "—limit",
    "–limit",
    "—public",
    "--public=yes",
    "--public=no",
    "--public=maybe",
    "public=true",
    "--=",
    "--",
    "x" * 3000,
    "--" + "O" * 3000,
    "é" * 200,
    "🚀" * 100,
    "\u202e",
    "\x00",
]
VALID = [
    "7d",
    "today",
    "last-month",
    "2026-11-01..2026-11-07",
    "here",
    "#ops",
    "<#C0TEST>",
    "<@U0ANA>",
    "daily",
    "weekly",
    "hourly",
    "mon",
    "09:00",
    ":15",
    "Europe/Berlin",
    "weldpulse.visitors",
    "weldpulse.bounce_rate",
    "raygun.sessions",
    ">",
    "<=",
    "50",
    "1",
    "#1",
    "2h",
    "--limit",
    "--page",
    "--range",
    "--over",
    "--for",
    "--in",
    "--services",
    "--computer",
    "--country",
    "--interval",
    "--location",
    "--overdue",
    "--public",
    "weldpulse",
    "raygun",
    "ana@example.com",
    "app_1",
]
WORDS = st.one_of(
    st.sampled_from(TRICKY),
    st.sampled_from(VALID),
    st.text(max_size=12),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=8),
)
LINES = st.builds(
    lambda name, words, glue: glue.join([name, *words]),
    st.sampled_from(NAMES) | st.sampled_from(NAMES) | st.sampled_from(NAMES).map(lambda n: n[:-1]),
    st.lists(WORDS, max_size=6),
    st.sampled_from([" ", "  ", "\t"]),
)


class Unexpected(AssertionError):
    """The dispatcher took its "something went wrong" path."""


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[asyncio.AbstractEventLoop, CommandHarness]]:
    """One harness for the whole run (hypothesis calls the test many times): every service
    connected and answering from the big world's mocks; anything else is a 404."""
    loop = asyncio.new_event_loop()
    http = httpx.AsyncClient()
    with respx.mock(assert_all_called=False) as mock:
        mock_big_world(mock)
        mock.route().respond(404, json={"error": "not found", "message": "not found"})
        harness = make_harness(tmp_path, http, MOCK_BASE_URLS)

        async def connect() -> None:
            for service, credential in BIG_CREDENTIALS.items():
                await harness.connect(service, credential)
            await harness.run("alert add weldpulse.realtime > 50")
            await harness.run("digest add here daily 09:00")

        loop.run_until_complete(connect())
        try:
            yield loop, harness
        finally:
            harness.store.close()
            loop.run_until_complete(http.aclose())
            loop.close()


def unexpected_count() -> float:
    """Commands answered with the apology so far (the `/metrics` counter)."""
    return REGISTRY.get_sample_value("pulsebot_commands_total", {"outcome": "unexpected"}) or 0.0


def echoed_too_much(line: str, answer: Message) -> str | None:
    """A word of `line` longer than the echo limit that the answer repeats in full."""
    shown = (answer.text + "\n" + text(answer)).lower()
    for word in line.lower().split():
        if len(word) > ECHO_LIMIT and word[: ECHO_LIMIT + 1] in shown:
            return word
    return None


def test_no_line_takes_the_unexpected_path(
    world: tuple[asyncio.AbstractEventLoop, CommandHarness], monkeypatch: pytest.MonkeyPatch
) -> None:
    loop, harness = world

    def unexpected(where: str) -> Message:
        raise Unexpected(f"{where}:\n{traceback.format_exc()}")

    monkeypatch.setattr(dispatch, "unexpected_message", unexpected)

    @settings(
        max_examples=400,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(line=LINES)
    @example(line="digest remove ²")
    @example(line="digest remove 99999999999999999999999")
    @example(line="alert snooze " + str(2**63) + " 2h")
    @example(line="alert snooze 1 99999999999999999999d")
    @example(line="stats 0001-01-01..0001-01-02")
    @example(line="inspections 0001-01-01..0001-01-01")
    @example(line="timeseries 0001-01-01..0001-01-01")
    @example(line="digest add here daily 09:00 America/Indiana")
    @example(line="pages --limit " + "9" * 3900)
    @example(line="pages --" + "O" * 3900)
    @example(line="sessions " + "u" * 3900)
    @example(line="pulses " + "u" * 3900)
    @example(line="inspections --location " + "9" * 3900)
    @example(line="apps rename " + "x" * 3900 + " new")
    @example(line="digest add <#C" + "A" * 3900 + "> daily 09:00")
    @example(line="admins add <@U" + "A" * 3900 + ">")
    def check(line: str) -> None:
        before = unexpected_count()
        answer = loop.run_until_complete(harness.run(line))
        assert unexpected_count() == before, line
        assert not answer.text.startswith("Sorry, something went wrong"), line
        assert echoed_too_much(line, answer) is None, (line, answer.text)

    check()
