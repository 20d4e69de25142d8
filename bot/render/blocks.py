"""Block Kit building blocks: headers, sections, fields, context lines, sparklines.

Plain dicts, the shape `chat.postMessage` takes. Tables are in `bot.render.table`, charts
in `bot.render.chart`; a whole answer is a `bot.render.message.Message`, and
`bot.render.limits` keeps it within what Slack accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

MAX_BLOCKS = 50  # per message (a Home tab or modal takes 100)
MAX_TEXT = 3000  # a section's text, a context element's text
MAX_HEADER = 150
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_CONTEXT_ELEMENTS = 10

Block = dict[str, Any]
SPARK = "▁▂▃▄▅▆▇█"
SPARK_PART = "░"  # a point that is not whole: drawn, but not as a bar


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


def sparkline(values: Sequence[float], partial: Sequence[bool] = ()) -> str:
    """Values as bars scaled to the whole ones; a value marked in `partial` (a bucket that
    is not whole, PRODUCT §2) is `SPARK_PART`, never a bar."""
    if not values:
        return ""
    marked = [i < len(partial) and partial[i] for i in range(len(values))]
    whole = [v for v, part in zip(values, marked, strict=True) if not part]
    if not whole:
        return SPARK_PART * len(values)
    low, high = min(whole), max(whole)
    span = high - low

    def bar(v: float) -> str:
        return SPARK[3] if span == 0 else SPARK[min(7, int((v - low) / span * 7 + 0.5))]

    return "".join(SPARK_PART if part else bar(v) for v, part in zip(values, marked, strict=True))


def slack_date(moment: datetime, tz: tzinfo = UTC) -> str:
    """A moment every reader sees in their own zone: Slack's date token
    (`<!date^1700000000^{date_short_pretty} {time}|Tue 14 Nov 22:13 UTC>`), whose fallback,
    for clients that cannot format it and for the console, is the time in `tz`, zone named."""
    local = moment.astimezone(tz)
    fallback = f"{local:%a %d %b %H:%M} {local.tzname() or tz}"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def escape(text: str) -> str:
    """Text from a service made safe inside Slack mrkdwn."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
