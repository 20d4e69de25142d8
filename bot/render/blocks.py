"""Block Kit building blocks: headers, sections, fields, context lines, sparklines.

Plain dicts, the shape `chat.postMessage` takes. Tables are in `bot.render.table`, charts
in `bot.render.chart`; a whole answer is a `bot.render.message.Message`, and
`bot.render.limits` keeps it within what Slack accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_BLOCKS = 50  # per message (a Home tab or modal takes 100)
MAX_TEXT = 3000  # a section's text, a context element's text
MAX_HEADER = 150
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_CONTEXT_ELEMENTS = 10

Block = dict[str, Any]
SPARK = "▁▂▃▄▅▆▇█"


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(text, MAX_HEADER), "emoji": True},
    }


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def fields(pairs: Sequence[tuple[str, str]]) -> Block:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in pairs[:MAX_FIELDS]],
    }


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def divider() -> Block:
    return {"type": "divider"}


def sparkline(values: Sequence[float]) -> str:
    if not values:
        return ""
    low, high = min(values), max(values)
    span = high - low
    if span == 0:
        return SPARK[3] * len(values)
    return "".join(SPARK[min(7, int((v - low) / span * 7 + 0.5))] for v in values)


def escape(text: str) -> str:
    """Text from a service made safe inside Slack mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
