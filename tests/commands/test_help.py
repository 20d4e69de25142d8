"""Help is generated from the handlers' docstrings, so it cannot drift from the code."""

from __future__ import annotations

import pytest

from bot.render.message import Message
from commands.parsing import Args
from commands.router import Router
from tests.commands.harness import CommandHarness, text


async def test_help_overview_groups_every_command(cmd: CommandHarness) -> None:
    shown = text(await cmd.run("help"))
    for name, command in cmd.router.commands.items():
        assert f"/pulse {command.usage}" in shown, name
    assert "RANGE: today, yesterday, 24h, 7d (default)" in shown


async def test_help_for_one_command_shows_usage_summary_and_examples(cmd: CommandHarness) -> None:
    shown = text(await cmd.run("help pages"))
    assert "/pulse pages [RANGE] [--limit N]" in shown
    assert "Top pages ranked by visitors." in shown
    assert "/pulse pages 30d" in shown


async def test_help_for_a_group_lists_its_commands(cmd: CommandHarness) -> None:
    shown = text(await cmd.run("help admins"))
    assert "/pulse admins add @USER" in shown


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("help pgaes", "Did you mean `/pulse help pages`?"),
        ("stast", "Did you mean `/pulse stats`?"),
        ("admins ad <@U1ABCDEF>", "Did you mean `/pulse admins add`?"),
        ("frobnicate", "`frobnicate` is not a /pulse command."),
    ],
    ids=["help-typo", "typo", "group-typo", "unknown"],
)
async def test_typos_get_the_nearest_command(cmd: CommandHarness, line: str, fragment: str) -> None:
    assert fragment in text(await cmd.run(line))


def test_a_handler_without_a_usage_docstring_is_refused() -> None:
    router = Router()

    async def nameless(ctx: object, args: Args) -> Message:
        return Message("x")

    with pytest.raises(ValueError, match="docstring"):
        router.command("nameless")(nameless)


async def test_a_usage_error_gets_the_matched_commands_usage_line(cmd: CommandHarness) -> None:
    """Handlers raise without a usage line; the dispatcher adds the command's own, once."""
    shown = text(await cmd.run("pages --limit many"))
    assert "`--limit` must be a whole number, not `many`." in shown
    assert shown.count("Usage: `/pulse pages [RANGE] [--limit N]`") == 1
