"""`/pulse admins`: who may change this workspace's Pulse Bot settings.

Pulse Bot admins are of three kinds (PRODUCT §7): the workspace's admins and owners (as
Slack says), the operator's `PULSEBOT_ADMINS`, and people added with `admins add`. Only a
person Slack knows in this workspace can be added: not a mistyped ID, an app or a
deactivated account. When Slack cannot say who an ID is, nobody is added — granting
rights waits for an answer, and trying again costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.values import echo
from bot.errors import UsageError
from bot.render.blocks import Block, context, section
from bot.render.message import Message
from commands.context import Context, WorkspaceAdmins
from commands.parsing import Args, user_id
from commands.router import Router

router = Router(group="Settings")
SHOWN = 40  # people listed per kind; more are counted


def _target(args: Args) -> str:
    if len(args.words) != 1:
        raise UsageError("Name exactly one person, as an @mention.")
    target = user_id(args.words[0])
    if target is None:
        raise UsageError(f"`{echo(args.words[0])}` is not a Slack user: mention them with @.")
    return target


@router.command("admins")
async def admins(ctx: Context, args: Args) -> Message:
    """admins

    Who may connect services, manage admins, create or rename Pulsetracker apps and
    change anyone's digests and alerts: workspace admins and owners, PULSEBOT_ADMINS,
    and people added with `/pulse admins add`.
    """
    if args.words:
        raise ctx.commands.unknown(["admins", *args.words])
    added = await ctx.store.admins.list(ctx.team)
    roster = await ctx.slack.workspace_admins()
    kinds = [
        _kind("Workspace admins and owners", [f"<@{u}>" for u in roster.user_ids], _partly(roster)),
        _kind(
            "In PULSEBOT_ADMINS (set by the operator)",
            [f"<@{u}>" for u in sorted(ctx.access.operators)],
        ),
        _kind(
            "Added with `/pulse admins add`",
            [f"<@{a.user_id}> (added by <@{a.added_by}>)" for a in added],
        ),
    ]
    text = "*Pulse Bot admins*\n\n" + "\n\n".join(kinds)
    blocks: list[Block] = [section("*Pulse Bot admins*"), *(section(k) for k in kinds)]
    blocks.append(
        context(
            "Add someone with `/pulse admins add @someone`; "
            "take it back with `/pulse admins remove @someone`."
        )
    )
    return Message(text=text, blocks=tuple(blocks))


def _partly(roster: WorkspaceAdmins) -> str:
    if roster.complete:
        return ""
    return f"_Slack's member list was read only in part: {roster.reason}._"


def _kind(title: str, people: Sequence[str], note: str = "") -> str:
    """One kind of admin: its title, one person a line (at most SHOWN), and a note."""
    lines = [f"*{title}*"]
    lines += [f"• {p}" for p in people[:SHOWN]] or ["_nobody_"]
    if len(people) > SHOWN:
        lines.append(f"…and {len(people) - SHOWN} more")
    if note:
        lines.append(note)
    return "\n".join(lines)


async def _person(ctx: Context, target: str) -> None:
    """Refuse, with what Slack said, a target who is not a person of this workspace."""
    check = await ctx.slack.check_user(target)
    if check.state == "missing":
        raise UsageError(f"`{target}` is not a member of this workspace: mention them with @.")
    if check.state == "bot":
        raise UsageError(f"<@{target}> is an app, not a person: apps can't be Pulse Bot admins.")
    if check.state == "deactivated":
        raise UsageError(f"<@{target}>'s account is deactivated, so they can't be an admin.")
    if check.state == "unchecked":
        raise UsageError(  # not the command's fault: no usage line
            f"I could not check who <@{target}> is ({check.reason}), so nobody was added; "
            "try again in a minute.",
            usage="",
        )


@router.command("admins add")
async def admins_add(ctx: Context, args: Args) -> Message:
    """admins add @USER

    Let someone connect services and manage admins, digests and alerts (admins only).

    /pulse admins add @ana
    """
    target = _target(args)
    await ctx.require_admin("add admins")
    await _person(ctx, target)
    if await ctx.store.admins.is_admin(ctx.team, target):
        text = f"<@{target}> is already a Pulse Bot admin."
    else:
        await ctx.store.admins.add(ctx.team, target, ctx.user_id)
        await ctx.audit("admins.add", user=target)
        text = f"<@{target}> is now a Pulse Bot admin."
    return Message(text=text, blocks=(section(text),), shareable=False)


@router.command("admins remove")
async def admins_remove(ctx: Context, args: Args) -> Message:
    """admins remove @USER

    Take back someone's Pulse Bot admin rights (admins only).

    /pulse admins remove @ana
    """
    target = _target(args)
    await ctx.require_admin("remove admins")
    if await ctx.store.admins.remove(ctx.team, target):
        await ctx.audit("admins.remove", user=target)
        text = f"<@{target}> is no longer a Pulse Bot admin."
        if target in ctx.access.operators:
            text += " They stay an admin through PULSEBOT_ADMINS, set by the operator."
    else:
        text = f"<@{target}> was not on the Pulse Bot admin list."
    return Message(text=text, blocks=(section(text),), shareable=False)
