"""Block Kit as readable plain text, for the local console and for logs of tests.

Tables are aligned as monospace text; charts are labelled sparklines with their values,
one row per category.
"""

from __future__ import annotations

import re
from typing import Any

from bot.domain.formatting import human
from bot.render.chart import series_of, spark
from bot.render.table import monospace

_DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<(https?://[^>|]+)\|([^>]*)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def dates_as_text(text: str) -> str:
    """Slack's date tokens (`bot.render.blocks.slack_date`) as their fallback text."""
    return _DATE.sub(lambda m: m.group(1), text)


def mrkdwn(text: str) -> str:
    text = dates_as_text(text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _MENTION.sub(lambda m: m.group(1) + (m.group(3) or m.group(2)), text)
    text = _BOLD.sub(r"\1", text)
    return text.replace("```", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def chart_lines(block: dict[str, Any]) -> list[str]:
    """A chart as its title, a sparkline per series, and the values per category."""
    categories, series = series_of(block)
    lines = [str(block.get("title", "Chart"))]
    width = max((len(name) for name, _ in series), default=0)
    for name, values in series:
        if values:
            line, numbers = spark(categories, values)
            lines.append(f"  {name.ljust(width)}  {line}  {numbers}")
    rows = [
        [category, *(human(values[i]) if i < len(values) else "" for _, values in series)]
        for i, category in enumerate(categories)
    ]
    grid = {
        "rows": [
            [{"type": "raw_text", "text": t} for t in r]
            for r in [["", *(n for n, _ in series)], *rows]
        ],
        "column_settings": [{"align": "left"}, *({"align": "right"} for _ in series)],
    }
    table = monospace(grid)
    lines += ["  " + line for line in [table[0], *table[2:]]]
    return lines


def block_text(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = block["text"]["text"]
        return [title, "=" * min(len(title), 60)]
    if kind == "divider":
        return ["-" * 40]
    if kind == "section":
        out = []
        if block.get("text"):
            out.append(mrkdwn(block["text"]["text"]))
        for f in block.get("fields", []):
            out.append(mrkdwn(f["text"]).replace("\n", ": ", 1))
        accessory = block.get("accessory") or {}
        if accessory.get("type") == "button":
            out.append(f"[{accessory['text']['text']}]")
        return out
    if kind == "context":
        return [
            "  " + mrkdwn(e.get("text", ""))
            for e in block.get("elements", [])
            if e.get("type") in {"mrkdwn", "plain_text"}
        ]
    if kind == "actions":
        return ["  ".join(f"[{e['text']['text']}]" for e in block.get("elements", []))]
    if kind == "table":
        return monospace(block)
    if kind == "data_visualization":
        return chart_lines(block)
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    return []


def render(payload: dict[str, Any]) -> str:
    """A chat.postMessage-style payload as text; falls back to `text` without blocks."""
    blocks = list(payload.get("blocks") or [])
    for attachment in payload.get("attachments") or []:
        blocks += attachment.get("blocks") or []
    if not blocks:
        return mrkdwn(str(payload.get("text", "")))
    lines: list[str] = []
    for block in blocks:
        lines.extend(block_text(block))
    return "\n".join(lines)
