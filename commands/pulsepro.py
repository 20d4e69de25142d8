"""PulsePro commands: inspections with their scores, and open or overdue corrective actions.

PulsePro filters inspections by whole days, so the queries ask for the caller's local
days and the answer keeps the inspections within the exact period (and the one before it,
for the change).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime

from bot.clients import pulsepro
from bot.clients.pulsepro import Action, Inspection, InspectionList
from bot.domain.formatting import change, human, plural, points
from bot.domain.periods import Period
from bot.domain.values import echo
from bot.errors import UsageError
from bot.render.blocks import Block, context, fields, header, section
from bot.render.message import Message
from bot.render.table import Column, right, table_blocks, text_table
from commands.context import Context
from commands.options import no_words, range_and_rest, reject_unknown
from commands.parsing import Args
from commands.router import Router

router = Router(group=pulsepro.SPEC.name)
LATEST = 15  # inspections listed one by one
MAX_ACTIONS = 100  # actions listed one by one
EARLIEST = datetime.min.replace(tzinfo=UTC)  # undated inspections sort last


def _score(score: float | None) -> str:
    return "—" if score is None else f"{score:.1f}%"


def _average(items: Sequence[Inspection]) -> float | None:
    scores = [i.score for i in items if i.score is not None]
    return sum(scores) / len(scores) if scores else None


def _place(i: Inspection) -> str:
    if i.location_name:
        return i.location_name
    return f"#{i.location_id}" if i.location_id else "No location"


def within(found: InspectionList, period: Period) -> list[Inspection]:
    """The inspections conducted within the period itself (undated ones are kept)."""
    return [
        i
        for i in found.items
        if i.conducted_at is None or period.start <= i.conducted_at < period.end
    ]


def _when(moment: datetime | None, ctx: Context) -> str:
    return moment.astimezone(ctx.tz).strftime("%a %d %b %H:%M") if moment else "—"


def inspections_message(
    ctx: Context,
    period: Period,
    found: InspectionList,
    before: InspectionList,
    location: str | None,
) -> Message:
    kept = within(found, period)
    previous = within(before, period.previous())
    count = found.count if found.truncated else len(kept)
    count_before = before.count if before.truncated else len(previous)
    score, score_before = _average(kept), _average(previous)
    places: dict[str, list[Inspection]] = defaultdict(list)
    for i in kept:
        places[_place(i)].append(i)

    where = f" at location {echo(location)}" if location else ""
    title = f"PulsePro inspections{where} — {period.label}"
    moved = "" if score is None or score_before is None else points(score, score_before)
    blocks: list[Block] = [
        header(title),
        fields(
            [
                ("Inspections", f"{human(count)}  {change(count, count_before)}"),
                ("Average score", f"{_score(score)}  {moved}".strip()),
                ("Locations", human(len(places))),
            ]
        ),
    ]
    latest = sorted(
        kept,
        key=lambda i: i.conducted_at or EARLIEST,
        reverse=True,
    )
    rows = [
        [_when(i.conducted_at, ctx), i.title, _place(i), i.inspector or "—", _score(i.score)]
        for i in latest[:LATEST]
    ]
    shown = f"Latest {len(rows)} of {human(len(kept))}" if len(kept) > LATEST else "Inspections"
    blocks.append(section(f"*{shown}*"))
    columns = [Column("Conducted"), Column("Title"), Column("Location"), Column("Inspector")]
    blocks += table_blocks([*columns, right("Score")], rows, noun="inspections")
    if len(places) > 1:
        summary = sorted(places.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        blocks += text_table(
            [Column("Location"), right("Inspections"), right("Avg score")],
            [[name, human(len(items)), _score(_average(items))] for name, items in summary],
        )
    notes = [period.describe(), period.versus()]
    if found.truncated:
        notes.append(
            f"only the first {human(len(found.items))} of {human(found.count)} inspections "
            "were read; the average and the tables cover those"
        )
    blocks.append(context(" · ".join(notes)))
    lead = f"{title}: {plural(count, 'inspection')}"
    if score is not None:
        lead += f", average score {_score(score)}"
    return Message(lead, tuple(blocks))


def _due(a: Action, today: date) -> str:
    if a.due_date is None:
        return "—"
    return a.due_date.strftime("%a %d %b" if a.due_date.year == today.year else "%d %b %Y")


def actions_message(
    ctx: Context, items: Sequence[Action], open_count: int, only_overdue: bool
) -> Message:
    today = ctx.now().astimezone(ctx.tz).date()
    ordered = sorted(items, key=lambda a: (not a.overdue, a.due_date or date.max, a.title))
    overdue = sum(1 for a in items if a.overdue)
    rows = [
        [
            a.title,
            (a.priority or "—").capitalize(),
            f"{_due(a, today)} ⚠ overdue" if a.overdue else _due(a, today),
            a.location or "—",
            a.assignee or "—",
        ]
        for a in ordered[:MAX_ACTIONS]
    ]
    if only_overdue:
        title = f"PulsePro — {plural(overdue, 'overdue corrective action')}"
        lead = f"PulsePro: {plural(overdue, 'overdue corrective action')}"
    else:
        title = f"PulsePro corrective actions — {human(open_count)} open, {human(overdue)} overdue"
        lead = f"PulsePro: {plural(open_count, 'open corrective action')}, {overdue} overdue"
    blocks: list[Block] = [
        header(title),
        *table_blocks(
            [Column(t) for t in ("Action", "Priority", "Due", "Location", "Assignee")],
            rows,
            noun="actions",
        ),
    ]
    notes = [f"As of {ctx.now().astimezone(ctx.tz):%a %d %b %H:%M} ({ctx.tz.key})"]
    if len(items) > MAX_ACTIONS:
        notes.append(f"the {MAX_ACTIONS} most urgent of {human(len(items))} are listed")
    if len(items) < open_count and not only_overdue:
        notes.append(f"only {human(len(items))} of {human(open_count)} could be read")
    if not only_overdue and overdue:
        notes.append("only the overdue ones: `/pulse actions --overdue`")
    blocks.append(context(" · ".join(notes)))
    return Message(lead, tuple(blocks))


@router.command("inspections")
async def inspections(ctx: Context, args: Args) -> Message:
    """inspections [RANGE] [--location ID]

    Inspections conducted in RANGE: how many and their average score against the
    period before, the latest ones, and a summary per location.

    /pulse inspections
    /pulse inspections last-month --location 12
    """
    reject_unknown(args, {"location"})
    location = args.option("location")
    if location is not None and not location.strip():
        raise UsageError("`--location` needs a location ID.")
    period, _ = range_and_rest(ctx, args)
    days, days_before = period.days(), period.previous().days()
    client = ctx.directory.get(pulsepro.SPEC)
    found, before = await asyncio.gather(
        client.inspections(days[0], days[-1], location),
        client.inspections(days_before[0], days_before[-1], location),
    )
    if not within(found, period) and not found.truncated:
        where = f" at location {echo(location)}" if location else ""
        text = f"No inspections in PulsePro{where} {period.during()}."
        return Message(text, (section(text), context(period.describe())))
    return inspections_message(ctx, period, found, before, location)


@router.command("actions", flags=("overdue",))
async def actions(ctx: Context, args: Args) -> Message:
    """actions [--overdue]

    Open corrective actions, the overdue ones first, with priority, due date,
    location and assignee; `--overdue` lists only the overdue ones.

    /pulse actions
    /pulse actions --overdue
    """
    reject_unknown(args)
    no_words(args)
    only_overdue = args.has("overdue")
    found = await ctx.directory.get(pulsepro.SPEC).actions(
        status="open", overdue=True if only_overdue else None
    )
    items = [a for a in found.items if a.overdue or not only_overdue]
    if not items:
        which = "overdue" if only_overdue else "open"
        text = f"No {which} corrective actions in PulsePro."
        return Message(text, (section(text),))
    open_count = found.count if found.truncated else len(found.items)
    return actions_message(ctx, items, open_count, only_overdue)
