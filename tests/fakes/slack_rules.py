"""What the fake Slack refuses in the blocks it is sent, the way Slack refuses it.

Written from Slack's reference and practitioners' reports, on purpose apart from
`bot.render.limits` (a checker that shared the code it checks would pass whatever that
code did). `refusal(payload)` is None for a message Slack would take, or Slack's error
code with its `response_metadata.messages`: `invalid_blocks` for top-level blocks,
`invalid_attachments` for blocks inside attachments. `refused_types` makes a block
type refused as "not enabled" — a phased roll-out, for the fallback's tests.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

LIMITS = {"message": 50, "home": 100, "modal": 100}
MESSAGE_ONLY = {"table", "data_visualization"}
KNOWN = {
    "section",
    "header",
    "context",
    "divider",
    "actions",
    "image",
    "input",
    "rich_text",
    "table",
    "data_visualization",
}


def _text_len(obj: Any) -> int:
    return len(obj.get("text", "")) if isinstance(obj, Mapping) else -1


def _cell_text(cell: Any) -> str:
    if not isinstance(cell, Mapping):
        return ""
    if cell.get("type") == "raw_text":
        return str(cell.get("text", ""))
    if cell.get("type") == "rich_text":
        out = ""
        for element in cell.get("elements") or []:
            for part in element.get("elements") or []:
                out += str(part.get("text") or part.get("channel_id") or part.get("user_id") or "")
        return out or "?"
    return ""


def table_errors(block: Mapping[str, Any]) -> list[str]:
    rows = block.get("rows")
    if not isinstance(rows, list) or not 1 <= len(rows) <= 100:
        return ["must provide 1-100 rows [rows]"]
    errors = []
    chars = 0
    for r, row in enumerate(rows):
        if not isinstance(row, list) or not 1 <= len(row) <= 20:
            errors.append(f"row {r} must have 1-20 cells")
            continue
        for cell in row:
            if not isinstance(cell, Mapping) or cell.get("type") not in {"raw_text", "rich_text"}:
                errors.append(f"row {r}: cells must be raw_text or rich_text")
            elif cell.get("type") == "raw_text" and not str(cell.get("text", "")).strip():
                errors.append(f"row {r}: must be more than 0 characters [text]")
            chars += len(_cell_text(cell))
    if chars > 10_000:
        errors.append(f"cells hold {chars} characters, more than 10000")
    settings = block.get("column_settings") or []
    if len(settings) > 20 or any(
        s is not None and s.get("align", "left") not in {"left", "center", "right"}
        for s in settings
    ):
        errors.append("column_settings: at most 20 of left/center/right")
    return errors


def chart_errors(block: Mapping[str, Any]) -> list[str]:
    errors = []
    title = block.get("title")
    if not isinstance(title, str) or not 1 <= len(title) <= 50:
        errors.append("title must be 1-50 characters")
    chart = block.get("chart") or {}
    if chart.get("type") not in {"line", "bar", "area"}:
        return [*errors, "chart type must be line, bar or area here"]
    categories = (chart.get("axis_config") or {}).get("categories")
    if not isinstance(categories, list) or not 1 <= len(categories) <= 20:
        return [*errors, "axis_config.categories must have 1-20 items"]
    if len(set(categories)) != len(categories) or any(len(str(c)) > 20 for c in categories):
        errors.append("categories must be distinct and at most 20 characters")
    series = chart.get("series")
    if not isinstance(series, list) or not 1 <= len(series) <= 6:
        return [*errors, "series must have 1-6 items"]
    names = [s.get("name") for s in series]
    if len(set(names)) != len(names) or any(
        not isinstance(n, str) or not 1 <= len(n) <= 20 for n in names
    ):
        errors.append("series names must be distinct, 1-20 characters")
    for s in series:
        data = s.get("data") or []
        if [p.get("label") for p in data] != categories:
            errors.append(f"series {s.get('name')!r}: one point per category, in order")
        if any(
            not isinstance(p.get("value"), int | float) or isinstance(p.get("value"), bool)
            for p in data
        ):
            errors.append(f"series {s.get('name')!r}: values must be numbers")
    return errors


def block_errors(block: Mapping[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind not in KNOWN:
        return [f"unknown block type {kind!r}"]
    if kind == "table":
        return table_errors(block)
    if kind == "data_visualization":
        return chart_errors(block)
    errors = []
    if kind == "header" and not 1 <= _text_len(block.get("text")) <= 150:
        errors.append("header text must be 1-150 characters")
    if kind == "section":
        if "text" in block and not 1 <= _text_len(block["text"]) <= 3000:
            errors.append("section text must be 1-3000 characters")
        fields = block.get("fields") or []
        if len(fields) > 10 or any(not 1 <= _text_len(f) <= 2000 for f in fields):
            errors.append("at most 10 fields of 1-2000 characters")
        if "text" not in block and not fields:
            errors.append("section needs text or fields")
    if kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10 or any(_text_len(e) > 3000 for e in elements):
            errors.append("context: 1-10 elements of at most 3000 characters")
    if kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25 or any(_text_len(e.get("text")) > 75 for e in elements):
            errors.append("actions: 1-25 elements, button texts of at most 75 characters")
    return errors


def refusal(
    payload: Mapping[str, Any],
    *,
    surface: str = "message",
    refused_types: Collection[str] = (),
) -> tuple[str, list[str]] | None:
    """Slack's error code and messages for `payload`, or None when Slack takes it."""
    places: list[tuple[str, str, list[Any]]] = [
        ("invalid_blocks", "/blocks", list(payload.get("blocks") or []))
    ]
    for n, attachment in enumerate(payload.get("attachments") or []):
        places.append(
            (
                "invalid_attachments",
                f"/attachments/{n}/blocks",
                list(attachment.get("blocks") or []),
            )
        )
    every = [b for _, _, blocks in places for b in blocks]
    if surface == "message" and not every and not str(payload.get("text", "")).strip():
        return "no_text", []
    for code, where, blocks in places:
        messages: list[str] = []
        if len(every) > LIMITS[surface]:
            messages.append(
                f"[ERROR] no more than {LIMITS[surface]} items allowed [json-pointer:{where}]"
            )
        tables = [i for i, b in enumerate(blocks) if b.get("type") == "table"]
        charts = [i for i, b in enumerate(blocks) if b.get("type") == "data_visualization"]
        if sum(1 for b in every if b.get("type") == "table") > 1 and tables:
            messages.append(
                f"[ERROR] only one table is allowed [json-pointer:{where}/{tables[-1]}]"
            )
        if sum(1 for b in every if b.get("type") == "data_visualization") > 2 and charts:
            messages.append(
                f"[ERROR] at most 2 data_visualization blocks [json-pointer:{where}/{charts[-1]}]"
            )
        for i, block in enumerate(blocks):
            kind = block.get("type")
            if kind in refused_types:
                messages.append(
                    f"[ERROR] block type not enabled: {kind} [json-pointer:{where}/{i}]"
                )
            elif surface != "message" and kind in MESSAGE_ONLY:
                messages.append(f"[ERROR] {kind} is not supported here [json-pointer:{where}/{i}]")
            else:
                messages += [f"[ERROR] {e} [json-pointer:{where}/{i}]" for e in block_errors(block)]
        if messages:
            return (code if surface == "message" else "invalid_arguments"), messages
    return None
