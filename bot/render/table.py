"""Tables as Slack `table` blocks, and the same tables as aligned monospace text.

What this relies on (read October–November 2026; see also `bot.render.limits`):

- docs.slack.dev, Block Kit reference, "Table block": `rows` is an array of rows, at most
  100, each at most 20 cells of `raw_text` or `rich_text`; `column_settings` (at most 20)
  gives each column `align` (left/center/right) and `is_wrapped`. The header is simply the
  first row, so it counts against the 100.
- python-slack-sdk 3.48.0 (`slack_sdk.models.blocks`): `TableBlock`, `RawTextObject`
  (text of at least one character) and `TableBlockColumnSettings` build the block; a
  `rich_text` cell is a `RichTextBlock` (a link here). Numbers are posted as `raw_text`:
  `raw_number` cells are documented for `data_table` and were reported refused in a
  posted `table` (slack-go PR #1560), so they are not used.
- Practitioners, not the reference page: the characters of all cells together are capped
  at about 10,000 (getnao/nao#1178, vercel/chat `LIMITS.tableChars`), and Slack accepts
  one table per message (openclaw#57717, netclaw#55). `table_blocks` keeps within rows,
  columns and characters and says how many rows it left out; the one-table rule is the
  message's business (`bot.render.limits.fit`).
- The docs show the table in a message's `attachments`; Slack's own SDK examples, and
  every practitioner found, also post it in top-level `blocks`, which keeps the reading
  order of the answer. Pulse Bot posts it in `blocks`; a refusal of either kind
  (`invalid_blocks`, `invalid_attachments`) sends the monospace rendering instead
  (`bot.render.fallback`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk.models.blocks import (
    RawTextObject,
    RichTextBlock,
    RichTextElementParts,
    RichTextSectionElement,
    TableBlock,
    TableBlockColumnSettings,
)

from bot.render.blocks import MAX_TEXT, Block, context, section

Align = Literal["left", "center", "right"]

MAX_ROWS = 100  # the header row included
MAX_COLUMNS = 20
MAX_TABLE_CHARS = 10_000
MAX_CELL = 300  # no single cell may eat the table's characters
ANSWER_TABLE_CHARS = 9_000  # an answer's table with its continuation: room for the rest
EMPTY = "—"


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    align: Align = "left"
    wrap: bool = False


def right(title: str) -> Column:
    """A right-aligned column: numbers."""
    return Column(title, "right")


@dataclass(frozen=True, slots=True)
class Link:
    """A cell that links somewhere: its text shows, the URL opens."""

    text: str
    url: str


@dataclass(frozen=True, slots=True)
class Mention:
    """A cell naming a channel or a person, drawn by Slack as a mention."""

    kind: Literal["channel", "user"]
    id: str


Cell = str | Link | Mention


def cell_text(cell: Cell) -> str:
    if isinstance(cell, Mention):
        return ("#" if cell.kind == "channel" else "@") + cell.id
    return cell.text if isinstance(cell, Link) else cell


def channel_cell(channel: str) -> Cell:
    """A stored channel (an ID, or `#name` when only the name is known) as a cell."""
    return channel if channel.startswith("#") else Mention("channel", channel)


def shorten(identifier: str, *, keep: int = 8, tail: bool = False) -> str:
    """`273f2ea6…` for a long key (or `…0788018` for an ID whose end tells them apart);
    identifiers up to `keep + 4` characters are shown whole."""
    if len(identifier) <= keep + 4:
        return identifier
    return "…" + identifier[-keep:] if tail else identifier[:keep] + "…"


def _cell(cell: Cell) -> RawTextObject | RichTextBlock:
    text = _clip(cell_text(cell).strip() or EMPTY)
    if isinstance(cell, Mention):
        part = (
            RichTextElementParts.Channel(channel_id=cell.id)
            if cell.kind == "channel"
            else RichTextElementParts.User(user_id=cell.id)
        )
        return RichTextBlock(elements=[RichTextSectionElement(elements=[part])])
    if isinstance(cell, Link) and cell.url:
        link = RichTextElementParts.Link(url=cell.url, text=text)
        return RichTextBlock(elements=[RichTextSectionElement(elements=[link])])
    return RawTextObject(text=text)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _chars(row: Sequence[Cell]) -> int:
    return sum(len(_clip(cell_text(c).strip() or EMPTY)) for c in row)


def fitting_rows(
    header: Sequence[Cell], rows: Sequence[Sequence[Cell]], budget: int = MAX_TABLE_CHARS
) -> int:
    """How many of `rows` fit below `header` within the row and character limits."""
    used = _chars(header)
    count = 0
    for row in rows[: MAX_ROWS - 1]:
        used += _chars(row)
        if used > budget:
            break
        count += 1
    return count


def table_block(columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> Block:
    """The `table` block of rows already within the limits (see `table_blocks`)."""
    columns = columns[:MAX_COLUMNS]
    header: list[Cell] = [c.title for c in columns]
    width = len(columns)
    body = [[*row[:width], *[EMPTY] * (width - len(row))] for row in rows]
    settings = [
        TableBlockColumnSettings(align=c.align, is_wrapped=True if c.wrap else None)
        for c in columns
    ]
    block = TableBlock(
        rows=[[_cell(c) for c in r] for r in [header, *body]], column_settings=settings
    )
    return dict(block.to_dict())


def table_blocks(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    *,
    noun: str = "rows",
    budget: int = ANSWER_TABLE_CHARS,
) -> list[Block]:
    """A table block with a header row. Rows beyond what one Slack table holds continue
    below it as monospace text, within `budget` characters for the whole; a context line
    says how many could not be shown at all."""
    header: list[Cell] = [c.title for c in columns]
    kept = fitting_rows(header, rows, min(budget, MAX_TABLE_CHARS))
    blocks = [table_block(columns, rows[:kept])]
    used = _chars(header) + sum(_chars(r) for r in rows[:kept])
    more = kept
    while more < len(rows) and used + _chars(rows[more]) + 2 * len(columns) <= budget:
        used += _chars(rows[more]) + 2 * len(columns)
        more += 1
    if more > kept:
        rest = table_block(columns, rows[kept:more])
        blocks.append(context(f"A Slack table holds {MAX_ROWS - 1} {noun}; the rest:"))
        blocks += table_as_text(rest)
    if more < len(rows):
        left = len(rows) - more
        # `noun` is a plural ending in s ("digests", "page views"): one is "1 more digest"
        said = noun.removesuffix("s") if left == 1 else noun
        blocks.append(context(f"…and {left} more {said}: too many for one message."))
    return blocks


# ---- reading a table block back (console, fallback, tests) -------------------------------


def cells_of(cell: dict[str, Any]) -> str:
    """The text a reader sees in one cell of a table block."""
    if cell.get("type") == "raw_text":
        return str(cell.get("text", ""))
    if cell.get("type") == "raw_number":
        return str(cell.get("text", cell.get("value", "")))
    parts: list[str] = []
    for element in cell.get("elements", []):
        for part in element.get("elements", []):
            if part.get("type") == "channel":
                parts.append(f"#{part.get('channel_id', '')}")
            elif part.get("type") == "user":
                parts.append(f"@{part.get('user_id', '')}")
            else:
                parts.append(str(part.get("text") or part.get("name") or ""))
    return "".join(parts)


def rows_of(block: Block) -> list[list[str]]:
    """Every row of a table block as texts, the header first."""
    return [[cells_of(c) if isinstance(c, dict) else "" for c in row] for row in block["rows"]]


def aligns_of(block: Block) -> list[str]:
    settings = block.get("column_settings") or []
    width = max((len(r) for r in block.get("rows", [])), default=0)
    return [
        ((settings[i] or {}).get("align", "left") if i < len(settings) else "left")
        for i in range(width)
    ]


def monospace(block: Block, *, max_cell: int = 48) -> list[str]:
    """A table block as aligned text lines: header, a rule, rows; numbers right-aligned."""
    rows = rows_of(block)
    if not rows:
        return []
    aligns = aligns_of(block)
    width = len(aligns)
    clipped = [[_fit(r[i] if i < len(r) else "", max_cell) for i in range(width)] for r in rows]
    widths = [max(len(r[i]) for r in clipped) for i in range(width)]

    def line(row: list[str]) -> str:
        parts = [
            row[i].rjust(widths[i]) if aligns[i] == "right" else row[i].ljust(widths[i])
            for i in range(width)
        ]
        return "  ".join(parts).rstrip()

    return [line(clipped[0]), "  ".join("─" * w for w in widths)] + [line(r) for r in clipped[1:]]


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table_as_text(block: Block) -> list[Block]:
    """The table as monospace sections (each under 3000 characters, each repeating the
    header), for a message that cannot carry it as a table block."""
    lines = monospace(block)
    head, body = lines[:2], lines[2:]
    out: list[Block] = []
    chunk: list[str] = []
    for line in body:
        if chunk and len("```" + "\n".join([*head, *chunk, line]) + "```") > MAX_TEXT:
            out.append(section("```" + "\n".join([*head, *chunk]) + "```"))
            chunk = []
        chunk.append(line[: MAX_TEXT - 200])
    out.append(section("```" + "\n".join([*head, *chunk]) + "```"))
    return out


def table_problems(block: Block) -> list[str]:
    """What Slack would refuse in a table block (empty when it is fine)."""
    rows = block.get("rows")
    if not isinstance(rows, list) or not rows:
        return ["a table needs rows"]
    problems = []
    if len(rows) > MAX_ROWS:
        problems.append(f"{len(rows)} rows, more than {MAX_ROWS}")
    if any(not isinstance(r, list) or not 1 <= len(r) <= MAX_COLUMNS for r in rows):
        problems.append(f"rows of 1–{MAX_COLUMNS} cells")
    texts = [t for r in rows_of(block) for t in r]
    if any(not t for t in texts):
        problems.append("an empty cell")
    if sum(len(t) for t in texts) > MAX_TABLE_CHARS:
        problems.append(f"more than {MAX_TABLE_CHARS:,} characters in its cells")
    if len(block.get("column_settings") or []) > MAX_COLUMNS:
        problems.append(f"more than {MAX_COLUMNS} column settings")
    return problems


def text_table(columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> list[Block]:
    """A second table of an answer, as monospace text: Slack takes one table block."""
    return table_as_text(table_block(columns, rows[: MAX_ROWS - 1]))
