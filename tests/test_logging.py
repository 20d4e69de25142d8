"""The log filter (`bot.app.RedactSecrets`, installed by `configure_logging`): the
configured secrets are taken out by value — shaped like a key or not — tracebacks
included, and a message cannot forge the next log entry, whatever line break it carries."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from bot.app import configure_logging
from bot.config import Settings

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
ENV = {
    "SLACK_SIGNING_SECRET": "8f14e45fceea167a5a36dedd4bea2543",  # hex: no key shape
    "SLACK_BOT_TOKEN": "xoxb-1111-2222-BotTokenValue0123",
    "SLACK_APP_TOKEN": "xapp-1-A0PULSE-3333-AppTokenValue4567",
    "SLACK_CLIENT_ID": "111.222",
    "SLACK_CLIENT_SECRET": "c0ffee15deadbeef0123abcd",
    "PULSEBOT_SECRET_KEY": f"{NEW_KEY}, {OLD_KEY}",
    "DATABASE_URL": "postgresql://pulse:db%2Fpass%40word99@db.internal/pulse",
}
SECRETS = {
    "signing secret": ENV["SLACK_SIGNING_SECRET"],
    "bot token": ENV["SLACK_BOT_TOKEN"],
    "app token": ENV["SLACK_APP_TOKEN"],
    "client secret": ENV["SLACK_CLIENT_SECRET"],
    "newest key": NEW_KEY,
    "older key": OLD_KEY,
    "database password": "db/pass@word99",
}
BREAKS = {
    "LF": "\n",
    "CRLF": "\r\n",
    "CR": "\r",
    "VT": "\x0b",
    "FF": "\x0c",
    "NEL": "\x85",
    "LINE SEPARATOR": "\u2028",
    "PARAGRAPH SEPARATOR": "\u2029",
}
FORGED = "2026-11-23 12:00:00,000 ERROR bot: forged entry"


#: the loggers `configure_logging` sets a level on (root first)
LEVELS = (
    "",
    "httpx",
    "httpcore",
    "apscheduler.executors.default",
    "apscheduler.scheduler",
    "slack_bolt",
    "slack_sdk",
)


@pytest.fixture
def log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing through the handler `configure_logging` installs, into a buffer;
    the handlers and levels as they were afterwards."""
    root = logging.getLogger()
    handlers, levels = list(root.handlers), {n: logging.getLogger(n).level for n in LEVELS}
    configure_logging("DEBUG", Settings.from_env(ENV).secrets())
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    yield logging.getLogger("bot.test"), buffer
    root.handlers[:] = handlers
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize(("name", "value"), SECRETS.items(), ids=SECRETS)
def test_a_configured_secret_is_taken_out_by_value(
    log: tuple[logging.Logger, io.StringIO], name: str, value: str
) -> None:
    logger, buffer = log
    logger.info("the value was %s (%r) in %s", value, value, {"nested": [value]})
    logger.warning(f"formatted in: {value}.")
    written = buffer.getvalue()
    assert value not in written
    assert value[:8] not in written and value[-8:] not in written
    assert written.count("[redacted]") == 4


def test_secrets_inside_a_traceback_are_taken_out(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, buffer = log
    secret = SECRETS["signing secret"]
    try:
        raise RuntimeError(f"refused with {secret}")
    except RuntimeError:
        logger.exception("a call failed")
    written = buffer.getvalue()
    assert secret not in written
    assert "Traceback (most recent call last):" in written
    assert "RuntimeError: refused with [redacted]" in written


def test_key_shapes_nobody_configured_are_taken_out_too(
    log: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buffer = log
    logger.info("Authorization: Bearer someonesTokenValue123 and xoxb-9-9-OtherBotToken")
    written = buffer.getvalue()
    assert "someonesTokenValue123" not in written and "OtherBotToken" not in written


@pytest.mark.parametrize("line_break", BREAKS.values(), ids=BREAKS)
def test_a_message_cannot_forge_the_next_entry(
    log: tuple[logging.Logger, io.StringIO], line_break: str
) -> None:
    logger, buffer = log
    logger.info("user typed %s", f"hello{line_break}{FORGED}")
    try:
        raise ValueError(f"bad input{line_break}{FORGED}")
    except ValueError:
        logger.exception("and then")
    logger.info("the next real entry")
    lines = buffer.getvalue().splitlines()  # as a reader splitting on any line break would
    entries = [line for line in lines if not line.startswith(" ")]
    assert len(entries) == 3, lines
    assert [e.split(": ", 1)[1] for e in entries] == [
        "user typed hello",
        "and then",
        "the next real entry",
    ]
    assert any(line.strip() == FORGED for line in lines)  # kept, as a continuation line


def test_a_plain_message_is_left_as_it_is(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, buffer = log
    logger.info("%d of %d services connected", 3, 5)
    assert buffer.getvalue().endswith("INFO bot.test: 3 of 5 services connected\n")
