"""StoreInstallationStore: slack_sdk's AsyncInstallationStore over the store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.store import Store
from bot.store.slack_stores import StoreInstallationStore
from bot.team import Team
from tests.store.support import OpenStore, count

INSTALLED_AT = datetime(2026, 11, 1, 10, 0, 0, 123456, tzinfo=UTC).timestamp()
BOT_TOKEN = "xoxb-1111-2222-BOTSECRETbotsecret"
BOT_REFRESH = "xoxe-1-BOTREFRESHsecret"
USER_TOKEN = "xoxp-3333-4444-USERSECRETusersecret"
USER_REFRESH = "xoxe-1-USERREFRESHsecret"
WEBHOOK = "https://hooks.slack.com/services/T1/B1/WEBHOOKSECRETxyz"


def _installation(**overrides: object) -> Installation:
    values: dict[str, object] = {
        "app_id": "A1",
        "enterprise_id": None,
        "team_id": "T1",
        "team_name": "Acme",
        "bot_token": BOT_TOKEN,
        "bot_id": "B1",
        "bot_user_id": "UBOT",
        "bot_scopes": ["commands", "chat:write"],
        "bot_refresh_token": BOT_REFRESH,
        "bot_token_expires_at": 1_800_000_000,
        "user_id": "U1",
        "user_token": USER_TOKEN,
        "user_scopes": ["search:read"],
        "user_refresh_token": USER_REFRESH,
        "user_token_expires_at": 1_800_000_100,
        "incoming_webhook_url": WEBHOOK,
        "incoming_webhook_channel": "#general",
        "incoming_webhook_channel_id": "C1",
        "incoming_webhook_configuration_url": "https://acme.slack.com/conf",
        "token_type": "bot",
        "installed_at": INSTALLED_AT,
        "custom_values": {"plan": "pro"},
    }
    values.update(overrides)
    return Installation(**values)  # type: ignore[arg-type]


def _comparable(i: Installation) -> dict[str, object]:
    d = i.to_dict()
    d["installed_at"] = round(i.installed_at, 6)
    return d


async def test_round_trip_with_rotation_fields(store: Store) -> None:
    slack = StoreInstallationStore(store)
    original = _installation()
    await slack.async_save(original)
    found = await slack.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None
    assert _comparable(found) == _comparable(original)
    assert found.custom_values == {"plan": "pro"}
    assert found.bot_token_expires_at == 1_800_000_000
    assert found.user_token_expires_at == 1_800_000_100
    assert abs(found.installed_at - INSTALLED_AT) < 1e-6

    bot = await slack.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None
    assert (bot.bot_token, bot.bot_refresh_token, bot.bot_token_expires_at) == (
        BOT_TOKEN,
        BOT_REFRESH,
        1_800_000_000,
    )
    assert list(bot.bot_scopes) == ["commands", "chat:write"]
    assert (bot.team_id, bot.enterprise_id, bot.is_enterprise_install) == ("T1", None, False)


async def test_tokens_are_not_in_the_file(
    sqlite_store: Store, file_bytes: Callable[[], bytes]
) -> None:
    slack = StoreInstallationStore(sqlite_store)
    await slack.async_save(_installation())
    data = file_bytes()
    for secret in (BOT_TOKEN, BOT_REFRESH, USER_TOKEN, USER_REFRESH, WEBHOOK):
        assert secret.encode() not in data
    assert b"xoxb-" not in data and b"xoxp-" not in data and b"xoxe-" not in data


async def test_save_records_the_workspace(store: Store) -> None:
    await StoreInstallationStore(store).async_save(_installation())
    workspace = await store.workspaces.get(Team("T1"))
    assert workspace is not None and workspace.team_name == "Acme" and workspace.active


async def test_latest_save_wins_and_rotated_tokens_are_found(store: Store) -> None:
    slack = StoreInstallationStore(store)
    await slack.async_save(_installation())
    rotated = _installation(bot_token="xoxb-rotated", bot_refresh_token="xoxe-rotated")
    await slack.async_save(rotated)
    found = await slack.async_find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-rotated"
    assert found.bot_refresh_token == "xoxe-rotated"
    bot = await slack.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-rotated"
    assert await count(store, "installations") == 1


async def test_save_bot_rotation(store: Store) -> None:
    slack = StoreInstallationStore(store)
    await slack.async_save(_installation())
    bot = await slack.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None
    refreshed = Bot(**bot.to_dict_for_copying())
    refreshed.bot_token = "xoxb-refreshed"
    refreshed.bot_token_expires_at = 1_900_000_000
    await slack.async_save_bot(refreshed)
    again = await slack.async_find_bot(enterprise_id=None, team_id="T1")
    assert again is not None
    assert (again.bot_token, again.bot_token_expires_at) == ("xoxb-refreshed", 1_900_000_000)
    assert again.custom_values == {"plan": "pro"}


async def test_per_user_lookup_takes_the_latest_bot_token(store: Store) -> None:
    slack = StoreInstallationStore(store)
    await slack.async_save(_installation(user_id="U1", user_token="xoxp-u1"))
    await slack.async_save(
        _installation(user_id="U2", user_token="xoxp-u2", bot_token="xoxb-newer")
    )
    latest = await slack.async_find_installation(enterprise_id=None, team_id="T1")
    assert latest is not None and latest.user_id == "U2"
    u1 = await slack.async_find_installation(enterprise_id=None, team_id="T1", user_id="U1")
    assert u1 is not None
    assert (u1.user_id, u1.user_token, u1.bot_token) == ("U1", "xoxp-u1", "xoxb-newer")
    assert (
        await slack.async_find_installation(enterprise_id=None, team_id="T1", user_id="U3") is None
    )


async def test_user_only_installation_borrows_the_bot_token(store: Store) -> None:
    slack = StoreInstallationStore(store)
    await slack.async_save(_installation(user_id="U1"))
    await slack.async_save(
        _installation(user_id="U2", bot_token=None, bot_id=None, bot_user_id=None, bot_scopes="")
    )
    latest = await slack.async_find_installation(enterprise_id=None, team_id="T1")
    assert latest is not None and latest.user_id == "U2" and latest.bot_token == BOT_TOKEN


async def test_enterprise_wide_install(store: Store) -> None:
    slack = StoreInstallationStore(store)
    org = _installation(
        enterprise_id="E1",
        enterprise_name="Acme Org",
        team_id=None,
        team_name=None,
        is_enterprise_install=True,
        bot_token="xoxb-org",
    )
    await slack.async_save(org)
    # A request from any workspace of the org finds the org-wide install.
    found = await slack.async_find_installation(
        enterprise_id="E1", team_id="T77", is_enterprise_install=True
    )
    assert found is not None
    assert (found.enterprise_id, found.team_id, found.is_enterprise_install) == ("E1", None, True)
    assert found.bot_token == "xoxb-org"
    bot = await slack.async_find_bot(enterprise_id="E1", team_id="T77", is_enterprise_install=True)
    assert bot is not None and bot.bot_token == "xoxb-org" and bot.is_enterprise_install
    # ... but not as a workspace-level install of that team, nor for another org.
    assert await slack.async_find_installation(enterprise_id="E1", team_id="T77") is None
    assert await slack.async_find_bot(enterprise_id="E2", team_id=None) is None


async def test_enterprise_workspace_install_is_scoped(store: Store) -> None:
    slack = StoreInstallationStore(store)
    await slack.async_save(_installation(enterprise_id="E1", team_id="T1"))
    assert await slack.async_find_installation(enterprise_id=None, team_id="T1") is None
    found = await slack.async_find_installation(enterprise_id="E1", team_id="T1")
    assert found is not None and found.enterprise_id == "E1"
    assert await store.workspaces.get(Team("T1", "E1")) is not None


async def test_delete_installation_and_bot(store: Store) -> None:
    slack = StoreInstallationStore(store)
    await slack.async_save(_installation(user_id="U1"))
    await slack.async_save(_installation(user_id="U2"))
    await slack.async_save(_installation(team_id="T2"))
    await slack.async_delete_installation(enterprise_id=None, team_id="T1", user_id="U1")
    assert (
        await slack.async_find_installation(enterprise_id=None, team_id="T1", user_id="U1") is None
    )
    assert await slack.async_find_installation(enterprise_id=None, team_id="T1") is not None
    await slack.async_delete_bot(enterprise_id=None, team_id="T1")
    assert await slack.async_find_bot(enterprise_id=None, team_id="T1") is None
    await slack.async_delete_all(enterprise_id=None, team_id="T1")
    assert await slack.async_find_installation(enterprise_id=None, team_id="T1") is None
    assert await slack.async_find_installation(enterprise_id=None, team_id="T2") is not None
    assert await slack.async_find_bot(enterprise_id=None, team_id="T2") is not None


async def test_survives_restart(store: Store, open_store: OpenStore) -> None:
    await StoreInstallationStore(store).async_save(_installation())
    found = await StoreInstallationStore(open_store()).async_find_bot(
        enterprise_id=None, team_id="T1"
    )
    assert found is not None and found.bot_token == BOT_TOKEN


def test_logger(store: Store) -> None:
    assert StoreInstallationStore(store).logger.name == "bot.store.slack_stores"
