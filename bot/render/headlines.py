"""A service's headline as Block Kit: its figures, sparkline and notable items."""

from __future__ import annotations

from bot.domain.headlines import Headline
from bot.domain.series import downsample
from bot.errors import ServiceError
from bot.messages import sentence
from bot.render.blocks import Block, context, section, sparkline

SPARK_WIDTH = 48


def render_headline(headline: Headline) -> list[Block]:
    """A service's section: its name with the figures, the sparkline, the notable items."""
    top = section(f"*{headline.title}*")
    if headline.figures:
        top["fields"] = [
            {"type": "mrkdwn", "text": f"*{label}*\n{value}  {moved}".rstrip()}
            for label, value, moved in headline.figures[:10]
        ]
    blocks = [top]
    if len(headline.series) > 1:
        spark = sparkline(downsample(headline.series, SPARK_WIDTH))
        blocks.append(context(f"{headline.series_label}  `{spark}`".strip()))
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
