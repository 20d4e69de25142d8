"""Settings, built once from the environment (PRODUCT §3) and passed down.

This is the only module that looks at environment variables; everything else receives
a `Settings`. A misconfiguration raises `ConfigError` with one sentence for the operator.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.clients.registry import SPECS
from bot.errors import ConfigError

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class Mode(StrEnum):
    SOCKET = "socket"
    HTTP = "serve"
    CONSOLE = "console"


class SchedulerPlacement(StrEnum):
    """Where the digest/alert scheduler runs: exactly one process may run it."""

    WEB = "web"  # inside `python -m bot serve` / `socket` (the default)
    CLOCK = "clock"  # only in `python -m bot clock`; web processes leave it off


@dataclass(frozen=True, slots=True)
class Settings:
    signing_secret: str | None = field(default=None, repr=False)
    bot_token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    port: int = 3000
    database_path: Path = Path("pulsebot.db")
    database_url: str | None = field(default=None, repr=False)
    secret_keys: str | None = field(default=None, repr=False)
    admins: frozenset[str] = frozenset()
    alert_interval: float = 60.0
    scheduler: SchedulerPlacement = SchedulerPlacement.WEB
    base_urls: Mapping[str, str] = field(
        default_factory=lambda: {spec.key: spec.default_base_url for spec in SPECS}
    )
    log_level: str = "INFO"

    @property
    def oauth(self) -> bool:
        """Multi-workspace mode: installs through /slack/install."""
        return bool(self.client_id and self.client_secret)

    def secrets(self) -> list[str]:
        """Every secret value set here, for the log filter to take out by value (the
        database's password included)."""
        keys = [k.strip() for k in (self.secret_keys or "").split(",")]
        password = urlsplit(self.database_url).password if self.database_url else None
        return [
            v
            for v in (
                self.signing_secret,
                self.bot_token,
                self.client_secret,
                self.app_token,
                password,
                unquote(password or ""),
                *keys,
            )
            if v
        ]

    @property
    def database(self) -> str:
        """Where everything is kept: DATABASE_URL (PostgreSQL) if set, else the SQLite file."""
        return self.database_url or str(self.database_path)

    @property
    def key_file(self) -> Path:
        """Where a local run keeps its generated Fernet key: beside the database."""
        return self.database_path.with_name(self.database_path.name + ".key")

    def default_mode(self) -> Mode:
        if self.app_token:
            return Mode.SOCKET
        if self.signing_secret:
            return Mode.HTTP
        return Mode.CONSOLE

    def check_for(self, mode: Mode) -> None:
        """Refuse to start `mode` with settings that cannot work, in one sentence."""
        if mode is Mode.CONSOLE:
            return
        if not (self.bot_token or self.oauth):
            raise ConfigError(
                "Slack needs a token source: set SLACK_BOT_TOKEN (one workspace) or "
                "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth install for many workspaces)."
            )
        if (self.client_id and not self.client_secret) or (
            self.client_secret and not self.client_id
        ):
            raise ConfigError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET must be set together.")
        if mode is Mode.SOCKET:
            if not (self.app_token or "").startswith("xapp-"):
                raise ConfigError("Socket Mode needs SLACK_APP_TOKEN, an app-level token (xapp-…).")
            if self.oauth and not self.bot_token:
                raise ConfigError(
                    "Socket Mode serves one workspace: set SLACK_BOT_TOKEN (OAuth install "
                    "needs the HTTP mode with SLACK_SIGNING_SECRET)."
                )
        if mode is Mode.HTTP and not self.signing_secret:
            raise ConfigError(
                "The HTTP mode needs SLACK_SIGNING_SECRET to verify Slack's requests."
            )
        if self.signing_secret and not self.secret_keys:
            raise ConfigError(
                "PULSEBOT_SECRET_KEY is required once SLACK_SIGNING_SECRET is set: generate one "
                "with `python -m bot keygen` and keep it out of the repository."
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        base_urls = {}
        for spec in SPECS:
            url = get(spec.env_var) or spec.default_base_url
            _check_url(spec.env_var, url)
            base_urls[spec.key] = url.rstrip("/")
        slack_api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        _check_url("SLACK_API_URL", slack_api_url)
        if not slack_api_url.endswith("/"):
            slack_api_url += "/"
        level = (get("LOG_LEVEL") or "INFO").upper()
        if not isinstance(logging.getLevelName(level), int):
            raise ConfigError(
                f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR (got {level!r})."
            )
        placement = (get("PULSEBOT_SCHEDULER") or "web").lower()
        if placement not in {p.value for p in SchedulerPlacement}:
            raise ConfigError("PULSEBOT_SCHEDULER must be 'web' or 'clock'.")
        return cls(
            signing_secret=get("SLACK_SIGNING_SECRET"),
            bot_token=get("SLACK_BOT_TOKEN"),
            client_id=get("SLACK_CLIENT_ID"),
            client_secret=get("SLACK_CLIENT_SECRET"),
            app_token=get("SLACK_APP_TOKEN"),
            slack_api_url=slack_api_url,
            port=_int("PORT", get("PORT"), 3000, low=1, high=65535),
            database_path=Path(get("DATABASE_PATH") or "pulsebot.db"),
            database_url=_database_url(get("DATABASE_URL")),
            secret_keys=get("PULSEBOT_SECRET_KEY"),
            admins=frozenset(
                a.strip() for a in (get("PULSEBOT_ADMINS") or "").replace(" ", ",").split(",") if a
            ),
            alert_interval=float(
                _int("PULSEBOT_ALERT_INTERVAL", get("PULSEBOT_ALERT_INTERVAL"), 60, low=1)
            ),
            scheduler=SchedulerPlacement(placement),
            base_urls=base_urls,
            log_level=level,
        )


def _int(name: str, raw: str | None, default: int, *, low: int, high: int | None = None) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number (got {raw!r}).") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ConfigError(f"{name} must be {bound} (got {value}).")
    return value


def _check_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL (got {url!r}).")


def _database_url(url: str | None) -> str | None:
    if url is None:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            "DATABASE_URL must be a PostgreSQL URL (postgresql://user:password@host/name); "
            "leave it unset to keep everything in the SQLite file DATABASE_PATH."
        )
    return url
