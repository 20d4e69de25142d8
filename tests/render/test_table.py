"""Table blocks: the shape Slack documents, within its limits, readable back as text."""

from __future__ import annotations

from bot.render.limits import problems
from bot.render.table import (
    MAX_ROWS,
    Column,
    Link,
    Mention,
    monospace,
    right,
    rows_of,
    shorten,
    table_block,
    table_blocks,
    table_problems,
)
from tests.fakes.slack_rules import table_errors

COLUMNS = [Column("Page"), right("Visitors")]


def test_a_table_block_has_a_header_row_and_right_aligned_numbers() -> None:
    block = table_block(COLUMNS, [["/pricing", "2.2k"], ["/", "", "ignored"]])
    assert block["type"] == "table"
    assert block["column_settings"] == [{"align": "left"}, {"align": "right"}]
    assert block["rows"][0] == [
        {"type": "raw_text", "text": "Page"},
        {"type": "raw_text", "text": "Visitors"},
    ]
    # an empty cell is refused by Slack: it shows as a dash; extra cells are dropped
    assert rows_of(block) == [["Page", "Visitors"], ["/pricing", "2.2k"], ["/", "—"]]
    assert table_problems(block) == [] and table_errors(block) == []


def test_links_and_mentions_are_rich_text_cells() -> None:
    block = table_block(
        [Column("Session"), Column("Channel"), Column("By")],
        [
            [
                Link("…788018", "https://app.raygun.com/s/1"),
                Mention("channel", "C1"),
                Mention("user", "U1"),
            ]
        ],
    )
    link, channel, user = block["rows"][1]
    assert link == {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "link", "url": "https://app.raygun.com/s/1", "text": "…788018"}
                ],
            }
        ],
    }
    assert channel["elements"][0]["elements"] == [{"type": "channel", "channel_id": "C1"}]
    assert user["elements"][0]["elements"] == [{"type": "user", "user_id": "U1"}]
    assert rows_of(block)[1] == ["…788018", "#C1", "@U1"]
    assert table_errors(block) == []


def test_rows_beyond_one_table_continue_as_text_and_the_rest_is_said() -> None:
    rows = [[f"/page-{i}", str(i)] for i in range(400)]
    blocks = table_blocks(COLUMNS, rows, noun="pages", budget=3000)
    table, *rest = blocks
    assert len(table["rows"]) == MAX_ROWS  # header + 99
    assert rows_of(table)[-1] == ["/page-98", "98"]
    shown = str(rest)
    assert "A Slack table holds 99 pages; the rest:" in shown
    assert "/page-99" in shown  # the first row after the table, as text
    assert rest[-1]["elements"][0]["text"].endswith("more pages: too many for one message.")
    assert problems({"text": "t", "blocks": blocks}) == []


def test_the_characters_of_all_cells_stay_under_slacks_ten_thousand() -> None:
    rows = [["é" * 250, "1"] for _ in range(99)]
    table = table_blocks(COLUMNS, rows)[0]
    assert sum(len(c) for r in rows_of(table) for c in r) <= 10_000
    assert table_errors(table) == []


def test_shorten_keeps_the_telling_part() -> None:
    assert shorten("273f2ea6-9ee3-4ef9-8df4-37af3b2faae7") == "273f2ea6…"
    assert shorten("2507720788018", keep=7, tail=True) == "…0788018"
    assert shorten("app_9f2c1a") == "app_9f2c1a"  # short enough to show whole


def test_monospace_aligns_columns_as_the_block_says() -> None:
    block = table_block(COLUMNS, [["/", "3.1k"], ["/pricing", "12"]])
    assert monospace(block) == [
        "Page      Visitors",
        "────────  ────────",
        "/             3.1k",
        "/pricing        12",
    ]


def test_one_row_left_out_is_said_in_the_singular() -> None:
    rows = [[f"digest {i:03d}"] for i in range(10)]
    blocks = table_blocks([Column("Digest")], rows, noun="digests", budget=100)
    assert blocks[-1]["elements"][0]["text"] == "…and 1 more digest: too many for one message."
