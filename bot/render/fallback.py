"""When Slack refuses a message for its blocks: recognise the refusal, and the same
message without the blocks Slack may not take.

`refused_for_blocks(error, messages)` is true for Slack's answers that are about the
blocks themselves — `invalid_blocks`, `invalid_attachments`, `invalid_blocks_format`, or
a block type not enabled for the workspace (as during a phased roll-out) — and false for
everything else (a missing channel, a revoked token, rate limits), which a resend
cannot cure. `fallback(payload)` turns every table into aligned monospace text and
every chart into sparklines with their minimum, maximum and last value; the rest of the
message is unchanged, so the reader gets the same answer in plainer clothes.
`refused_types` names the block types a refusal was about, for the one log line.

Slack's Web API answers `{"ok": false, "error": "invalid_blocks", "response_metadata":
{"messages": ["[ERROR] … [json-pointer:/blocks/3/…]"]}}`; a `response_url` answers HTTP
400 with the code as its body (slackapi/java-slack-sdk#1017). Both shapes are read here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from bot.render.blocks import Block
from bot.render.chart import chart_as_text
from bot.render.limits import fit
from bot.render.table import table_as_text

BLOCK_ERRORS = frozenset({"invalid_blocks", "invalid_attachments", "invalid_blocks_format"})
RICH_TYPES = ("table", "data_visualization")
_POINTER = re.compile(r"/(blocks|attachments/\d+/blocks)/(\d+)")
_NOT_ENABLED = re.compile(r"not[ _]enabled|not[ _]supported|unsupported|unknown[ _]block")


def refused_for_blocks(error: str | None, messages: Sequence[str] = ()) -> bool:
    """Whether Slack's error (and its `response_metadata.messages`) is about the blocks."""
    code = (error or "").strip().lower()
    if code in BLOCK_ERRORS:
        return True
    said = " ".join([code, *messages]).lower()
    return "block" in said and bool(_NOT_ENABLED.search(said))


def error_of(status: int, body: str) -> tuple[str | None, list[str]]:
    """Slack's error code and messages from a `response_url` answer (None when it worked)."""
    text = (body or "").strip()
    try:
        data: Any = json.loads(text) if text.startswith("{") else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        if data.get("ok", status < 400):
            return None, []
        meta = data.get("response_metadata") or {}
        return str(data.get("error") or f"http_{status}"), [
            str(m) for m in meta.get("messages") or []
        ]
    if status < 400 and text.lower() in {"", "ok"}:
        return None, []
    return (text.split()[0] if text else f"http_{status}"), []


def refused_types(payload: dict[str, Any], messages: Sequence[str] = ()) -> list[str]:
    """The block types a refusal was about: those its messages point at, else the rich
    ones the message carries (tables, charts), else `unknown`."""
    blocks = list(payload.get("blocks") or [])
    named: list[str] = []
    for message in messages:
        for where, index in _POINTER.findall(message):
            source = blocks
            if where.startswith("attachments"):
                number = int(where.split("/")[1])
                attachments = payload.get("attachments") or []
                source = attachments[number].get("blocks", []) if number < len(attachments) else []
            if int(index) < len(source):
                named.append(str(source[int(index)].get("type")))
    if not named:
        named = [str(b.get("type")) for b in _all_blocks(payload) if b.get("type") in RICH_TYPES]
    return sorted(set(named)) or ["unknown"]


def _all_blocks(payload: dict[str, Any]) -> list[Block]:
    blocks = list(payload.get("blocks") or [])
    for attachment in payload.get("attachments") or []:
        blocks += attachment.get("blocks") or []
    return blocks


def plain_blocks(blocks: Sequence[Block]) -> list[Block]:
    """Tables as monospace text and charts as sparklines; every other block as it was."""
    out: list[Block] = []
    for block in blocks:
        if block.get("type") == "table":
            out += table_as_text(block)
        elif block.get("type") == "data_visualization":
            out.append(chart_as_text(block))
        else:
            out.append(block)
    return out


def fallback(payload: dict[str, Any], *, max_blocks: int | None = None) -> dict[str, Any]:
    """The payload resent after a refusal: same text, tables and charts in plain text,
    blocks of attachments brought into the message, within the limits again."""
    plain = {k: v for k, v in payload.items() if k not in {"blocks", "attachments"}}
    plain["blocks"] = plain_blocks(_all_blocks(payload))
    return fit(plain) if max_blocks is None else fit(plain, max_blocks=max_blocks)


def has_rich_blocks(payload: dict[str, Any]) -> bool:
    """Whether a fallback would change anything."""
    return any(b.get("type") in RICH_TYPES for b in _all_blocks(payload))
