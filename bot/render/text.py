"""Block Kit as readable plain text, for the local console and for logs of tests."""

from __future__ import annotations

import re
from typing import Any

_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<(https?://[^>|]+)\|([^>]*)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def mrkdwn(text: str) -> str:
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _MENTION.sub(lambda m: m.group(1) + (m.group(3) or m.group(2)), text)
    text = _BOLD.sub(r"\1", text)
    return text.replace("```", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


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
        return out
    if kind == "context":
        return [
            "  " + mrkdwn(e.get("text", ""))
            for e in block.get("elements", [])
            if e.get("type") in {"mrkdwn", "plain_text"}
        ]
    if kind == "actions":
        return ["  ".join(f"[{e['text']['text']}]" for e in block.get("elements", []))]
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    return []


def render(payload: dict[str, Any]) -> str:
    """A chat.postMessage-style payload as text; falls back to `text` without blocks."""
    blocks = payload.get("blocks") or []
    if not blocks:
        return mrkdwn(str(payload.get("text", "")))
    lines: list[str] = []
    for block in blocks:
        lines.extend(block_text(block))
    return "\n".join(lines)
