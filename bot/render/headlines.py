"""A service's headline as Block Kit: its figures, its chart and notable items."""

from __future__ import annotations

from bot.domain.headlines import Headline
from bot.domain.periods import Period
from bot.errors import ServiceError
from bot.messages import sentence
from bot.render.blocks import Block, section
from bot.render.chart import trend_chart


def render_headline(headline: Headline, period: Period) -> list[Block]:
    """A service's section: its name with the figures (section fields), a chart of its
    series over the period where there is one, the notable items."""
    top = section(f"*{headline.title}*")
    if headline.figures:
        top["fields"] = [
            {"type": "mrkdwn", "text": f"*{label}*\n{value}  {moved}".rstrip()}
            for label, value, moved in headline.figures[:10]
        ]
    blocks = [top]
    trend = headline.trend
    if trend is not None and len(trend.buckets) > 1:
        blocks += trend_chart(trend.name, period.label, [trend], period.tz)
    if headline.notable:
        blocks.append(section("\n".join(f"• {n}" for n in headline.notable)))
    return blocks


def failure_line(err: ServiceError, *, others: bool) -> str:
    """One plain line for a service that failed, saying the others still show."""
    return f"⚠️ {sentence(err)}" + (" The others are below." if others else "")


def summary(headline: Headline) -> str:
    """`WeldPulse: 1.2k visitors (▲ 25.0%)` for fallback texts."""
    if not headline.figures:
        return headline.title
    label, value, moved = headline.figures[0]
    return f"{headline.title}: {value} {label.lower()}" + (f" ({moved})" if moved else "")
