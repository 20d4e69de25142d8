"""Socket Mode over a real WebSocket: the fake Slack hands out a ws:// URL through
apps.connections.open (on SLACK_API_URL) and delivers a slash command envelope; the app
acks the envelope and answers through response_url, as it does in HTTP mode."""

from __future__ import annotations

import asyncio
from pathlib import Path

from cryptography.fernet import Fernet

from bot.app import Runtime
from bot.config import Mode, Settings
from bot.runner import start_socket
from tests.fakes.slack import FakeSlackServer


async def test_a_slash_command_arrives_over_the_socket_and_is_answered(
    tmp_path: Path, slack: FakeSlackServer
) -> None:
    settings = Settings.from_env(
        {
            "SLACK_APP_TOKEN": "xapp-1-socket-test",
            "SLACK_BOT_TOKEN": "xoxb-socket",
            "SLACK_API_URL": slack.api_url,
            "DATABASE_PATH": str(tmp_path / "s.db"),
            "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
        }
    )
    assert settings.default_mode() is Mode.SOCKET
    settings.check_for(Mode.SOCKET)
    runtime = Runtime.build(settings)
    handler = await start_socket(runtime)
    state = slack.state
    try:
        await state.wait_for(lambda: bool(state.sockets), 5)
        opened = state.called("apps.connections.open")
        assert [c.token for c in opened] == ["xapp-1-socket-test"]
        await slack.send_envelope(
            "slash_commands",
            {
                "team_id": "T0SOCKET",
                "user_id": "U0CALLER",
                "channel_id": "C0GENERAL",
                "command": "/pulse",
                "text": "help",
                "api_app_id": "A0PULSE",
                "response_url": slack.response_url("sock1"),
                "trigger_id": "t.1",
            },
            envelope_id="env-1",
        )
        await state.wait_for(lambda: any(a.get("envelope_id") == "env-1" for a in state.acks), 5)
        await state.wait_for(
            lambda: any(r["_path"] == "/response/sock1" for r in state.responses), 5
        )
        answer = next(r for r in state.responses if r["_path"] == "/response/sock1")
        assert "Pulse Bot commands" in answer["text"]
        assert answer["response_type"] == "ephemeral"
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await runtime.close()


async def test_slack_down_when_socket_mode_starts_connects_once_it_is_back(
    tmp_path: Path, slack: FakeSlackServer
) -> None:
    settings = Settings.from_env(
        {
            "SLACK_APP_TOKEN": "xapp-1-socket-test",
            "SLACK_BOT_TOKEN": "xoxb-socket",
            "SLACK_API_URL": slack.api_url,
            "DATABASE_PATH": str(tmp_path / "down.db"),
            "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
        }
    )
    runtime = Runtime.build(settings)
    state = slack.state
    state.down = True
    starting = asyncio.create_task(start_socket(runtime, ping_interval=0.1))
    await state.wait_for(lambda: len(state.called("apps.connections.open")) >= 2, 5)
    assert not starting.done()  # still trying, not crashed
    state.down = False
    handler = await asyncio.wait_for(starting, 5)
    try:
        await state.wait_for(lambda: bool(state.sockets), 5)
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await runtime.close()
