"""WeldPulse `timeseries`: visitors, pageviews and sessions per bucket, as a chart and text.

The user types `--interval 1h` or `1d`; WeldPulse wants `"1 hour"` / `"1 day"`. Without
it, ranges up to 3 days use hours and longer ones days. A range that would need more
than `MAX_BUCKETS` points is refused with a sentence saying which interval works.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clients import weldpulse
from bot.clients.weldpulse import Interval, TimeBucket
from bot.domain.formatting import human
from bot.domain.periods import Period
from bot.domain.series import EVERY, STEP, UNIT, default_interval, downsample
from bot.errors import UsageError
from bot.render.blocks import Chart, Message, context, fields, header, section, sparkline
from bot.render.chart import line_chart
from commands.context import Context
from commands.options import range_and_rest, reject_unknown
from commands.parsing import Args
from commands.router import Router

router = Router(group=weldpulse.SPEC.name)
MAX_BUCKETS = 2000
SPARK_WIDTH = 60
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
        raise UsageError(f"`--interval` must be `1h` or `1d`, not `{raw}`.")
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


def _axis_labels(buckets: Sequence[TimeBucket], tz: ZoneInfo, interval: Interval) -> list[str]:
    fmt = "%a %H:%M" if interval == "1 hour" else "%d %b"
    picks = sorted({0, len(buckets) // 2, len(buckets) - 1})
    return [buckets[i].t.astimezone(tz).strftime(fmt) for i in picks]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def timeseries_message(
    buckets: Sequence[TimeBucket], period: Period, interval: Interval
) -> Message:
    """The answer for buckets already fetched: totals, busiest bucket, sparkline, chart."""
    unit = UNIT[interval]
    if not buckets:
        text = f"No visits recorded in WeldPulse for {period.label}."
        return Message(text, (section(text), context(period.describe())))
    buckets = sorted(buckets, key=lambda b: b.t)
    visitors = [float(b.visitors) for b in buckets]
    totals = {
        "Visitors": sum(b.visitors for b in buckets),
        "Pageviews": sum(b.pageviews for b in buckets),
        "Sessions": sum(b.sessions for b in buckets),
    }
    busiest = max(buckets, key=lambda b: (b.visitors, -b.t.timestamp()))
    squeezed = downsample(visitors, SPARK_WIDTH)
    per_mark = ""
    if len(squeezed) < len(visitors):
        per_mark = f" (each mark ≈ {len(visitors) / len(squeezed):.0f} {unit}s)"
    title = f"WeldPulse traffic — {period.label}"
    chart = Chart(
        filename=f"weldpulse-timeseries-{_slug(period.label)}.png",
        title=f"WeldPulse visitors, pageviews and sessions per {unit} — {period.label}",
        png=line_chart(
            {name: [float(getattr(b, name.lower())) for b in buckets] for name in totals},
            title=f"WeldPulse per {unit} — {period.label}",
            x_labels=_axis_labels(buckets, period.tz, interval),
        ),
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
                        f"{_stamp(busiest.t, period.tz, interval)} · "
                        f"{human(busiest.visitors)} visitors",
                    ),
                ]
            ),
            section(f"*Visitors per {unit}*{per_mark}\n`{sparkline(squeezed)}`"),
            context(
                f"{period.describe()} · {len(buckets)} {EVERY[interval]} buckets · totals "
                f"add up the buckets, so a visitor seen in two {unit}s counts twice"
            ),
        ),
        charts=(chart,),
    )


@router.command("timeseries")
async def timeseries(ctx: Context, args: Args) -> Message:
    """timeseries [RANGE] [--interval 1h|1d]

    Visitors, pageviews and sessions per hour or day, as a chart and a sparkline.
    Hours by default for ranges up to 3 days, days for longer ones.

    /pulse timeseries 24h
    /pulse timeseries 30d --interval 1d
    """
    reject_unknown(args, {"interval"})
    period, _ = range_and_rest(ctx, args)
    interval = read_interval(args.option("interval"), period)
    check_buckets(period, interval)
    buckets = await ctx.directory.get(weldpulse.SPEC).timeseries(
        period.start, period.end, interval=interval
    )
    return timeseries_message(buckets, period, interval)
