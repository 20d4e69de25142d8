"""rotate_keys: everything encrypted is moved to the newest key."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.errors import ConfigError
from bot.store import Secrets, Store, rotate_keys
from bot.store.slack_stores import SqliteInstallationStore
from bot.team import Team
from tests.fakes.clock import FakeClock

TEAM = Team("T1")


async def test_rotate_then_drop_the_old_key(db_path: Path, clock: FakeClock) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()

    before = Store.open(db_path, Secrets([old]), clock)
    before.credentials.save(TEAM, "weldpulse", {"api_key": "ak_live_0123456789abc"}, "U1")
    await SqliteInstallationStore(before).async_save(
        Installation(
            team_id="T1",
            user_id="U1",
            bot_token="xoxb-1",
            bot_id="B",
            bot_user_id="UB",
            bot_refresh_token="xoxe-1",
            user_token="xoxp-1",
            custom_values={"k": "v"},
        )
    )
    before.close()

    only_new = Store.open(db_path, Secrets([new]), clock)
    with pytest.raises(ConfigError):
        only_new.credentials.get(TEAM, "weldpulse")
    only_new.close()

    both = Store.open(db_path, Secrets([new, old]), clock)
    # credential 1; installation: bot, bot refresh, user token, custom values 4; bot row: 3
    assert rotate_keys(both) == 8
    both.close()

    after = Store.open(db_path, Secrets([new]), clock)
    try:
        assert after.credentials.get(TEAM, "weldpulse") == {"api_key": "ak_live_0123456789abc"}
        slack = SqliteInstallationStore(after)
        found = await slack.async_find_installation(enterprise_id=None, team_id="T1")
        assert found is not None
        assert (found.bot_token, found.bot_refresh_token, found.user_token) == (
            "xoxb-1",
            "xoxe-1",
            "xoxp-1",
        )
        assert found.custom_values == {"k": "v"}
        bot = await slack.async_find_bot(enterprise_id=None, team_id="T1")
        assert bot is not None and bot.bot_token == "xoxb-1"
    finally:
        after.close()


def test_rotation_is_all_or_nothing(db_path: Path, clock: FakeClock) -> None:
    old, new, stray = (Fernet.generate_key() for _ in range(3))
    first = Store.open(db_path, Secrets([old]), clock)
    first.credentials.save(TEAM, "a", {"k": "value-aaaaaaaaaaaa"}, "U1")
    first.close()
    second = Store.open(db_path, Secrets([stray]), clock)
    second.credentials.save(TEAM, "b", {"k": "value-bbbbbbbbbbbb"}, "U1")
    second.close()

    rotating = Store.open(db_path, Secrets([new, old]), clock)  # cannot read "b"
    try:
        with pytest.raises(ConfigError):
            rotate_keys(rotating)
        assert not rotating.db.conn.in_transaction
        # "a" was not rewritten: the old key alone still reads it.
    finally:
        rotating.close()
    check = Store.open(db_path, Secrets([old]), clock)
    try:
        assert check.credentials.get(TEAM, "a") == {"k": "value-aaaaaaaaaaaa"}
    finally:
        check.close()
