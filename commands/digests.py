"""`/pulse digest …`: scheduled digests into a channel.

Confirmations are ephemeral to the caller; the channel only ever sees the digests.
Anyone may add a digest, into a channel the bot can post to (checked at once); its
creator or an admin may run, pause, resume or remove it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clients.registry import KEYS
from bot.domain.formatting import plural
from bot.domain.periods import parse_range
from bot.domain.values import echo, no_such, record_number
from bot.errors import UsageError
from bot.features.alert_metrics import calls_a_day, check_budget
from bot.features.costs import RUNS_A_DAY, digest_costs, scheduled_use
from bot.features.recurrence import default_range, describe, parse_schedule, schedule_of
from bot.messages import service_name
from bot.render.blocks import context, header, section
from bot.render.message import Message
from bot.render.table import Cell, Column, channel_cell, table_blocks
from bot.store.digests import Digest
from commands.channels import postable_channel
from commands.context import Context
from commands.options import channel_arg, channel_ref, reject_unknown
from commands.parsing import Args
from commands.router import Router

router = Router(group="Digests")
SCHEDULES = "`daily HH:MM`, `weekdays HH:MM`, `weekly DAY HH:MM` or `hourly :MM`"


def private_only(args: Args) -> None:
    """Confirmations and previews are ephemeral: the channel sees only the digests."""
    if args.has("public"):
        raise UsageError(
            "Digest changes and previews are shown to you only; the channel sees just the digests."
        )


def zone_arg(word: str) -> ZoneInfo | None:
    if "/" not in word and word.upper() not in {"UTC", "GMT"}:
        return None
    try:
        return ZoneInfo(word if word.upper() not in {"UTC", "GMT"} else "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder (America/Indiana)
        raise UsageError(
            f"`{echo(word)}` is not a time zone I know (try e.g. Europe/Berlin)."
        ) from None


def services_option(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    chosen = tuple(s.strip().lower() for s in raw.split(",") if s.strip())
    unknown = [s for s in chosen if s not in KEYS]
    if unknown or not chosen:
        raise UsageError(f"`--services` takes a comma-separated list of {', '.join(KEYS)}.")
    return chosen


async def digest_id(ctx: Context, args: Args) -> Digest:
    if len(args.words) != 1:
        raise UsageError("Give the digest's number, as shown by `/pulse digest list`.")
    number = record_number(args.words[0], noun="digest", listing="/pulse digest list")
    digest = await ctx.store.digests.numbered(ctx.team, number)
    if digest is None:
        raise no_such("digest", number, listing="/pulse digest list")
    return digest


async def may_change(ctx: Context, digest: Digest, action: str) -> None:
    """`run`, `pause`, `resume` and `remove` are for the digest's creator and admins."""
    await ctx.require_owner_or_admin(
        digest.created_by, f"{action} digest #{digest.number}", whose="the digest's"
    )


def services_of(digest: Digest) -> str:
    if not digest.services:
        return "all connected services"
    return ", ".join(service_name(s) for s in digest.services)


def next_of(ctx: Context, digest: Digest) -> str:
    """`Tue 24 Nov 08:30 EST` in the digest's zone, or why it does not run."""
    if digest.paused:
        return "paused" + (f": {digest.paused_reason}" if digest.paused_reason else "")
    nxt = ctx.digests.next_run(digest).astimezone(ZoneInfo(digest.tz))
    return nxt.strftime("%a %d %b %H:%M %Z")


def summary(ctx: Context, digest: Digest) -> str:
    chosen = digest.range or default_range(digest.schedule_kind)
    line = (
        f"*#{digest.number}* → {channel_ref(digest.channel_id)} · "
        f"{describe(schedule_of(digest))} · {services_of(digest)} · range {chosen}"
    )
    if digest.paused:
        line += f"\n_paused_{': ' + digest.paused_reason if digest.paused_reason else ''}"
    else:
        line += f"\nnext: {next_of(ctx, digest)}"
    return line


def digest_row(ctx: Context, digest: Digest) -> list[Cell]:
    chosen = digest.range or default_range(digest.schedule_kind)
    return [
        f"#{digest.number}",
        channel_cell(digest.channel_id),
        describe(schedule_of(digest)),
        services_of(digest),
        chosen,
        next_of(ctx, digest),
    ]


DIGEST_COLUMNS = [
    Column("#"),
    Column("Channel"),
    Column("Schedule"),
    Column("Services", wrap=True),
    Column("Range"),
    Column("Next run"),
]


def _reply(text: str) -> Message:
    return Message(text, (section(text),), shareable=False)


async def check_costs(ctx: Context, kind: str, services: tuple[str, ...]) -> str:
    """What the digest costs services that count calls by the day (Raygun's 50), said as
    `alert add` says it; refused (UsageError) if it would take alerts and digests past
    their share of such a budget."""
    shown = services or tuple(ctx.directory.connected())
    said = ""
    for spec, cost in digest_costs(kind, shown):
        others = [s for s in shown if s != spec.key]
        advice = "Make it daily, weekdays or weekly" + (
            f", or leave {spec.name} out with `--services {','.join(others)}`." if others else "."
        )
        used = await scheduled_use(ctx.store, ctx.team, spec, ctx.alerts.interval)
        check_budget(spec, used, cost, what="digest", advice=advice if kind == "hourly" else None)
        runs = RUNS_A_DAY[kind]
        said += (
            f"\n{spec.name}: {plural(runs, 'run')} a day, {calls_a_day(spec, cost)}."
        )
    return said


