"""When Slack refuses the blocks: which refusals those are, and the plain resend."""

from __future__ import annotations

import pytest

from bot.render.blocks import context, header
from bot.render.chart import Line, chart
from bot.render.fallback import error_of, fallback, refused_for_blocks, refused_types
from bot.render.limits import problems
from bot.render.message import Message
from bot.render.table import Column, right, table_block
from tests.fakes.slack_rules import refusal

ANSWER = Message(
    "Top pages — last 7 days: / leads with 3100 visitors",
    (
        header("Top pages — last 7 days"),
        table_block([Column("Page"), right("Visitors")], [["/", "3.1k"], ["/pricing", "2.2k"]]),
        chart("Visitors per day", ["1 Nov", "2 Nov", "3 Nov"], [Line("Visitors", [10, 30, 20])]),
        context("last 7 days: …"),
    ),
)


@pytest.mark.parametrize(
    ("error", "messages", "refused"),
    [
        ("invalid_blocks", [], True),
        ("invalid_attachments", [], True),
        ("invalid_blocks_format", [], True),
        (
            "invalid_arguments",
            ["[ERROR] block type not enabled: table [json-pointer:/blocks/1]"],
            True,
        ),
        ("not_enabled", [], False),  # views.publish: the Home tab is off, not a block
        ("channel_not_found", [], False),
        ("ratelimited", [], False),
        (None, [], False),
    ],
)
def test_which_refusals_are_about_the_blocks(
    error: str | None, messages: list[str], refused: bool
) -> None:
    assert refused_for_blocks(error, messages) is refused


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, "ok", None),
        (200, '{"ok": true}', None),
        (400, "invalid_blocks", "invalid_blocks"),
        (404, "expired_url", "expired_url"),
        (200, '{"ok": false, "error": "invalid_blocks"}', "invalid_blocks"),
        (500, "", "http_500"),
    ],
)
def test_a_response_url_answer_is_read_in_both_shapes(
    status: int, body: str, expected: str | None
) -> None:
    assert error_of(status, body)[0] == expected


def test_the_refused_block_type_comes_from_slacks_pointer_or_the_rich_blocks() -> None:
    payload = ANSWER.to_slack()
    pointed = ["[ERROR] block type not enabled: table [json-pointer:/blocks/1]"]
    assert refused_types(payload, pointed) == ["table"]
    assert refused_types(payload) == ["data_visualization", "table"]
    assert refused_types({"blocks": [header("x")]}) == ["unknown"]


def test_the_fallback_has_the_same_answer_without_tables_and_charts() -> None:
    payload = ANSWER.to_slack(share_id="s1")
    plain = fallback(payload)
    assert plain["text"] == payload["text"]
    kinds = [b["type"] for b in plain["blocks"]]
    assert "table" not in kinds and "data_visualization" not in kinds
    assert kinds[-1] == "actions"  # the share button is still there
    texts = str(plain["blocks"])
    assert "/pricing      2.2k" in texts  # aligned monospace
    assert "Visitors  `▁█▅`  min 10 · max 30 · last 20" in texts
    assert problems(plain) == []
    assert refusal(plain, refused_types={"table", "data_visualization"}) is None


def test_tables_in_attachments_are_brought_into_the_message() -> None:
    table = ANSWER.blocks[1]
    payload = {"text": "t", "blocks": [header("h")], "attachments": [{"blocks": [table]}]}
    assert refusal(payload, refused_types={"table"}) == (
        "invalid_attachments",
        ["[ERROR] block type not enabled: table [json-pointer:/attachments/0/blocks/0]"],
    )
    assert refused_types(payload, refusal(payload, refused_types={"table"})[1]) == ["table"]  # type: ignore[index]
    plain = fallback(payload)
    assert "attachments" not in plain and len(plain["blocks"]) == 2
