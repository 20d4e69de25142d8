"""Slack's limits for a message, checked in one place, and a message fitted within them.

`problems(payload)` says what Slack would refuse — python-slack-sdk's block models
(`slack_sdk.models.blocks`, with their own validators) where the SDK has the block, plain
dict checks for the limits it does not know and for the chart block it lacks.
`fit(payload)` degrades instead of letting Slack refuse: texts are clipped, a second
table becomes monospace text, a third chart (or one Slack would not draw) becomes a
sparkline line, rows are dropped from a table that is too big, and blocks beyond the
count are summed up in one line.

The limits, and where they come from:

- 50 blocks per message, 100 per Home tab or modal; section text 3000 characters, a
  field 2000 (10 fields), a header 150: docs.slack.dev, Block Kit reference ("Blocks",
  "Section block", "Header block").
- Table: 100 rows × 20 cells, about 10,000 characters over all cells, one table per
  message — see `bot.render.table`. Chart: title 50, 1–6 series, labels 20, at most
  20 points and two charts per message — see `bot.render.chart`.
- About 12,000 characters in a whole message: the issue's design limit, after
  practitioners' reports (the `markdown` block's documented 12,000 cumulative limit is
  the same order); every text of every block is counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block as SdkBlock

from bot.render.blocks import (
    MAX_BLOCKS,
    MAX_CONTEXT_ELEMENTS,
    MAX_FIELD,
    MAX_FIELDS,
    MAX_HEADER,
    MAX_TEXT,
    Block,
    context,
    truncate,
)
from bot.render.chart import MAX_CHARTS, chart_as_text, chart_problems
from bot.render.table import (
    MAX_COLUMNS,
    fitting_rows,
    rows_of,
    table_as_text,
    table_problems,
)

MAX_HOME_BLOCKS = 100
MAX_MESSAGE_CHARS = 12_000
MAX_FALLBACK_TEXT = 3000  # the message's `text`: notifications and screen readers
MAX_TABLES = 1
TEXT_KEYS = {"text", "title", "label", "name", "x_label", "y_label", "alt_text"}
SDK_TYPES = {"section", "header", "context", "divider", "actions", "image", "table"}


def message_chars(blocks: list[Block]) -> int:
    """Every character a reader could see in the blocks (texts, cells, chart labels)."""
    return sum(len(s) for s in _texts(blocks))


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TEXT_KEYS and isinstance(value, str):
                yield value
            elif key == "categories" and isinstance(value, list):
                yield from (str(v) for v in value)
            else:
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def sdk_problems(block: Block) -> list[str]:
    """What python-slack-sdk's own model of the block refuses (for the block types it has;
    `data_visualization` it has not, so that one is checked here alone)."""
    if block.get("type") not in SDK_TYPES:
        return []
    try:
        parsed = SdkBlock.parse(block)
        if parsed is not None:
            parsed.validate_json()
    except (SlackObjectFormationError, KeyError, TypeError, ValueError) as exc:
        return [str(exc)]
    return []


def block_problems(block: Block) -> list[str]:
    found = sdk_problems(block)
    kind = block.get("type")
    if kind == "table":
        return found + table_problems(block)
    if kind == "data_visualization":
        return chart_problems(block)
    text = block.get("text")
    if isinstance(text, dict) and isinstance(text.get("text"), str):
        limit = MAX_HEADER if kind == "header" else MAX_TEXT
        if not 0 < len(text["text"]) <= limit:
            found.append(f"{kind} text of {len(text['text'])} characters (1–{limit})")
    entries = block.get("fields") or []
    if len(entries) > MAX_FIELDS or any(len(f.get("text", "")) > MAX_FIELD for f in entries):
        found.append("fields: at most 10 of 2000 characters")
    if kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= MAX_CONTEXT_ELEMENTS:
            found.append("context: 1–10 elements")
        if any(len(e.get("text", "")) > MAX_TEXT for e in elements):
            found.append("context text over 3000 characters")
    return found


def problems(payload: dict[str, Any], *, surface: str = "message") -> list[str]:
    """Everything Slack would refuse in a message payload (or a Home tab's `blocks`)."""
    blocks = [*payload.get("blocks", [])]
    for attachment in payload.get("attachments") or []:
        blocks += attachment.get("blocks", [])
    most = MAX_HOME_BLOCKS if surface == "home" else MAX_BLOCKS
    found = [f"{len(blocks)} blocks, more than {most}"] if len(blocks) > most else []
    kinds = [b.get("type") for b in blocks]
    if surface == "home" and ({"table", "data_visualization"} & set(kinds)):
        found.append("tables and charts are for messages only")
    if kinds.count("table") > MAX_TABLES:
        found.append(f"{kinds.count('table')} tables: Slack takes one per message")
    if kinds.count("data_visualization") > MAX_CHARTS:
        found.append(f"{kinds.count('data_visualization')} charts: Slack takes two a message")
    if surface == "message" and message_chars(blocks) > MAX_MESSAGE_CHARS:
        found.append(f"{message_chars(blocks):,} characters, more than {MAX_MESSAGE_CHARS:,}")
    if surface == "message" and not str(payload.get("text", "")).strip():
        found.append("no `text` for notifications and screen readers")
    for i, block in enumerate(blocks):
        found += [f"block {i} ({block.get('type')}): {p}" for p in block_problems(block)]
    return found


# ---- fitting ------------------------------------------------------------------------------


def fit(
    payload: dict[str, Any],
    *,
    max_blocks: int = MAX_BLOCKS,
    max_chars: int | None = MAX_MESSAGE_CHARS,
) -> dict[str, Any]:
    """`payload` degraded until `problems` finds nothing (for at most `max_blocks` blocks
    and `max_chars` characters; a Home tab has no such character limit)."""
    source = [_clip(b) for b in payload.get("blocks", [])]
    # buttons under the answer (Share in channel) stay its last block whatever is cut
    sticky = [source.pop()] if source and source[-1].get("type") == "actions" else []
    blocks: list[Block] = []
    tables = charts = 0
    for block in source:
        kind = block.get("type")
        if kind == "table":
            if tables >= MAX_TABLES or not block.get("rows"):
                blocks += table_as_text(block)
                continue
            tables += 1
            blocks += _fit_table(block)
        elif kind == "data_visualization":
            if charts >= MAX_CHARTS or chart_problems(block):
                blocks.append(chart_as_text(block))
                continue
            charts += 1
            blocks.append(block)
        else:
            blocks.append(block)
    if max_chars is not None:
        blocks = _within_chars(blocks, max_chars)
    room = max_blocks - len(sticky)
    if len(blocks) > room:
        hidden = len(blocks) - room + 1
        blocks = [*blocks[: room - 1], context(f"…and {hidden} more not shown")]
    blocks += sticky
    fitted = {k: v for k, v in payload.items() if k not in {"blocks", "attachments"}}
    fitted["text"] = truncate(
        str(payload.get("text", "")) or _first_text(blocks), MAX_FALLBACK_TEXT
    )
    fitted["blocks"] = blocks
    return fitted


def _first_text(blocks: list[Block]) -> str:
    return next((t for t in _texts(blocks) if t.strip()), "Pulse Bot")


def _fit_table(block: Block) -> list[Block]:
    if not table_problems(block):
        return [block]
    rows = [list(r[:MAX_COLUMNS]) for r in block["rows"]]
    texts = rows_of({"rows": rows})
    kept = fitting_rows(texts[0], texts[1:])
    fixed = {**block, "rows": rows[: kept + 1]}
    if block.get("column_settings"):
        fixed["column_settings"] = block["column_settings"][:MAX_COLUMNS]
    if table_problems(fixed):  # e.g. an empty cell: only text will do
        return table_as_text(block)
    if kept == len(texts) - 1:
        return [fixed]
    return [fixed, context(f"The first {kept} of {len(texts) - 1} rows are shown.")]


def _within_chars(blocks: list[Block], most: int) -> list[Block]:
    """Shorten a too long message: the rows of its table first, then its last blocks."""
    at = next((i for i, b in enumerate(blocks) if b.get("type") == "table"), None)
    if at is not None and message_chars(blocks) > most:
        table = dict(blocks[at])
        before = len(table["rows"])
        while len(table["rows"]) > 2 and message_chars(blocks) > most - 80:
            table["rows"] = table["rows"][:-1]
            blocks[at] = table
        note = f"The first {len(table['rows']) - 1} of {before - 1} rows are shown."
        blocks.insert(at + 1, context(note))
    hidden = 0
    while len(blocks) > 1 and message_chars(blocks) > most - 40:
        blocks = blocks[:-1]
        hidden += 1
    if hidden:
        blocks.append(context(f"…and {hidden} more not shown"))
    return blocks


def _clip(block: Block) -> Block:
    block = dict(block)
    text = block.get("text")
    if isinstance(text, dict) and isinstance(text.get("text"), str):
        limit = MAX_HEADER if block.get("type") == "header" else MAX_TEXT
        block["text"] = {**text, "text": clip_text(text["text"], limit) or "—"}
    if isinstance(block.get("fields"), list):
        block["fields"] = [
            {**f, "text": clip_text(f["text"], MAX_FIELD)} for f in block["fields"][:MAX_FIELDS]
        ]
    if block.get("type") == "context" and isinstance(block.get("elements"), list):
        block["elements"] = [
            {**e, "text": clip_text(e["text"], MAX_TEXT)} if "text" in e else e
            for e in block["elements"][:MAX_CONTEXT_ELEMENTS]
        ]
    return block


def clip_text(text: str, limit: int) -> str:
    """At most `limit` characters; a code block stays a code block, cut at a line."""
    if len(text) <= limit:
        return text
    if text.startswith("```") and text.endswith("```"):
        body = text[3:-3]
        cut = body[: limit - 10].rsplit("\n", 1)[0]
        return f"```{cut}\n…```"
    lines = text[: limit - 2].rsplit("\n", 1)
    if len(lines) == 2 and len(lines[0]) > limit // 2:  # whole lines: no link cut in two
        return lines[0] + "\n…"
    return text[: limit - 1] + "…"
