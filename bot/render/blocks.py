"""Block Kit building helpers: messages, tables, sparklines, humanised numbers.

Every answer is a `Message`; `Message.to_slack()` enforces Slack's limits (50 blocks,
3000 characters per text, 150 per header) so no handler can produce a payload Slack
would reject, and always adds the "Share in channel" button for ephemeral answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_HEADER = 150
MAX_FALLBACK = 3000
SHARE_ACTION = "pulse_share"

Block = dict[str, Any]
SPARK = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Chart:
    """An image to upload beside the message (PNG bytes)."""

    filename: str
    title: str
    png: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    blocks: tuple[Block, ...] = ()
    public: bool = False
    charts: tuple[Chart, ...] = ()
    shareable: bool = True

    def as_public(self) -> Message:
        return replace(self, public=True)

    @property
    def wants_share_button(self) -> bool:
        return self.shareable and not self.public

    def to_slack(self, *, share_id: str | None = None) -> dict[str, Any]:
        """The payload for chat.postMessage / response_url, within Slack's limits.

        With `share_id`, an ephemeral answer gets the "Share in channel" button that
        reposts the answer stored under that ID.
        """
        blocks = [_clip_block(b) for b in self.blocks]
        add_share = share_id is not None and self.wants_share_button
        room = MAX_BLOCKS - (1 if add_share else 0)
        if len(blocks) > room:
            blocks = [*blocks[: room - 1], context(f"…and {len(blocks) - room + 1} more not shown")]
        if share_id is not None and add_share:
            blocks.append(share_button(share_id))
        return {"text": truncate(self.text, MAX_FALLBACK), "blocks": blocks}


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip_block(block: Block) -> Block:
    block = dict(block)
    text = block.get("text")
    if isinstance(text, dict) and isinstance(text.get("text"), str):
        limit = MAX_HEADER if block.get("type") == "header" else MAX_TEXT
        block["text"] = {**text, "text": _clip_text(text["text"], limit)}
    if isinstance(block.get("fields"), list):
        block["fields"] = [{**f, "text": _clip_text(f["text"], 2000)} for f in block["fields"][:10]]
    if isinstance(block.get("elements"), list) and block.get("type") == "context":
        block["elements"] = [
            {**e, "text": _clip_text(e["text"], MAX_TEXT)} if "text" in e else e
            for e in block["elements"][:10]
        ]
    return block


def _clip_text(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    if text.startswith("```") and text.endswith("```"):
        body = text[3:-3]
        cut = body[: limit - 10].rsplit("\n", 1)[0]
        return f"```{cut}\n…```"
    return text[: limit - 1] + "…"


# ---- blocks ------------------------------------------------------------------------------


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def fields(pairs: Sequence[tuple[str, str]]) -> Block:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in pairs[:10]],
    }


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def divider() -> Block:
    return {"type": "divider"}


def share_button(share_id: str) -> Block:
    return {
        "type": "actions",
        "block_id": SHARE_ACTION,
        "elements": [
            {
                "type": "button",
                "action_id": SHARE_ACTION,
                "text": {"type": "plain_text", "text": "Share in channel"},
                "value": share_id,
            }
        ],
    }


def _table_lines(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: int, max_cell: int
) -> list[str]:
    clipped = [[truncate(c, max_cell) for c in row] for row in [list(headers), *rows]]
    widths = [max(len(c[i]) for c in clipped) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            row[i].rjust(widths[i]) if i >= right else row[i].ljust(widths[i])
            for i in range(len(headers))
        ]
        return "  ".join(parts).rstrip()

    return [line(clipped[0]), "  ".join("─" * w for w in widths)] + [line(r) for r in clipped[1:]]


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: int = 1, max_cell: int = 48
) -> str:
    """A monospaced table; columns from index `right` on are right-aligned (numbers)."""
    return "```" + "\n".join(_table_lines(headers, rows, right, max_cell)) + "```"


def table_blocks(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: int = 1, max_cell: int = 48
) -> list[Block]:
    """The table as as many section blocks as needed to stay under 3000 characters each;
    every block repeats the header line so each reads on its own."""
    lines = _table_lines(headers, rows, right, max_cell)
    head, body = lines[:2], lines[2:]
    blocks: list[Block] = []
    chunk: list[str] = []
    for line in body:
        candidate = "```" + "\n".join([*head, *chunk, line]) + "```"
        if chunk and len(candidate) > MAX_TEXT:
            blocks.append(section("```" + "\n".join([*head, *chunk]) + "```"))
            chunk = []
        chunk.append(line)
    blocks.append(section("```" + "\n".join([*head, *chunk]) + "```"))
    return blocks


# ---- numbers -----------------------------------------------------------------------------


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
