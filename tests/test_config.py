"""Settings from the environment, and the one-sentence refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clients.registry import SPECS
from bot.config import Mode, SchedulerPlacement, Settings
from bot.errors import ConfigError


def test_defaults_choose_the_console() -> None:
    s = Settings.from_env({})
    assert s.default_mode() is Mode.CONSOLE
    assert s.port == 3000
    assert s.database_path == Path("pulsebot.db")
    assert s.slack_api_url == "https://slack.com/api/"
    assert dict(s.base_urls) == {spec.key: spec.default_base_url for spec in SPECS}
    assert s.alert_interval == 60
    assert s.scheduler is SchedulerPlacement.WEB


def test_modes_follow_the_contract() -> None:
    assert Settings.from_env({"SLACK_SIGNING_SECRET": "s"}).default_mode() is Mode.HTTP
    both = {"SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1"}
    assert Settings.from_env(both).default_mode() is Mode.SOCKET


def test_values_are_read_and_normalised() -> None:
    s = Settings.from_env(
        {
            "PORT": "8080",
            "SLACK_API_URL": "http://127.0.0.1:5000/api",
            "WELDPULSE_BASE_URL": "http://127.0.0.1:9000/weldpulse/",
            "PULSEBOT_ADMINS": "U1, U2,U3",
            "PULSEBOT_ALERT_INTERVAL": "5",
            "DATABASE_PATH": "/tmp/x.db",
            "LOG_LEVEL": "debug",
        }
    )
    assert s.port == 8080
    assert s.slack_api_url == "http://127.0.0.1:5000/api/"
    assert s.base_urls["weldpulse"] == "http://127.0.0.1:9000/weldpulse"
    assert s.admins == frozenset({"U1", "U2", "U3"})
    assert s.alert_interval == 5
    assert s.key_file == Path("/tmp/x.db.key")
    assert s.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"PORT": "eighty"}, "PORT must be a whole number"),
        ({"PORT": "70000"}, "PORT must be between 1 and 65535"),
        ({"RAYGUN_BASE_URL": "ftp://x"}, "RAYGUN_BASE_URL must be an http(s) URL"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"PULSEBOT_SCHEDULER": "both"}, "PULSEBOT_SCHEDULER must be"),
    ],
    ids=["port-text", "port-range", "base-url", "log-level", "scheduler"],
)
def test_bad_values_are_one_sentence(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("env", "mode", "fragment"),
    [
        ({"SLACK_SIGNING_SECRET": "s"}, Mode.HTTP, "needs a token source"),
        (
            {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"},
            Mode.HTTP,
            "PULSEBOT_SECRET_KEY is required",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "bad"}, Mode.SOCKET, "xapp-"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, Mode.HTTP, "needs SLACK_SIGNING_SECRET"),
        (
            {"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "1"},
            Mode.HTTP,
            "needs a token source",
        ),
    ],
    ids=["no-token", "no-key", "bad-app-token", "no-signing-secret", "half-oauth"],
)
def test_misconfiguration_is_refused(env: dict[str, str], mode: Mode, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env).check_for(mode)
    assert fragment in str(caught.value)


def test_secrets_do_not_show_in_repr() -> None:
    s = Settings.from_env(
        {
            "SLACK_SIGNING_SECRET": "shh-signing",
            "SLACK_BOT_TOKEN": "xoxb-secret-token",
            "PULSEBOT_SECRET_KEY": "fernetkey",
            "SLACK_CLIENT_SECRET": "client-shh",
        }
    )
    text = repr(s)
    for secret in ("shh-signing", "xoxb-secret-token", "fernetkey", "client-shh"):
        assert secret not in text
