"""WeldPulse `timeseries`: visitors, pageviews and sessions per bucket, as a chart block.

The user types `--interval 1h` or `1d`; WeldPulse wants `"1 hour"` / `"1 day"`. Without
it, ranges up to 3 days use hours and longer ones days. A range that would need more
than `MAX_BUCKETS` points is refused with a sentence saying which interval works.

Days are the caller's: WeldPulse's days are UTC days, so for a caller elsewhere the hours
are asked for and added up into local days (`bot.domain.series.local_buckets`); buckets
outside the period are left out and those it cuts are marked partial.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clients import weldpulse
from bot.clients.weldpulse import Interval, TimeBucket
from bot.domain.formatting import human, plural
from bot.domain.periods import Period
from bot.domain.series import (
    EVERY,
    STEP,
    UNIT,
    Trend,
    ask_for,
    bucket,
    bucket_end,
    cut,
    default_interval,
    local_buckets,
)
from bot.domain.values import echo
from bot.errors import UsageError
from bot.render.blocks import context, fields, header, section
from bot.render.chart import PARTIAL, trend_chart
from bot.render.message import Message
from commands.context import Context
from commands.options import range_and_rest, reject_unknown
from commands.parsing import Args
from commands.router import Router

router = Router(group=weldpulse.SPEC.name)
MAX_BUCKETS = 2000
_TYPED: dict[str, Interval] = {
    "1h": "1 hour",
    "1hour": "1 hour",
    "hour": "1 hour",
    "hourly": "1 hour",
    "1d": "1 day",
    "1day": "1 day",
    "day": "1 day",
    "daily": "1 day",
}


def read_interval(raw: str | None, period: Period) -> Interval:
    if raw is None:
        return default_interval(period)
    interval = _TYPED.get(raw.strip().lower().replace(" ", ""))
    if interval is None:
        raise UsageError(f"`--interval` must be `1h` or `1d`, not `{echo(raw)}`.")
    return interval


def bucket_count(period: Period, interval: Interval) -> int:
    return max(1, math.ceil(period.length / STEP[interval]))


def check_buckets(period: Period, interval: Interval) -> None:
    count = bucket_count(period, interval)
    if count > MAX_BUCKETS:
        raise UsageError(
            f"{period.label.capitalize()} in {EVERY[interval]} buckets would be {count:,} "
            f"points, more than the {MAX_BUCKETS:,} a chart can show; use `--interval 1d` "
            "or a shorter range."
        )


def _stamp(moment: datetime, tz: ZoneInfo, interval: Interval) -> str:
    fmt = "%a %d %b %H:%M" if interval == "1 hour" else "%a %d %b"
    return moment.astimezone(tz).strftime(fmt)


def trends(buckets: Sequence[TimeBucket], interval: Interval, period: Period) -> list[Trend]:
    """Visitors, pageviews and sessions as series of the same buckets; those the period
    cuts (the first, the one still running) are marked partial."""
    return [
        Trend(
            name,
            UNIT[interval],
            tuple(bucket(b.t, float(getattr(b, name.lower())), interval, period) for b in buckets),
        )
        for name in ("Visitors", "Pageviews", "Sessions")
    ]


def timeseries_message(
    buckets: Sequence[TimeBucket], period: Period, interval: Interval
) -> Message:
    """The answer for the caller's buckets (`local_buckets`): totals, busiest bucket, a
    chart."""
    unit = UNIT[interval]
    if not buckets:
        text = f"No visits recorded in WeldPulse for {period.label}."
        return Message(text, (section(text), context(period.describe())))
    buckets = sorted(buckets, key=lambda b: b.t)
    totals = {
        "Visitors": sum(b.visitors for b in buckets),
        "Pageviews": sum(b.pageviews for b in buckets),
        "Sessions": sum(b.sessions for b in buckets),
    }
    # the busiest of the whole buckets: a cut one is not compared with full ones
    whole = [b for b in buckets if not cut(b.t, bucket_end(b.t, interval, period.tz), period)]
    busiest = max(whole or buckets, key=lambda b: (b.visitors, -b.t.timestamp()))
    count = plural(len(buckets), f"{EVERY[interval]} bucket")
    title = f"WeldPulse traffic — {period.label}"
    chart = trend_chart(
        weldpulse.SPEC.name, period.label, trends(buckets, interval, period), period.tz
    )
    return Message(
        f"{title}: {human(totals['Visitors'])} visitors, {human(totals['Pageviews'])} "
        f"pageviews, {human(totals['Sessions'])} sessions",
        (
            header(title),
            fields(
                [
                    *((name, human(value)) for name, value in totals.items()),
                    (
                        f"Busiest {unit}",
                        f"{_stamp(busiest.t, period.tz, interval)}{'' if whole else PARTIAL} · "
                        f"{human(busiest.visitors)} visitors",
                    ),
                ]
            ),
            *chart,
            context(
                f"{period.describe()} · {count} · totals "
                f"add up the buckets, so a visitor seen in two {unit}s counts twice"
            ),
        ),
    )


@router.command("timeseries")
async def timeseries(ctx: Context, args: Args) -> Message:
    """timeseries [RANGE] [--interval 1h|1d]

    Visitors, pageviews and sessions per hour or day, as a chart.
    Hours by default for ranges up to 3 days, days for longer ones.

    /pulse timeseries 24h
    /pulse timeseries 30d --interval 1d
    """
    reject_unknown(args, {"interval"})
    period, _ = range_and_rest(ctx, args)
    interval = read_interval(args.option("interval"), period)
    check_buckets(period, interval)
    found = await ctx.directory.get(weldpulse.SPEC).timeseries(
        period.start, period.end, interval=ask_for(interval, period)
    )
    return timeseries_message(local_buckets(found, interval, period), period, interval)
