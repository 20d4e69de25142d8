"""WeldPulse commands: ranked tables (pages, referrers, geo, devices) and custom events.

`realtime` and `sites` live in `weldpulse_live`, `timeseries` in `weldpulse_timeseries`;
`register` wires all of them, so the router needs this one call.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.clients import weldpulse
from bot.domain.formatting import human, percent
from bot.domain.periods import Period
from bot.render.blocks import context, header, section
from bot.render.message import Message
from bot.render.table import Cell, Column, right, table_blocks
from commands.context import Context
from commands.options import int_option, range_and_rest, reject_unknown
from commands.parsing import Args
from commands.router import Router

router = Router(group=weldpulse.SPEC.name)
DEFAULT_LIMIT = 10
MAX_LIMIT = 100


def ranked_args(ctx: Context, args: Args) -> tuple[Period, int]:
    """RANGE and `--limit N` (1..100, default 10) of a ranked-table command."""
    reject_unknown(args, {"limit"})
    limit = int_option(args, "limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
    period, _ = range_and_rest(ctx, args)
    return period, limit


def ranked(
    title: str,
    period: Period,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    *,
    lead: str,
) -> Message:
    """A ranked table block: header, numbered rows, the exact period; `lead` is the summary
    text for notifications."""
    body = table_blocks([right("#"), *columns], [[str(i), *r] for i, r in enumerate(rows, 1)])
    return Message(f"{title}: {lead}", (header(title), *body, context(period.describe())))


def nothing(what: str, period: Period) -> Message:
    text = f"No {what} recorded in WeldPulse for {period.label}."
    return Message(text, (section(text), context(period.describe())))


@router.command("pages")
async def pages(ctx: Context, args: Args) -> Message:
    """pages [RANGE] [--limit N]

    Top pages ranked by visitors.

    /pulse pages 30d
    /pulse pages this-month --limit 25
    """
    period, limit = ranked_args(ctx, args)
    rows = await ctx.directory.get(weldpulse.SPEC).pages(period.start, period.end, limit=limit)
    if not rows:
        return nothing("page views", period)
    return ranked(
        f"Top pages — {period.label}",
        period,
        [Column("Page"), right("Visitors"), right("Views"), right("Avg time"), right("Bounce")],
        [
            [
                r.pathname,
                human(r.visitors),
                human(r.pageviews),
                f"{r.avg_duration:.0f}s",
                percent(r.bounce_rate),
            ]
            for r in rows
        ],
        lead=f"{rows[0].pathname} leads with {rows[0].visitors} visitors",
    )


@router.command("referrers")
async def referrers(ctx: Context, args: Args) -> Message:
    """referrers [RANGE] [--limit N]

    Traffic sources ranked by visitors; direct visits are shown as "Direct".

    /pulse referrers 30d
    /pulse referrers last-week --limit 20
    """
    period, limit = ranked_args(ctx, args)
    client = ctx.directory.get(weldpulse.SPEC)
    rows = await client.referrers(period.start, period.end, limit=limit)
    if not rows:
        return nothing("visits", period)
    names = [r.referrer_source or "Direct" for r in rows]
    return ranked(
        f"Top referrers — {period.label}",
        period,
        [Column("Source"), right("Visitors"), right("Views"), right("Bounce")],
        [
            [name, human(r.visitors), human(r.pageviews), percent(r.bounce_rate)]
            for name, r in zip(names, rows, strict=True)
        ],
        lead=f"{names[0]} leads with {rows[0].visitors} visitors",
    )


@router.command("geo")
async def geo(ctx: Context, args: Args) -> Message:
    """geo [RANGE] [--limit N]

    Visitors by country and region, ranked.

    /pulse geo 30d
    /pulse geo this-month --limit 50
    """
    period, limit = ranked_args(ctx, args)
    rows = await ctx.directory.get(weldpulse.SPEC).geo(period.start, period.end, limit=limit)
    if not rows:
        return nothing("visits", period)
    return ranked(
        f"Visitors by place — {period.label}",
        period,
        [Column("Country"), Column("Region"), right("Visitors"), right("Views")],
        [[r.country, r.region or "—", human(r.visitors), human(r.pageviews)] for r in rows],
        lead=f"{_place(rows[0].country, rows[0].region)} leads with {rows[0].visitors} visitors",
    )


@router.command("devices")
async def devices(ctx: Context, args: Args) -> Message:
    """devices [RANGE] [--limit N]

    Visitors by device type, browser and operating system, ranked.

    /pulse devices 30d
    /pulse devices yesterday --limit 5
    """
    period, limit = ranked_args(ctx, args)
    client = ctx.directory.get(weldpulse.SPEC)
    rows = await client.devices(period.start, period.end, limit=limit)
    if not rows:
        return nothing("visits", period)
    return ranked(
        f"Devices — {period.label}",
        period,
        [Column("Device"), Column("Browser"), Column("OS"), right("Visitors"), right("Views")],
        [
            [
                r.device_type.capitalize(),
                r.browser or "—",
                r.os or "—",
                human(r.visitors),
                human(r.pageviews),
            ]
            for r in rows
        ],
        lead=f"{_device(rows[0].device_type, rows[0].browser, rows[0].os)} leads with "
        f"{rows[0].visitors} visitors",
    )


@router.command("events")
async def events(ctx: Context, args: Args) -> Message:
    """events [RANGE]

    Custom events with their totals and unique visitors, most frequent first.

    /pulse events
    /pulse events last-month
    """
    reject_unknown(args)
    period, _ = range_and_rest(ctx, args)
    rows = await ctx.directory.get(weldpulse.SPEC).events(period.start, period.end)
    if not rows:
        return nothing("custom events", period)
    rows = tuple(sorted(rows, key=lambda r: (-r.total, r.event_name)))
    total = sum(r.total for r in rows)
    kinds = f"{len(rows)} event{'' if len(rows) == 1 else 's'}"
    return ranked(
        f"Custom events — {period.label}",
        period,
        [Column("Event"), right("Total"), right("Unique visitors")],
        [[r.event_name, human(r.total), human(r.unique_visitors)] for r in rows],
        lead=f"{total} events of {kinds}; {rows[0].event_name} leads with {rows[0].total}",
    )


def _place(country: str, region: str | None) -> str:
    return f"{region}, {country}" if region else country


def _device(kind: str, browser: str | None, os: str | None) -> str:
    detail = " on ".join(x for x in (browser, os) if x)
    return f"{kind.capitalize()} ({detail})" if detail else kind.capitalize()
