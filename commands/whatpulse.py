"""WhatPulse `pulses`: a user's keys, clicks, scrolls, network, uptime and distance.

Totals for the period and a breakdown per local day of the caller. WhatPulse filters by
whole days (UTC days, as far as its answers show), so the query asks for every date that
covers the caller's period (`covering_dates`) and the answer keeps the pulses within the
exact period: an Auckland caller's yesterday is most of the UTC day before. A day the
period covers only in part (the first of `7d`, today) is marked so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.clients import whatpulse
from bot.clients.whatpulse import Pulse
from bot.domain.formatting import data_size, duration, human
from bot.domain.periods import Period, covering_dates, local_midnight
from bot.domain.series import cut
from bot.domain.values import echo, identifier
from bot.errors import UsageError
from bot.render.blocks import Block, context, fields, header, section
from bot.render.chart import PARTIAL
from bot.render.message import Message
from bot.render.table import MAX_ROWS, Column, right, table_blocks
from commands.context import Context
from commands.options import range_and_rest, reject_unknown
from commands.parsing import Args
from commands.router import Router

router = Router(group=whatpulse.SPEC.name)


def miles(distance: float) -> str:
    return f"{distance:.1f} mi"


@dataclass(frozen=True, slots=True)
class Sums:
    """What a group of pulses adds up to; `scrolls` is None when no pulse reported any."""

    pulses: int
    keys: int
    clicks: int
    scrolls: int | None
    download_mb: float
    upload_mb: float
    uptime_seconds: int
    distance_miles: float

    @classmethod
    def of(cls, pulses: Sequence[Pulse]) -> Sums:
        known = [p.scrolls for p in pulses if p.scrolls is not None]
        return cls(
            pulses=len(pulses),
            keys=sum(p.keys for p in pulses),
            clicks=sum(p.clicks for p in pulses),
            scrolls=sum(known) if known else None,
            download_mb=sum(p.download_mb for p in pulses),
            upload_mb=sum(p.upload_mb for p in pulses),
            uptime_seconds=sum(p.uptime_seconds for p in pulses),
            distance_miles=sum(p.distance_miles for p in pulses),
        )

    def row(self) -> list[str]:
        return [
            human(self.keys),
            human(self.clicks),
            "—" if self.scrolls is None else human(self.scrolls),
            data_size(self.download_mb),
            data_size(self.upload_mb),
            duration(self.uptime_seconds),
            miles(self.distance_miles),
        ]


COLUMNS = ["Keys", "Clicks", "Scrolls", "Download", "Upload", "Uptime", "Distance"]


def computer_option(args: Args) -> int | None:
    raw = args.option("computer")
    if raw is None:
        return None
    wrong = f"`--computer` takes a WhatPulse computer ID, a whole number, not `{echo(raw)}`."
    number = identifier(raw, malformed=wrong)
    if number is None:  # 0, or more than any computer can be numbered
        raise UsageError(wrong)
    return number


def pulses_message(
    user: str,
    period: Period,
    kept: Sequence[Pulse],
    *,
    computer: int | None,
    defaulted: bool,
    truncated: tuple[int, int] | None,
) -> Message:
    total = Sums.of(kept)
    per_day: dict[date, list[Pulse]] = {day: [] for day in period.days()}
    for p in kept:
        per_day.setdefault(p.date.astimezone(period.tz).date(), []).append(p)
    where = _computer(kept, computer)
    title = f"WhatPulse — {user}{where} — {period.label}"
    figures: list[tuple[str, str]] = list(zip(COLUMNS, total.row(), strict=True))
    figures.append(("Pulses", human(total.pulses)))
    blocks: list[Block] = [header(title), fields(figures)]
    blocks += breakdown(per_day, period)
    notes: list[str] = []
    if truncated is not None:
        read, of = truncated
        notes.append(
            f"⚠️ Only the first {human(read)} of {human(of)} pulses could be read (WhatPulse "
            "pages are capped), so these totals are lower than the real ones."
        )
    if any(p.scrolls is None for p in kept) and total.scrolls is not None:
        notes.append("Some pulses did not report scrolls; only the reported ones are counted.")
    if notes:
        blocks.append(section("\n".join(notes)))
    footer = [period.describe()]
    if defaulted:
        footer.append(f"No USER given: showing {user}, this workspace's WhatPulse user")
    blocks.append(context(" · ".join(footer)))
    lead = (
        f"WhatPulse — {user}{where}, {period.label}: {human(total.keys)} keys, "
        f"{human(total.clicks)} clicks in {human(total.pulses)} "
        f"pulse{'' if total.pulses == 1 else 's'}"
    )
    return Message(lead, tuple(blocks))


def breakdown(per_day: dict[date, list[Pulse]], period: Period) -> list[Block]:
    """A row per day; a row per week (from Monday) when the days would not fit one table;
    a day or week the period covers only in part marked so."""
    days = sorted(per_day.items())
    cut_days = {day for day, _ in days if _cut(day, period)}
    if len(days) <= MAX_ROWS - 1:
        rows = [
            [day.strftime("%a %d %b") + (PARTIAL if day in cut_days else ""), *Sums.of(ps).row()]
            for day, ps in days
        ]
        blocks = table_blocks([Column("Day"), *(right(c) for c in COLUMNS)], rows, noun="days")
        if cut_days:
            blocks.append(context(f"{PARTIAL.strip()}: a day the period covers only in part."))
        return blocks
    weeks: dict[date, list[date]] = {}
    for day, _ in days:
        weeks.setdefault(day - timedelta(days=day.weekday()), []).append(day)
    cut_weeks = {
        monday for monday, covered in weeks.items() if len(covered) < 7 or cut_days & {*covered}
    }
    rows = [
        [
            monday.strftime("%a %d %b %Y") + (PARTIAL if monday in cut_weeks else ""),
            *Sums.of([p for d in covered for p in per_day[d]]).row(),
        ]
        for monday, covered in weeks.items()
    ]
    columns = [Column("Week from"), *(right(c) for c in COLUMNS)]
    partial = bool(cut_weeks)
    note = context(
        f"A row per week: {len(days)} days would not fit one Slack table."
        + (f" {PARTIAL.strip()}: a week the period covers only in part." if partial else "")
    )
    return [*table_blocks(columns, rows, noun="weeks"), note]


def _cut(day: date, period: Period) -> bool:
    """Whether the period covers only part of the local day (or it is still running)."""
    end = local_midnight(day + timedelta(days=1), period.tz)
    return cut(local_midnight(day, period.tz), end, period)


def _computer(pulses: Sequence[Pulse], computer: int | None) -> str:
    if computer is None:
        return ""
    name = next((p.computer_name for p in pulses if p.computer_name), None)
    return f" on {name} ({computer})" if name else f" on computer {computer}"


@router.command("pulses")
async def pulses(ctx: Context, args: Args) -> Message:
    """pulses USER [RANGE] [--computer ID]

    A WhatPulse user's keys, clicks, scrolls, download/upload, uptime and distance:
    totals and a breakdown per day. Without USER, the workspace's WhatPulse user.

    /pulse pulses alice
    /pulse pulses alice last-week --computer 771
    """
    reject_unknown(args, {"computer"})
    computer = computer_option(args)
    period, rest = range_and_rest(ctx, args, max_words=1)
    client = ctx.directory.get(whatpulse.SPEC)
    user = rest[0] if rest else client.default_user
    if user is None:
        raise UsageError(
            "Whose pulses? Give a WhatPulse user name or ID; this workspace has no "
            "default WhatPulse user.",
        )
    first, last = covering_dates(period.start, period.end, period.tz)
    found = await client.pulses(user, date_from=first, date_to=last, computer_id=computer)
    kept = [p for p in found.pulses if period.start <= p.date < period.end]
    truncated = (len(found.pulses), found.total) if found.truncated else None
    if not kept and truncated is None:
        text = f"No pulses from {echo(user)}{_computer(kept, computer)} {period.during()}."
        return Message(text, (section(text), context(period.describe())))
    return pulses_message(
        echo(user), period, kept, computer=computer, defaulted=not rest, truncated=truncated
    )
