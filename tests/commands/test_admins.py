"""/pulse admins: who may change settings; changes are audited; identity is the user ID."""

from __future__ import annotations

import pytest

from commands.context import UserCheck, WorkspaceAdmins
from tests.commands.harness import CommandHarness, text


async def test_list_shows_the_three_kinds_of_admin(cmd: CommandHarness) -> None:
    """Workspace admins/owners (from Slack), PULSEBOT_ADMINS and people added (PRODUCT §7)."""
    cmd.workspace_admins = WorkspaceAdmins(("U0OWNER", "U0WSADMIN"))
    await cmd.store.admins.add(cmd.team, "U0ADDED1", "U0ADMIN")
    cmd.admin = False  # anyone may read
    shown = text(await cmd.run("admins"))
    assert shown.splitlines() == [
        "Pulse Bot admins",
        "Workspace admins and owners",
        "• @U0OWNER",
        "• @U0WSADMIN",
        "In PULSEBOT_ADMINS (set by the operator)",
        "• @U0OPERATOR",
        "Added with `/pulse admins add`",
        "• @U0ADDED1 (added by @U0ADMIN)",
        "  Add someone with `/pulse admins add @someone`; "
        "take it back with `/pulse admins remove @someone`.",
    ]


async def test_list_says_when_slack_listed_the_workspace_admins_only_in_part(
    cmd: CommandHarness,
) -> None:
    cmd.workspace_admins = WorkspaceAdmins(("U0OWNER",), False, "Slack could not be reached")
    cmd.operators = frozenset()
    shown = text(await cmd.run("admins"))
    assert (
        "• @U0OWNER\n_Slack's member list was read only in part: Slack could not be reached._"
        in (shown)
    )
    assert "In PULSEBOT_ADMINS (set by the operator)\n_nobody_" in shown
    assert "Added with `/pulse admins add`\n_nobody_" in shown


@pytest.mark.parametrize(
    ("check", "said"),
    [
        (
            UserCheck("missing"),
            "`UNOTAUSER123` is not a member of this workspace: mention them with @.\n"
            "Usage: `/pulse admins add @USER`",
        ),
        (
            UserCheck("bot"),
            "<@UNOTAUSER123> is an app, not a person: apps can't be Pulse Bot admins.\n"
            "Usage: `/pulse admins add @USER`",
        ),
        (
            UserCheck("deactivated"),
            "<@UNOTAUSER123>'s account is deactivated, so they can't be an admin.\n"
            "Usage: `/pulse admins add @USER`",
        ),
        (
            UserCheck("unchecked", "Slack could not be reached"),
            "I could not check who <@UNOTAUSER123> is (Slack could not be reached), so nobody "
            "was added; try again in a minute.",
        ),
    ],
    ids=["missing", "bot", "deactivated", "unchecked"],
)
async def test_add_refuses_anyone_but_a_person_of_the_workspace(
    cmd: CommandHarness, check: UserCheck, said: str
) -> None:
    cmd.people["UNOTAUSER123"] = check
    message = await cmd.run("admins add UNOTAUSER123")
    assert message.text == said
    assert not await cmd.store.admins.is_admin(cmd.team, "UNOTAUSER123")
    assert await cmd.store.admins.list(cmd.team) == []
    assert await cmd.store.audit.list(cmd.team) == []


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
    [attempt] = await cmd.store.audit.list(cmd.team)
    assert (attempt.user_id, attempt.action, attempt.detail) == (
        "U0ADMIN",
        "permission.denied",
        {"command": "admins add", "refused": "add admins"},
    )


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
