"""The end-to-end harness: the real app on loopback, a fake Slack Web API, signed requests.

`PulseHarness` starts the real aiohttp + Bolt app on a free loopback port with
SLACK_API_URL pointing at a recording `FakeSlackServer`; `command()` sends a slash command
form-encoded and signed exactly as Slack signs it, with a `response_url` on the fake.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from aiohttp import web
from cryptography.fernet import Fernet

from bot.app import Runtime
from bot.clock import Clock
from bot.config import Settings
from bot.runner import start_http
from bot.sim.server import SimServer
from tests.fakes.slack import FakeSlackServer, signed_headers

SIGNING_SECRET = "e2e-signing-secret-0123456789"
_SUBMISSIONS = itertools.count(1)


@dataclass
class PulseHarness:
    runtime: Runtime
    slack: FakeSlackServer
    url: str
    http: httpx.AsyncClient
    sim: SimServer | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def post(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        extra: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        headers = signed_headers(secret, body, timestamp)
        headers["Content-Type"] = content_type
        headers.update(extra or {})
        return await self.http.post(f"{self.url}/slack/events", content=body, headers=headers)

    def command_body(
        self,
        text: str,
        *,
        team_id: str = "T0000001",
        user_id: str = "U0CALLER",
        channel_id: str = "C0GENERAL",
        response_id: str | None = None,
    ) -> tuple[str, str]:
        response_id = response_id or f"r{next(self._ids)}"
        form = {
            "token": "legacy-unused",
            "team_id": team_id,
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": "caller",
            "command": "/pulse",
            "text": text,
            "api_app_id": "A0PULSE",
            "is_enterprise_install": "false",
            "response_url": self.slack.response_url(response_id),
            "trigger_id": f"trigger.{response_id}",
        }
        return urlencode(form), response_id

    async def command(self, text: str, **kwargs: Any) -> tuple[httpx.Response, str]:
        body, response_id = self.command_body(text, **kwargs)
        return await self.post(body), response_id

    async def response(self, response_id: str, timeout: float = 10.0) -> dict[str, Any]:
        path = f"/response/{response_id}"
        state = self.slack.state
        await state.wait_for(lambda: any(r["_path"] == path for r in state.responses), timeout)
        return next(r for r in state.responses if r["_path"] == path)

    async def interact(self, payload: dict[str, Any]) -> httpx.Response:
        """An interactivity payload (block_actions, view_submission), form-encoded and signed."""
        return await self.post(urlencode({"payload": json.dumps(payload)}))

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str,
        team_id: str = "T0000001",
        retry: int | None = None,
    ) -> httpx.Response:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": team_id,
                "api_app_id": "A0PULSE",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
                "authorizations": [{"team_id": team_id, "user_id": "UBOT", "is_bot": True}],
            }
        )
        extra = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else {}
        )
        return await self.post(body, content_type="application/json", extra=extra)


def submission(
    h: PulseHarness, view: dict[str, Any], key: str, user: str, team: str = "T0000001"
) -> dict[str, Any]:
    """The connect form `view` submitted by `user` with `key` typed in."""
    view = dict(
        view,
        id="V1",
        team_id=team,
        state={"values": {"api_key": {"api_key": {"type": "plain_text_input", "value": key}}}},
    )
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "team_id": team},
        "api_app_id": "A0PULSE",
        "token": "legacy",
        "trigger_id": f"t.submit.{next(_SUBMISSIONS)}",  # each submission its own
        "view": view,
    }


def e2e_settings(database_url: str, slack: FakeSlackServer, **env: str) -> Settings:
    """The app's settings for a test: fake Slack, the test's database (SQLite or PostgreSQL:
    `database_url` runs each end-to-end test on both)."""
    where = (
        {"DATABASE_PATH": database_url.removeprefix("sqlite:///")}
        if database_url.startswith("sqlite:///")
        else {"DATABASE_URL": database_url}
    )
    base = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
        **where,
    }
    base.update(env)
    return Settings.from_env(base)


async def start_harness(
    settings: Settings, slack: FakeSlackServer, clock: Clock | None = None
) -> tuple[PulseHarness, web.AppRunner]:
    runtime = Runtime.build(settings, clock=clock)
    await runtime.start_background()
    runner = await start_http(runtime, "127.0.0.1", 0)
    port = runner.addresses[0][1]
    http = httpx.AsyncClient(timeout=10)
    return PulseHarness(runtime, slack, f"http://127.0.0.1:{port}", http), runner


async def stop_harness(h: PulseHarness, runner: web.AppRunner) -> None:
    """Undo `start_harness`: the client, the HTTP server, the background jobs, the runtime."""
    await h.http.aclose()
    await runner.cleanup()
    await h.runtime.stop_background()
    await h.runtime.close()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackServer]:
    async with FakeSlackServer() as server:
        yield server


@pytest.fixture
async def harness(database_url: str, slack: FakeSlackServer) -> AsyncIterator[PulseHarness]:
    settings = e2e_settings(database_url, slack, SLACK_BOT_TOKEN="xoxb-single-workspace-token")
    h, runner = await start_harness(settings, slack)
    try:
        yield h
    finally:
        await stop_harness(h, runner)


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    async with SimServer() as server:
        yield server


@pytest.fixture
async def sim_harness(
    database_url: str, slack: FakeSlackServer, sim: SimServer
) -> AsyncIterator[PulseHarness]:
    """Single-workspace mode with every service pointed at the simulator."""
    urls = {f"{s.upper()}_BASE_URL": url for s, url in sim.base_urls.items()}
    settings = e2e_settings(
        database_url, slack, SLACK_BOT_TOKEN="xoxb-single-workspace-token", **urls
    )
    h, runner = await start_harness(settings, slack)
    h.sim = sim
    try:
        yield h
    finally:
        await stop_harness(h, runner)


@pytest.fixture
async def oauth_harness(database_url: str, slack: FakeSlackServer) -> AsyncIterator[PulseHarness]:
    settings = e2e_settings(
        database_url, slack, SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="oauth-client-secret"
    )
    h, runner = await start_harness(settings, slack)
    try:
        yield h
    finally:
        await stop_harness(h, runner)
