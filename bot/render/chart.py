"""Charts as Slack `data_visualization` blocks, built from series of time buckets.

What this relies on (read October–November 2026):

- docs.slack.dev, Block Kit reference, "Data visualization block" (changelog 2026-06-16,
  "now available"): `title` (required, at most 50 characters) and `chart`, one of `pie`,
  `bar`, `area`, `line`; a series chart has 1–6 `series` of `{name, data: [{label,
  value}]}` and `axis_config` with `categories` (the x-axis order) and optional `x_label`
  / `y_label` (50). Labels and categories are at most 20 characters.
- python-slack-sdk 3.48.0 has no class for this block (PR #1899 is open), so it is a
  plain dict, passed through untouched by `WebClient` and Bolt's `respond`.
- Third-party validators, not the reference page (slack-go `block_data_visualization.go`,
  kaicoh/slack-messaging, CopilotKit, vercel/chat): 1–20 points per series, one point per
  category with the same labels, unique series names of at most 20 characters; at most
  two charts per message (vercel/chat#696, "found via Slack's per-block validation
  messages"). Some say 12 series; 6 is used, as the docs say.

Slack draws every point the same way, so a bucket that is not whole (the current hour,
or one cut by the period's edge) is marked in its category, " (part)", and said under
the chart; a sparkline drawn from the chart (the console, the fallback) draws it `░`, out
of the scale and of the minimum, maximum and last value. More buckets than 20 are added up
into groups of natural sizes (2 hours, a week…), the title saying which.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.domain.formatting import human
from bot.domain.series import Bucket, Trend
from bot.render.blocks import SPARK_PART, Block, context, section, sparkline, truncate

ChartKind = Literal["line", "bar", "area"]
MAX_TITLE = 50
MAX_SERIES = 6
MAX_POINTS = 20
MAX_LABEL = 20
MAX_AXIS_LABEL = 50
MAX_CHARTS = 2  # per message
PARTIAL = " (part)"
_HOUR_STEPS = (1, 2, 3, 4, 6, 12, 24, 48, 72, 168)
_DAY_STEPS = (1, 2, 3, 7, 14, 28)


@dataclass(frozen=True, slots=True)
class Line:
    """One series of a chart: its name in the legend and one value per category."""

    name: str
    values: Sequence[float]


def chart(
    title: str,
    categories: Sequence[str],
    lines: Sequence[Line],
    *,
    kind: ChartKind = "line",
    y_label: str | None = None,
) -> Block:
    """A series chart within the limits: the title, labels and names clipped, at most six
    series and the last 20 points."""
    categories = _unique([truncate(c, MAX_LABEL) for c in categories])[-MAX_POINTS:]
    width = len(categories)
    names = _unique([truncate(line.name, MAX_LABEL) for line in lines[:MAX_SERIES]])
    series = [
        {
            "name": name,
            "data": [
                {"label": label, "value": _number(value)}
                for label, value in zip(categories, list(line.values)[-width:], strict=True)
            ],
        }
        for name, line in zip(names, lines, strict=False)
    ]
    axis: dict[str, Any] = {"categories": categories}
    if y_label:
        axis["y_label"] = truncate(y_label, MAX_AXIS_LABEL)
    return {
        "type": "data_visualization",
        "title": truncate(title, MAX_TITLE),
        "chart": {"type": kind, "series": series, "axis_config": axis},
    }


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def _unique(labels: list[str]) -> list[str]:
    """Labels made distinct (Slack matches points to categories by label)."""
    seen: set[str] = set()
    out: list[str] = []
    for label in labels:
        candidate, n = label, 2
        while candidate in seen:
            suffix = f" {n}"
            candidate, n = label[: MAX_LABEL - len(suffix)] + suffix, n + 1
        seen.add(candidate)
        out.append(candidate)
    return out


# ---- series of buckets -------------------------------------------------------------------


def group_size(count: int, unit: str) -> int:
    """Buckets per point so that `count` buckets make at most 20 points."""
    for step in _HOUR_STEPS if unit == "hour" else _DAY_STEPS:
        if math.ceil(count / step) <= MAX_POINTS:
            return step
    return math.ceil(count / MAX_POINTS)


def grouped(buckets: Sequence[Bucket], size: int) -> list[Bucket]:
    """Consecutive buckets added up `size` at a time; a short last group is partial."""
    out = []
    for i in range(0, len(buckets), size):
        group = buckets[i : i + size]
        partial = len(group) < size or any(b.partial for b in group)
        out.append(Bucket(group[0].start, sum(b.value for b in group), partial))
    return out


def step_words(unit: str, size: int) -> str:
    """`hour`, `2 hours`, `day`, `week`, `2 weeks`."""
    if unit == "hour" and size % 24 == 0:
        unit, size = "day", size // 24
    if unit == "day" and size % 7 == 0:
        unit, size = "week", size // 7
    return unit if size == 1 else f"{size} {unit}s"


def bucket_label(start: datetime, unit: str, size: int, tz: ZoneInfo, span: timedelta) -> str:
    """A bucket in the reader's terms: `Mon 14:00` for hours within a week, `23 Nov 14:00`
    on longer hourly ranges, `23 Nov` for days (with the year when the range needs it)."""
    local = start.astimezone(tz)
    if unit == "hour" and size < 24:
        return local.strftime("%a %H:%M" if span <= timedelta(days=7) else "%d %b %H:%M")
    return local.strftime("%d %b %y" if span > timedelta(days=300) else "%d %b")


def trend_chart(
    subject: str,
    period_label: str,
    trends: Sequence[Trend],
    tz: ZoneInfo,
    *,
    kind: ChartKind = "line",
) -> list[Block]:
    """One chart of `trends` (which share their buckets) over the period, and a line under
    it when a point is partial. Empty when there is nothing to draw."""
    first = trends[0].buckets if trends else ()
    if not first:
        return []
    unit = trends[0].unit
    size = group_size(len(first), unit)
    groups = [grouped(t.buckets, size) for t in trends]
    span = first[-1].start - first[0].start
    labels = [
        bucket_label(b.start, unit, size, tz, span) + (PARTIAL if b.partial else "")
        for b in groups[0]
    ]
    title = f"{subject} per {step_words(unit, size)} — {period_label}"
    lines = [Line(t.name, [b.value for b in g]) for t, g in zip(trends, groups, strict=True)]
    blocks = [chart(title, labels, lines, kind=kind)]
    if any(b.partial for b in groups[0]):
        step = step_words(unit, size)
        whole = f"{'an' if step == 'hour' else 'a'} {step}" if step[0].isalpha() else step
        blocks.append(context(f"{PARTIAL.strip()}: the period covers less than {whole} of it."))
    return blocks


# ---- reading a chart block back (console, fallback, limits) ------------------------------


def series_of(block: Block) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """(categories, [(series name, values)]) of a series chart block."""
    spec = block.get("chart") or {}
    if spec.get("type") == "pie":
        segments = spec.get("segments") or []
        return [str(s.get("label", "")) for s in segments], [
            ("", [float(s.get("value", 0)) for s in segments])
        ]
    categories = [str(c) for c in (spec.get("axis_config") or {}).get("categories") or []]
    series = [
        (str(s.get("name", "")), [float(p.get("value", 0)) for p in s.get("data") or []])
        for s in spec.get("series") or []
    ]
    return categories, series


def chart_problems(block: Block) -> list[str]:
    """What Slack would refuse in a chart block (empty when it is fine)."""
    problems: list[str] = []
    title = block.get("title")
    if not isinstance(title, str) or not 0 < len(title) <= MAX_TITLE:
        problems.append("title must be 1–50 characters")
    spec = block.get("chart") or {}
    if spec.get("type") not in {"line", "bar", "area", "pie"}:
        return [*problems, f"chart type {spec.get('type')!r} is not one Slack draws"]
    if spec.get("type") == "pie":
        segments = spec.get("segments") or []
        if not 1 <= len(segments) <= MAX_SERIES:
            problems.append("a pie has 1–6 segments")
        return problems
    categories, series = series_of(block)
    if not 1 <= len(series) <= MAX_SERIES:
        problems.append("1–6 series")
    if not 1 <= len(categories) <= MAX_POINTS or len(set(categories)) != len(categories):
        problems.append("1–20 distinct categories")
    if any(len(c) > MAX_LABEL for c in categories):
        problems.append("categories of at most 20 characters")
    names = [name for name, _ in series]
    if len(set(names)) != len(names) or any(not 0 < len(n) <= MAX_LABEL for n in names):
        problems.append("distinct series names of 1–20 characters")
    for s in spec.get("series") or []:
        labels = [p.get("label") for p in s.get("data") or []]
        if labels != categories:
            problems.append(f"series {s.get('name')!r} must have one point per category")
    return problems


def spark(categories: Sequence[str], values: Sequence[float]) -> tuple[str, str]:
    """A series of a chart as a sparkline and `min 10 · max 80 · last 70`, both of its
    whole points: a point whose category is marked partial is drawn `░` and said so."""
    partial = [i < len(categories) and categories[i].endswith(PARTIAL) for i in range(len(values))]
    whole = [v for v, part in zip(values, partial, strict=True) if not part] or list(values)
    numbers = f"min {human(min(whole))} · max {human(max(whole))} · last {human(whole[-1])}"
    if any(partial):
        numbers += f" · {SPARK_PART} part"
    return sparkline(values, partial), numbers


def chart_as_text(block: Block) -> Block:
    """The chart as a section of labelled sparklines with their minimum, maximum and last
    value, for a message that cannot carry it as a chart."""
    categories, series = series_of(block)
    span = f" ({categories[0]} – {categories[-1]})" if len(categories) > 1 else ""
    lines = [f"*{block.get('title', 'Chart')}*{span}"]
    for name, values in series:
        if not values:
            continue
        line, numbers = spark(categories, values)
        lines.append(f"{name or 'Values'}  `{line}`  {numbers}")
    return section("\n".join(lines))
