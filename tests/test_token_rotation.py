"""The scheduler rotates an expiring bot token itself before posting (Bolt only rotates
on incoming requests, and digests are posted when nobody is typing)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation

from bot.config import Settings
from bot.slack.outbound import BotTokens, Outbound
from bot.store import Secrets, Store
from bot.store.opening import open_database
from bot.store.slack_stores import StoreInstallationStore
from bot.team import Team
from tests.fakes.clock import FakeClock
from tests.fakes.slack import FakeSlackServer

TEAM = Team("T0ROTATE")


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackServer]:
    async with FakeSlackServer() as server:
        yield server


async def installed(tmp_path: Path, expires_in: int) -> Store:
    store = Store(open_database(tmp_path / "r.db"), Secrets([Fernet.generate_key()]), FakeClock())
    await StoreInstallationStore(store).async_save(
        Installation(
            app_id="A0PULSE",
            team_id=TEAM.team_id,
            bot_token="xoxb-expiring",
            bot_refresh_token="xoxe-1-refresh-0",
            bot_token_expires_in=expires_in,
            bot_id="B1",
            bot_user_id="UBOT",
            user_id="U1",
        )
    )
    return store


def settings(slack: FakeSlackServer) -> Settings:
    return Settings.from_env(
        {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "shh", "SLACK_API_URL": slack.api_url}
    )


async def test_an_expiring_token_is_rotated_saved_and_used(
    tmp_path: Path, slack: FakeSlackServer
) -> None:
    store = await installed(tmp_path, expires_in=60)  # inside the 10-minute margin
    tokens = BotTokens(settings(slack), store)
    out = Outbound(tokens.token, FakeClock(), api_url=slack.api_url)
    try:
        assert (await out.post(TEAM, "C1", {"text": "digest"})).ok
        assert (await out.post(TEAM, "C2", {"text": "digest"})).ok
    finally:
        await out.close()
    refresh = slack.state.called("oauth.v2.access")
    assert len(refresh) == 1 and refresh[0].args["refresh_token"] == "xoxe-1-refresh-0"
    assert [p.token for p in slack.state.posts()] == ["xoxb-rotated-1", "xoxb-rotated-1"]
    bot = await StoreInstallationStore(store).async_find_bot(
        enterprise_id=None, team_id=TEAM.team_id
    )
    assert bot is not None and bot.bot_token == "xoxb-rotated-1"
    assert bot.bot_token_expires_at is not None and bot.bot_token_expires_at > time.time() + 3600
    store.close()


async def test_a_fresh_token_is_used_as_it_is(tmp_path: Path, slack: FakeSlackServer) -> None:
    store = await installed(tmp_path, expires_in=12 * 3600)
    out = Outbound(BotTokens(settings(slack), store).token, FakeClock(), api_url=slack.api_url)
    try:
        assert (await out.post(TEAM, "C1", {"text": "digest"})).ok
    finally:
        await out.close()
    assert slack.state.called("oauth.v2.access") == []
    assert [p.token for p in slack.state.posts()] == ["xoxb-expiring"]
    store.close()
