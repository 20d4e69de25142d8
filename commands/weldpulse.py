"""WeldPulse commands: ranked tables, events, realtime, sites, timeseries."""

from __future__ import annotations

from bot.blocks import Message, context, header, human, percent, section, table_blocks
from commands.context import Context
from commands.options import int_option, range_and_rest, reject_unknown
from commands.parsing import Args
from commands.router import Router

GROUP = "WeldPulse"


def register(router: Router) -> None:
    @router.command("pages", group=GROUP)
    async def pages(ctx: Context, args: Args) -> Message:
        """pages [RANGE] [--limit N]

        Top pages ranked by visitors.

        /pulse pages 30d
        /pulse pages this-month --limit 25
        """
        usage = "/pulse pages [RANGE] [--limit N]"
        reject_unknown(args, usage, {"limit"})
        limit = int_option(args, "limit", 10, low=1, high=100, usage=usage)
        period, _ = range_and_rest(ctx, args, usage)
        rows = await ctx.directory.weldpulse().pages(period.start, period.end, limit=limit)
        title = f"Top pages — {period.label}"
        if not rows:
            text = f"No page views recorded in WeldPulse for {period.label}."
            return Message(text, (section(text), context(period.describe())))
        body = table_blocks(
            ["#", "Page", "Visitors", "Views", "Avg time", "Bounce"],
            [
                [
                    str(i),
                    r.pathname,
                    human(r.visitors),
                    human(r.pageviews),
                    f"{r.avg_duration:.0f}s",
                    percent(r.bounce_rate),
                ]
                for i, r in enumerate(rows, 1)
            ],
            right=2,
        )
        return Message(
            f"{title}: {rows[0].pathname} leads with {rows[0].visitors} visitors",
            (header(title), *body, context(period.describe())),
        )
