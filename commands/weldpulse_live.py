"""WeldPulse `realtime` (who is on the site now) and `sites` (the project's sites)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from bot.clients import weldpulse
from bot.clients.weldpulse import Realtime
from bot.domain.formatting import human, plural
from bot.render.blocks import Block, context, fields, header, section
from bot.render.message import Message
from bot.render.table import Column, right, table_blocks, text_table
from commands.context import Context
from commands.options import no_words, reject_unknown
from commands.parsing import Args
from commands.router import Router

router = Router(group=weldpulse.SPEC.name)
TOP = 10  # rows per realtime breakdown


def breakdown(counts: Counter[str]) -> list[list[str]]:
    """The rows of one small ranked table: the top `TOP` values and, if any, the rest summed."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [[name, human(n)] for name, n in ranked[:TOP]]
    rest = ranked[TOP:]
    if rest:
        rows.append([f"{len(rest)} more", human(sum(n for _, n in rest))])
    return rows


def _columns(label: str) -> list[Column]:
    return [Column(label), right("Visitors")]


def _count(pairs: Iterable[tuple[str | None, int]], unknown: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for key, n in pairs:
        counts[key or unknown] += n
    return counts


def realtime_message(now: Realtime, as_of: str) -> Message:
    total = now.current_visitors
    where = f"Visitors in the last 5 minutes, as of {as_of}"
    if total == 0:
        text = "Nobody is on the site right now: no visitors in the last 5 minutes."
        return Message(text, (section(text), context(where)))
    pages = _count(((r.pathname, r.current_visitors) for r in now.rows), "(unknown)")
    countries = _count(((r.country, r.current_visitors) for r in now.rows), "Unknown")
    devices = _count(
        ((r.device_type and r.device_type.capitalize(), r.current_visitors) for r in now.rows),
        "Unknown",
    )
    top_page = min(pages.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    people = plural(total, "visitor")
    title = f"Right now: {people} on the site"
    return Message(
        f"{title}; most are on {top_page}",
        (
            header(title),
            fields(
                [
                    ("Pages", human(len(pages))),
                    ("Countries", human(len(countries))),
                    ("Top page", top_page),
                ]
            ),
            *table_blocks(_columns("Page"), breakdown(pages)),
            *text_table(_columns("Country"), breakdown(countries)),
            *text_table(_columns("Device"), breakdown(devices)),
            context(where),
        ),
    )


@router.command("realtime")
async def realtime(ctx: Context, args: Args) -> Message:
    """realtime

    Visitors on the site in the last 5 minutes, by page, country and device.
    Always read fresh from WeldPulse, never from the answer cache.

    /pulse realtime
    """
    reject_unknown(args)
    no_words(args)
    now = await ctx.directory.get(weldpulse.SPEC).realtime(fresh=True)
    as_of = ctx.now().astimezone(ctx.tz).strftime(f"%a %d %b %H:%M ({ctx.tz.key})")
    return realtime_message(now, as_of)


@router.command("sites")
async def sites(ctx: Context, args: Args) -> Message:
    """sites

    The sites of the WeldPulse project behind the connected API key.

    /pulse sites
    """
    reject_unknown(args)
    no_words(args)
    found = await ctx.directory.get(weldpulse.SPEC).sites()
    if not found:
        text = (
            "The WeldPulse project has no sites yet; add one in WeldPulse to start "
            "collecting visits."
        )
        return Message(text, (section(text),))
    active = sum(1 for s in found if s.is_active)
    count = f"{len(found)} site{'' if len(found) == 1 else 's'}"
    title = f"WeldPulse sites — {count}, {active} active"
    rows = [
        [
            s.name,
            s.domain,
            "active" if s.is_active else "inactive",
            s.created_at.astimezone(ctx.tz).strftime("%d %b %Y"),
        ]
        for s in sorted(found, key=lambda s: (not s.is_active, s.name.lower()))
    ]
    columns = [Column("Name"), Column("Domain"), Column("Status"), Column("Added")]
    blocks: list[Block] = [header(title), *table_blocks(columns, rows, noun="sites")]
    return Message(
        f"{count} in the WeldPulse project ({active} active)",
        (*blocks, context(f"Dates in {ctx.tz.key}")),
    )
