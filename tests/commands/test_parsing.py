"""The command-line parser: mentions, options, quotes; never a crash."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UsageError
from commands import build_router
from commands.parsing import parse_args, tokenize, user_id


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("stats 7d", ["stats", "7d"]),
        ("digest add <#C123|general> daily 09:00", ["digest", "add", "<#C123>", "daily", "09:00"]),
        ("admins add <@U123ABC|ana>", ["admins", "add", "<@U123ABC>"]),
        ("sessions <mailto:ana@example.com|ana@example.com>", ["sessions", "ana@example.com"]),
        ('apps create "My new app"', ["apps", "create", "My new app"]),
        ("apps create \u201cCurly quotes\u201d", ["apps", "create", "Curly quotes"]),
        ("alert add weldpulse.realtime &gt; 50", ["alert", "add", "weldpulse.realtime", ">", "50"]),
        ('x ""', ["x", ""]),
    ],
    ids=["plain", "channel", "user", "mailto", "quotes", "curly", "escaped-op", "empty-quoted"],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_unbalanced_quote_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="quote"):
        tokenize('apps create "never closed')


def test_options_in_both_forms_and_flags() -> None:
    args = parse_args(
        ["pages", "30d", "--limit", "20", "interval=1d", "--public", "--country=US,NZ"],
        flags={"public"},
    )
    assert args.words == ("pages", "30d")
    assert args.options == {"limit": "20", "interval": "1d", "country": "US,NZ"}
    assert args.flags == frozenset({"public"})


def test_option_without_value_is_explained() -> None:
    with pytest.raises(UsageError, match="--limit` needs a value"):
        parse_args(["pages", "--limit"])


@pytest.mark.parametrize(
    ("word", "expected"),
    [("<@U123ABC>", "U123ABC"), ("U0123456", "U0123456"), ("ana", None), ("<#C1>", None)],
)
def test_user_id(word: str, expected: str | None) -> None:
    assert user_id(word) == expected


ROUTER = build_router()


@given(st.text(max_size=200))
def test_any_input_parses_or_is_a_usage_error(text: str) -> None:
    try:
        command, args = ROUTER.parse(text)
    except UsageError as err:
        assert err.message
    else:
        assert command.name in ROUTER.commands
        assert isinstance(args.words, tuple)


@given(
    st.lists(
        st.sampled_from(
            ["stats", "help", "--public", "<@U1ABCDEF|x>", '"a b"', "k=v", "--x", "&gt;"]
        ),
        max_size=8,
    )
)
def test_slack_shaped_input_never_crashes(words: list[str]) -> None:
    with contextlib.suppress(UsageError):
        command, _ = ROUTER.parse(" ".join(words))
        assert command.name in ROUTER.commands
