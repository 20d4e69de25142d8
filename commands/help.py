"""`/pulse help [COMMAND]`, generated from the handlers' own docstrings."""

from __future__ import annotations

from bot.domain.values import echo
from bot.errors import UsageError
from bot.render.blocks import context, header, section
from bot.render.message import Message
from commands.context import Catalog, CommandInfo, Context
from commands.parsing import Args
from commands.router import Router


def overview(catalog: Catalog) -> Message:
    groups: dict[str, list[CommandInfo]] = {}
    for command in catalog.commands.values():
        groups.setdefault(command.group, []).append(command)
    blocks = [header("Pulse Bot commands")]
    lines_all = []
    for group, commands in groups.items():
        lines = [f"`/pulse {c.usage}` — {c.summary}" for c in commands]
        lines_all += lines
        blocks.append(section(f"*{group}*\n" + "\n".join(lines)))
    blocks.append(
        context(
            "RANGE: today, yesterday, 24h, 7d (default), 30d, 90d, this-week, last-week, "
            "this-month, last-month or YYYY-MM-DD..YYYY-MM-DD. Add `--public` to post the "
            "answer in the channel. `/pulse help COMMAND` shows details and examples."
        )
    )
    return Message(text="Pulse Bot commands:\n" + "\n".join(lines_all), blocks=tuple(blocks))


def detail(command: CommandInfo, related: list[CommandInfo] | None = None) -> Message:
    parts = [f"*`{command.usage_line}`*", command.summary]
    if command.details:
        parts.append(command.details)
    if command.examples:
        parts.append("*Examples*\n" + "\n".join(f"`{e}`" for e in command.examples))
    if related:
        parts.append("*Also*\n" + "\n".join(f"`{c.usage_line}` — {c.summary}" for c in related))
    text = "\n\n".join(parts)
    return Message(text=text, blocks=(section(text),))


router = Router()


@router.command("help")
async def help_(ctx: Context, args: Args) -> Message:
    """help [COMMAND]

    List every command, or show one command's usage with examples.

    /pulse help
    /pulse help sessions
    """
    catalog = ctx.commands
    if not args.words:
        return overview(catalog)
    wanted = " ".join(args.words).lower()
    command = catalog.commands.get(wanted)
    if command is None:
        group = [c for n, c in catalog.commands.items() if n.startswith(wanted + " ")]
        if group:
            text = "\n".join(f"`{c.usage_line}` — {c.summary}" for c in group)
            return Message(text=text, blocks=(section(text),))
        err = catalog.unknown(list(args.words))
        raise UsageError(
            f"There is no help for `{echo(wanted)}`: it is not a /pulse command.",
            suggestion=f"help {err.suggestion}" if err.suggestion else None,
        )
    related = [c for n, c in catalog.commands.items() if n.startswith(wanted + " ")]
    return detail(command, related)
