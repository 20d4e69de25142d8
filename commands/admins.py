"""`/pulse admins`: who may change this workspace's Pulse Bot settings."""

from __future__ import annotations

from bot.errors import UsageError
from bot.render.blocks import context, section
from bot.render.message import Message
from commands.context import Context
from commands.parsing import Args, user_id
from commands.router import Router

router = Router(group="Settings")


def _target(args: Args) -> str:
    if len(args.words) != 1:
        raise UsageError("Name exactly one person, as an @mention.")
    target = user_id(args.words[0])
    if target is None:
        raise UsageError(f"`{args.words[0]}` is not a Slack user: mention them with @.")
    return target


@router.command("admins")
async def admins(ctx: Context, args: Args) -> Message:
    """admins

    Who may connect services, manage admins, and change anyone's digests and alerts.
    """
    if args.words:
        raise ctx.commands.unknown(["admins", *args.words])
    added = await ctx.store.admins.list(ctx.team)
    lines = [f"• <@{a.user_id}> (added by <@{a.added_by}>)" for a in added]
    lines += [f"• <@{u}> (operator)" for u in sorted(ctx.access.operators)]
    body = "\n".join(lines) if lines else "_Nobody has been added yet._"
    text = f"*Pulse Bot admins*\n{body}"
    return Message(
        text=text,
        blocks=(
            section(text),
            context(
                "Workspace admins and owners are always Pulse Bot admins. "
                "Add someone with `/pulse admins add @someone`."
            ),
        ),
    )


@router.command("admins add")
async def admins_add(ctx: Context, args: Args) -> Message:
    """admins add @USER

    Let someone connect services and manage admins, digests and alerts (admins only).

    /pulse admins add @ana
    """
    target = _target(args)
    await ctx.require_admin("add admins")
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
