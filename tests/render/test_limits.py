"""The limits: what Slack would refuse is found, and `fit` degrades instead — checked
against the fake Slack's own rules as well as `problems`."""

from __future__ import annotations

from typing import Any

from bot.render.blocks import context, header, section
from bot.render.chart import Line, chart
from bot.render.limits import MAX_MESSAGE_CHARS, fit, message_chars, problems
from bot.render.message import SHARE_ACTION, Message
from bot.render.table import Column, right, rows_of, table_block
from tests.fakes.slack_rules import refusal


def table(rows: int, width: int = 10) -> dict[str, Any]:
    return table_block([Column("Name"), right("N")], [["x" * width, str(i)] for i in range(rows)])


def line_chart(title: str = "Visitors per day") -> dict[str, Any]:
    return chart(title, ["1 Nov", "2 Nov"], [Line("Visitors", [1, 2])])


def accepted(payload: dict[str, Any]) -> None:
    assert problems(payload) == []
    assert refusal(payload) is None


def test_a_second_table_becomes_monospace_text_in_its_place() -> None:
    payload = fit({"text": "t", "blocks": [header("H"), table(3), section("between"), table(2)]})
    kinds = [b["type"] for b in payload["blocks"]]
    assert kinds == ["header", "table", "section", "section"]
    assert payload["blocks"][3]["text"]["text"].startswith("```Name")
    accepted(payload)
    assert problems({"text": "t", "blocks": [table(1), table(1)]}) == [
        "2 tables: Slack takes one per message"
    ]


def test_a_third_chart_or_a_broken_one_becomes_a_sparkline() -> None:
    broken = line_chart()
    broken["chart"]["series"][0]["data"].pop()
    blocks = [line_chart("a"), line_chart("b"), line_chart("c"), broken]
    payload = fit({"text": "t", "blocks": blocks})
    assert [b["type"] for b in payload["blocks"]] == [
        "data_visualization",
        "data_visualization",
        "section",
        "section",
    ]
    assert "`▁█`  min 1 · max 2 · last 2" in payload["blocks"][2]["text"]["text"]
    accepted(payload)


def test_too_many_blocks_are_summed_up_and_the_share_button_stays_last() -> None:
    message = Message("many", tuple(section(f"line {i}") for i in range(80)))
    payload = message.to_slack(share_id="s1")
    assert len(payload["blocks"]) == 50
    assert payload["blocks"][-2] == context("…and 32 more not shown")
    assert payload["blocks"][-1]["block_id"] == SHARE_ACTION
    accepted(payload)


def test_long_texts_are_clipped_at_a_line() -> None:
    text = "\n".join(f"• <https://example.com/{i}|item {i}>" for i in range(300))
    payload = fit({"text": "t", "blocks": [section(text), header("h" * 400)]})
    clipped = payload["blocks"][0]["text"]["text"]
    assert len(clipped) <= 3000 and clipped.endswith(">\n…")
    assert len(payload["blocks"][1]["text"]["text"]) == 150
    accepted(payload)


def test_a_table_too_big_for_slack_loses_rows_and_says_so() -> None:
    big = table(150, width=120)  # 150 rows of ~123 characters: rows and characters over
    assert problems({"text": "t", "blocks": [big]}) != []
    payload = fit({"text": "t", "blocks": [big]})
    fitted, note = payload["blocks"]
    kept = len(rows_of(fitted)) - 1
    assert 0 < kept < 99
    assert note == context(f"The first {kept} of 150 rows are shown.")
    accepted(payload)


def test_a_message_over_twelve_thousand_characters_is_shortened() -> None:
    blocks = [section("s" * 2900) for _ in range(6)]
    assert message_chars(blocks) > MAX_MESSAGE_CHARS
    payload = fit({"text": "t", "blocks": blocks})
    assert message_chars(payload["blocks"]) <= MAX_MESSAGE_CHARS
    assert payload["blocks"][-1] == context("…and 2 more not shown")
    accepted(payload)


def test_a_message_always_has_a_summary_text() -> None:
    assert problems({"text": " ", "blocks": [section("x")]}) == [
        "no `text` for notifications and screen readers"
    ]
    assert fit({"text": "", "blocks": [header("Top pages")]})["text"] == "Top pages"


def test_home_views_allow_a_hundred_blocks_but_no_tables_or_charts() -> None:
    blocks = [section(str(i)) for i in range(100)]
    assert problems({"blocks": blocks}, surface="home") == []
    assert problems({"blocks": [*blocks, section("x")]}, surface="home") == [
        "101 blocks, more than 100"
    ]
    assert problems({"blocks": [table(1)]}, surface="home") == [
        "tables and charts are for messages only"
    ]
