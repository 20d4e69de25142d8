"""rotate_keys: everything encrypted is moved to the newest key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.errors import ConfigError
from bot.store import Secrets, rotate_keys
from bot.store.slack_stores import StoreInstallationStore
from bot.team import Team
from tests.store.support import OpenStore

TEAM = Team("T1")


async def test_rotate_then_drop_the_old_key(open_store: OpenStore) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()

    before = open_store(Secrets([old]))
    await before.credentials.save(TEAM, "weldpulse", {"api_key": "ak_live_0123456789abc"}, "U1")
    await StoreInstallationStore(before).async_save(
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

    only_new = open_store(Secrets([new]))
    with pytest.raises(ConfigError):
        await only_new.credentials.get(TEAM, "weldpulse")
    only_new.close()

    both = open_store(Secrets([new, old]))
    # credential 1; installation: bot, bot refresh, user token, custom values 4; bot row: 3
    assert rotate_keys(both) == 8
    both.close()

    after = open_store(Secrets([new]))
    try:
        assert await after.credentials.get(TEAM, "weldpulse") == {
            "api_key": "ak_live_0123456789abc"
        }
        slack = StoreInstallationStore(after)
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


async def test_rotation_is_all_or_nothing(open_store: OpenStore) -> None:
    old, new, stray = (Fernet.generate_key() for _ in range(3))
    first = open_store(Secrets([old]))
    await first.credentials.save(TEAM, "a", {"k": "value-aaaaaaaaaaaa"}, "U1")
    first.close()
    second = open_store(Secrets([stray]))
    await second.credentials.save(TEAM, "b", {"k": "value-bbbbbbbbbbbb"}, "U1")
    second.close()

    rotating = open_store(Secrets([new, old]))  # cannot read "b"
    with pytest.raises(ConfigError):
        rotate_keys(rotating)
    # Nothing is left locked: the store that failed and another one both write at once.
    await rotating.credentials.save(TEAM, "c", {"k": "value-cccccccccccc"}, "U1")
    check = open_store(Secrets([old]))
    await check.credentials.save(TEAM, "d", {"k": "value-dddddddddddd"}, "U1")
    # "a" was not rewritten: the old key alone still reads it.
    assert await check.credentials.get(TEAM, "a") == {"k": "value-aaaaaaaaaaaa"}