@router.command("digest add")
async def digest_add(ctx: Context, args: Args) -> Message:
    """digest add CHANNEL SCHEDULE [TZ] [--services a,b] [--range R]

    Post a digest into a channel on a schedule (daily, weekdays, weekly or hourly).

    /pulse digest add #marketing weekdays 09:00
    /pulse digest add here weekly mon 08:30 Europe/Berlin --services weldpulse,raygun
    /pulse digest add #ops hourly :05 --range 24h
    """
    reject_unknown(args, {"services", "range"})
    private_only(args)
    if len(args.words) < 2:
        raise UsageError(f"Say where and when: a channel, then {SCHEDULES}.")
    channel = channel_arg(ctx, args.words[0])
    rest = list(args.words[1:])
    tz = ctx.tz
    if rest and (zone := zone_arg(rest[-1])) is not None:
        tz = zone
        rest = rest[:-1]
    schedule, used = parse_schedule(rest, tz)
    if used != len(rest):
        raise UsageError(
            f"I don't know what `{echo(rest[used])}` means here. Schedules are {SCHEDULES}."
        )
    services = services_option(args.option("services"))
    chosen_range = args.option("range")
    if chosen_range is not None:
        parse_range(chosen_range, ctx.now(), tz)
    costs = await check_costs(ctx, schedule.kind, services)
    target = await postable_channel(ctx, args.words[0])  # last: it may join the channel
    digest = await ctx.digests.add(
        ctx.team,
        ctx.user_id,
        channel_id=channel,
        schedule=schedule,
        services=services,
        range=chosen_range,
    )
    note = f"\n{target.note}" if target.note else ""
    return _reply(f"Digest #{digest.number} added.\n{summary(ctx, digest)}{costs}{note}")


@router.command("digest list")
async def digest_list(ctx: Context, args: Args) -> Message:
    """digest list

    This workspace's digests with their schedules and next run.
    """
    digests = await ctx.store.digests.list(ctx.team)
    if not digests:
        text = "No digests yet. Add one with `/pulse digest add #channel weekdays 09:00`."
        return Message(text, (section(text),))
    rows = [digest_row(ctx, d) for d in digests]
    blocks = [
        header("Digests"),
        *table_blocks(DIGEST_COLUMNS, rows, noun="digests"),
        context("Times are in each digest's own zone."),
    ]
    paused = sum(1 for d in digests if d.paused)
    count = plural(len(digests), "digest")
    return Message(f"{count}, {paused} paused", tuple(blocks))


async def _toggle(ctx: Context, args: Args, paused: bool) -> Message:
    private_only(args)
    digest = await digest_id(ctx, args)
    verb = "pause" if paused else "resume"
    await may_change(ctx, digest, verb)
    if paused:
        await ctx.digests.pause(digest, ctx.user_id)
    else:
        await ctx.digests.resume(digest, ctx.user_id)  # from its next scheduled time
    fresh = await ctx.store.digests.get(ctx.team, digest.id)
    assert fresh is not None
    return _reply(f"Digest #{digest.number} {verb}d.\n{summary(ctx, fresh)}")


@router.command("digest pause")
async def digest_pause(ctx: Context, args: Args) -> Message:
    """digest pause ID

    Stop posting a digest until it is resumed.

    /pulse digest pause 3
    """
    return await _toggle(ctx, args, True)


@router.command("digest resume")
async def digest_resume(ctx: Context, args: Args) -> Message:
    """digest resume ID

    Start posting a paused digest again from its next scheduled time.

    /pulse digest resume 3
    """
    return await _toggle(ctx, args, False)


@router.command("digest remove")
async def digest_remove(ctx: Context, args: Args) -> Message:
    """digest remove ID

    Delete a digest.

    /pulse digest remove 3
    """
    private_only(args)
    digest = await digest_id(ctx, args)
    await may_change(ctx, digest, "remove")
    await ctx.digests.remove(digest, ctx.user_id)
    return _reply(f"Digest #{digest.number} removed.")


@router.command("digest preview")
async def digest_preview(ctx: Context, args: Args) -> Message:
    """digest preview ID

    Show what the digest would post now, to you only.

    /pulse digest preview 3
    """
    private_only(args)
    digest = await digest_id(ctx, args)
    message = await ctx.digests.preview(digest)
    return Message(message.text, message.blocks, public=False, shareable=False)


@router.command("digest run")
async def digest_run(ctx: Context, args: Args) -> Message:
    """digest run ID

    Post the digest into its channel now.

    /pulse digest run 3
    """
    private_only(args)
    digest = await digest_id(ctx, args)
    await may_change(ctx, digest, "run")
    result = await ctx.digests.run(digest.id, ctx.now(), manual=True)
    await ctx.audit("digest.run", digest=digest.id, status=result.status)
    if result.status == "posted":
        return _reply(f"Digest #{digest.number} posted to {channel_ref(digest.channel_id)}.")
    return _reply(f"Digest #{digest.number} was not posted: {result.detail or result.status}.")
