"""`/pulse stats`: one overview with a section per connected service."""

from __future__ import annotations

from bot.clients.registry import KEYS
from bot.domain import headlines
from bot.domain.headlines import Headline
from bot.errors import ServiceError
from bot.messages import service_name
from bot.render.blocks import Block, context, divider, header, section
from bot.render.headlines import failure_line, render_headline, summary
from bot.render.message import Message
from commands.context import Context
from commands.options import range_and_rest, reject_unknown
from commands.parsing import Args
from commands.router import Router

router = Router(group="Overview")


@router.command("stats")
async def stats(ctx: Context, args: Args) -> Message:
    """stats [RANGE]

    One overview of every connected service: its headline numbers for RANGE, the
    change against the period before it (for today: yesterday until the same
    time), and a chart where a series exists. A service that does not answer is
    named in one line; the others still show.

    /pulse stats
    /pulse stats 30d
    /pulse stats last-week --public
    """
    reject_unknown(args)
    period, _ = range_and_rest(ctx, args)
    services = ctx.directory.connected()
    if not services:
        text = (
            "No service is connected in this workspace yet, so there is nothing to "
            "show. An admin can connect one with `/pulse connect SERVICE` "
            f"({', '.join(KEYS)})."
        )
        return Message(text, (section(text),))
    previous = period.previous()
    results = await headlines.collect(ctx.directory, services, period, previous)
    shown = [r for _, r in results if isinstance(r, Headline)]
    failed = [r for _, r in results if isinstance(r, ServiceError)]

    title = f"Pulse overview — {period.label}"
    blocks: list[Block] = [header(title)]
    blocks += [section(failure_line(e, others=bool(shown))) for e in failed]
    for i, headline in enumerate(shown):
        if i or failed:
            blocks.append(divider())
        blocks += render_headline(headline, period)
    blocks += [context(period.describe()), context(period.versus())]
    parts = [summary(h) for h in shown]
    if failed:
        names = ", ".join(service_name(e.service) for e in failed)
        parts.append(f"not answering: {names}")
    return Message(f"{title}: " + "; ".join(parts), tuple(blocks))
