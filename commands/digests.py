"""`/pulse digest …`: scheduled digests into a channel.

Confirmations are ephemeral to the caller; the channel only ever sees the digests.
Anyone may add a digest; its creator or an admin may change or remove it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clients.registry import KEYS
from bot.domain.periods import parse_range
from bot.errors import UsageError
from bot.features.schedules import default_range, describe, parse_schedule, schedule_of
from bot.messages import service_name
from bot.render.blocks import Message, context, header, section
from bot.store.digests import Digest
from commands.context import Context
from commands.options import reject_unknown
from commands.parsing import CHANNEL, Args
from commands.router import Router

GROUP = "Digests"
ADD_USAGE = "/pulse digest add CHANNEL SCHEDULE [TZ] [--services a,b] [--range R]"
SCHEDULES = "`daily HH:MM`, `weekdays HH:MM`, `weekly DAY HH:MM` or `hourly :MM`"


def private_only(args: Args, usage: str) -> None:
    """Confirmations and previews are ephemeral: the channel sees only the digests."""
    if args.has("public"):
        raise UsageError(
            "Digest changes and previews are shown to you only; the channel sees just the digests.",
            usage=usage,
        )


def channel_arg(ctx: Context, word: str, usage: str) -> str:
    """A channel mention, `#name` or `here` → what chat.postMessage accepts."""
    if word.lower() == "here":
        return ctx.channel_id
    match = CHANNEL.match(word)
    if not match:
        raise UsageError(f"`{word}` is not a channel: use #channel or `here`.", usage=usage)
    return match.group(1) or f"#{match.group(2)}"


def channel_ref(channel: str) -> str:
    return channel if channel.startswith("#") else f"<#{channel}>"


def zone_arg(word: str) -> ZoneInfo | None:
    if "/" not in word and word.upper() not in {"UTC", "GMT"}:
        return None
    try:
        return ZoneInfo(word if word.upper() not in {"UTC", "GMT"} else "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"`{word}` is not a time zone I know (try e.g. Europe/Berlin).", usage=ADD_USAGE
        ) from None


def services_option(ctx: Context, raw: str | None, usage: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    chosen = tuple(s.strip().lower() for s in raw.split(",") if s.strip())
    unknown = [s for s in chosen if s not in KEYS]
    if unknown or not chosen:
        raise UsageError(
            f"`--services` takes a comma-separated list of {', '.join(KEYS)}.", usage=usage
        )
    return chosen


def digest_id(ctx: Context, args: Args, usage: str) -> Digest:
    if len(args.words) != 1 or not args.words[0].lstrip("#").isdigit():
        raise UsageError("Give the digest's number, as shown by `/pulse digest list`.", usage=usage)
    digest = ctx.store.digests.get(ctx.team, int(args.words[0].lstrip("#")))
    if digest is None:
        raise UsageError(
            f"There is no digest #{args.words[0].lstrip('#')} in this workspace.",
            usage="/pulse digest list",
        )
    return digest


async def may_change(ctx: Context, digest: Digest, action: str) -> None:
    if digest.created_by != ctx.user_id:
        await ctx.require_admin(f"{action} other people's digests")


def summary(ctx: Context, digest: Digest) -> str:
    services = (
        ", ".join(service_name(s) for s in digest.services)
        if digest.services
        else "all connected services"
    )
    chosen = digest.range or default_range(digest.schedule_kind)
    line = (
        f"*#{digest.id}* → {channel_ref(digest.channel_id)} · "
        f"{describe(schedule_of(digest))} · {services} · range {chosen}"
    )
    if digest.paused:
        line += f"\n_paused_{': ' + digest.paused_reason if digest.paused_reason else ''}"
    elif ctx.digests is not None:
        nxt = ctx.digests.next_run(digest).astimezone(ZoneInfo(digest.tz))
        line += f"\nnext: {nxt.strftime('%a %d %b %H:%M %Z')}"
    return line


def _reply(text: str) -> Message:
    return Message(text, (section(text),), shareable=False)


def register(router: Router) -> None:
    @router.command("digest add", group=GROUP)
    async def digest_add(ctx: Context, args: Args) -> Message:
        """digest add CHANNEL SCHEDULE [TZ] [--services a,b] [--range R]

        Post a digest into a channel on a schedule (daily, weekdays, weekly or hourly).

        /pulse digest add #marketing weekdays 09:00
        /pulse digest add here weekly mon 08:30 Europe/Berlin --services weldpulse,raygun
        /pulse digest add #ops hourly :05 --range 24h
        """
        reject_unknown(args, ADD_USAGE, {"services", "range"})
        private_only(args, ADD_USAGE)
        if len(args.words) < 2:
            raise UsageError(f"Say where and when: a channel, then {SCHEDULES}.", usage=ADD_USAGE)
        channel = channel_arg(ctx, args.words[0], ADD_USAGE)
        rest = list(args.words[1:])
        tz = ctx.tz
        if rest and (zone := zone_arg(rest[-1])) is not None:
            tz = zone
            rest = rest[:-1]
        try:
            schedule, used = parse_schedule(rest, tz)
        except UsageError as err:
            raise UsageError(err.message, usage=ADD_USAGE) from None
        if used != len(rest):
            raise UsageError(
                f"I don't know what `{rest[used]}` means here. Schedules are {SCHEDULES}.",
                usage=ADD_USAGE,
            )
        services = services_option(ctx, args.option("services"), ADD_USAGE)
        chosen_range = args.option("range")
        if chosen_range is not None:
            parse_range(chosen_range, ctx.now(), tz, usage=ADD_USAGE)
        digest = ctx.store.digests.add(
            ctx.team,
            channel_id=channel,
            schedule_kind=schedule.kind,
            minute=schedule.minute,
            hour=schedule.hour,
            weekday=schedule.weekday,
            tz=tz.key,
            created_by=ctx.user_id,
            services=services,
            range=chosen_range,
        )
        ctx.audit("digest.add", digest=digest.id, channel=channel)
        if ctx.digests is not None:
            ctx.digests.changed(digest.id)
        return _reply(f"Digest #{digest.id} added.\n{summary(ctx, digest)}")

    @router.command("digest list", group=GROUP)
    async def digest_list(ctx: Context, args: Args) -> Message:
        """digest list

        This workspace's digests with their schedules and next run.
        """
        digests = ctx.store.digests.list(ctx.team)
        if not digests:
            text = "No digests yet. Add one with `/pulse digest add #channel weekdays 09:00`."
            return Message(text, (section(text),))
        blocks = [
            header("Digests"),
            *(section(summary(ctx, d)) for d in digests[:45]),
            context("Times are in each digest's own zone."),
        ]
        return Message(f"{len(digests)} digests", tuple(blocks))

    async def _toggle(ctx: Context, args: Args, paused: bool, usage: str) -> Message:
        private_only(args, usage)
        digest = digest_id(ctx, args, usage)
        verb = "pause" if paused else "resume"
        await may_change(ctx, digest, verb)
        if paused or ctx.digests is None:
            ctx.store.digests.set_paused(ctx.team, digest.id, paused, reason=None)
        else:
            ctx.digests.resume(digest)  # from its next scheduled time
        ctx.audit(f"digest.{verb}", digest=digest.id)
        if ctx.digests is not None:
            ctx.digests.changed(digest.id)
        fresh = ctx.store.digests.get(ctx.team, digest.id)
        assert fresh is not None
        return _reply(f"Digest #{digest.id} {verb}d.\n{summary(ctx, fresh)}")

    @router.command("digest pause", group=GROUP)
    async def digest_pause(ctx: Context, args: Args) -> Message:
        """digest pause ID

        Stop posting a digest until it is resumed.

        /pulse digest pause 3
        """
        return await _toggle(ctx, args, True, "/pulse digest pause ID")

    @router.command("digest resume", group=GROUP)
    async def digest_resume(ctx: Context, args: Args) -> Message:
        """digest resume ID

        Start posting a paused digest again from its next scheduled time.

        /pulse digest resume 3
        """
        return await _toggle(ctx, args, False, "/pulse digest resume ID")

    @router.command("digest remove", group=GROUP)
    async def digest_remove(ctx: Context, args: Args) -> Message:
        """digest remove ID

        Delete a digest.

        /pulse digest remove 3
        """
        private_only(args, "/pulse digest remove ID")
        digest = digest_id(ctx, args, "/pulse digest remove ID")
        await may_change(ctx, digest, "remove")
        ctx.store.digests.remove(ctx.team, digest.id)
        ctx.audit("digest.remove", digest=digest.id)
        if ctx.digests is not None:
            ctx.digests.changed(digest.id)
        return _reply(f"Digest #{digest.id} removed.")

    @router.command("digest preview", group=GROUP)
    async def digest_preview(ctx: Context, args: Args) -> Message:
        """digest preview ID

        Show what the digest would post now, to you only.

        /pulse digest preview 3
        """
        private_only(args, "/pulse digest preview ID")
        digest = digest_id(ctx, args, "/pulse digest preview ID")
        if ctx.digests is None:
            raise UsageError("Digests are not available here.")
        message = await ctx.digests.preview(digest)
        return Message(message.text, message.blocks, public=False, shareable=False)

    @router.command("digest run", group=GROUP)
    async def digest_run(ctx: Context, args: Args) -> Message:
        """digest run ID

        Post the digest into its channel now.

        /pulse digest run 3
        """
        private_only(args, "/pulse digest run ID")
        digest = digest_id(ctx, args, "/pulse digest run ID")
        if ctx.digests is None:
            raise UsageError("Digests are not available here.")
        result = await ctx.digests.run(digest.id, ctx.now(), manual=True)
        ctx.audit("digest.run", digest=digest.id, status=result.status)
        if result.status == "posted":
            return _reply(f"Digest #{digest.id} posted to {channel_ref(digest.channel_id)}.")
        return _reply(f"Digest #{digest.id} was not posted: {result.detail or result.status}.")
