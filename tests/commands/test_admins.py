"""/pulse admins: who may change settings; changes are audited; identity is the user ID."""

from __future__ import annotations

import pytest

from tests.commands.harness import CommandHarness, text


async def test_list_shows_added_and_operator_admins(cmd: CommandHarness) -> None:
    await cmd.store.admins.add(cmd.team, "U0ADDED1", "U0ADMIN")
    shown = text(await cmd.run("admins"))
    assert "@U0ADDED1 (added by @U0ADMIN)" in shown
    assert "@U0OPERATOR (operator)" in shown
    assert "Workspace admins and owners are always Pulse Bot admins" in shown


async def test_add_and_remove_are_audited(cmd: CommandHarness) -> None:
    assert "@U0NEW1 is now a Pulse Bot admin" in text(await cmd.run("admins add <@U0NEW1|new>"))
    assert "already a Pulse Bot admin" in text(await cmd.run("admins add <@U0NEW1>"))
    assert "no longer a Pulse Bot admin" in text(await cmd.run("admins remove <@U0NEW1>"))
    assert "was not on the Pulse Bot admin list" in text(await cmd.run("admins remove <@U0NEW1>"))
    actions = [(a.action, a.detail) for a in await cmd.store.audit.list(cmd.team)]
    assert actions == [("admins.remove", {"user": "U0NEW1"}), ("admins.add", {"user": "U0NEW1"})]


async def test_non_admin_is_refused_and_nothing_changes(cmd: CommandHarness) -> None:
    cmd.admin = False
    shown = text(await cmd.run("admins add <@U0NEW1>"))
    assert "Only Pulse Bot admins can add admins" in shown
    assert not await cmd.store.admins.is_admin(cmd.team, "U0NEW1")
    assert await cmd.store.audit.list(cmd.team) == []


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("admins add ana", "`ana` is not a Slack user: mention them with @."),
        ("admins add", "Name exactly one person"),
        ("admins add <@U1AAAAAA> <@U2BBBBBB>", "Name exactly one person"),
    ],
    ids=["name-not-id", "nobody", "two"],
)
async def test_bad_targets(cmd: CommandHarness, line: str, fragment: str) -> None:
    shown = text(await cmd.run(line))
    assert fragment in shown
    assert "Usage: `/pulse admins add @USER`" in shown


async def test_operator_admin_stays_admin_after_removal(cmd: CommandHarness) -> None:
    await cmd.store.admins.add(cmd.team, "U0OPERATOR", "U0ADMIN")
    shown = text(await cmd.run("admins remove <@U0OPERATOR>"))
    assert "They stay an admin through PULSEBOT_ADMINS" in shown
