"""When Slack refuses an answer for its blocks — a block type not enabled in the workspace,
as during a phased roll-out — the answer is sent again at once in plain text and the
person sees it; the refusal is logged once with the block type."""

from __future__ import annotations

import logging

import pytest

from bot.sim.demo import DEMO_CREDENTIALS
from bot.team import Team
from tests.e2e.harness import PulseHarness

TEAM = Team("T0000001")


async def connected(h: PulseHarness) -> None:
    await h.runtime.store.credentials.save(TEAM, "weldpulse", DEMO_CREDENTIALS["weldpulse"], "U1")


def refusal_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "refused an answer" in r.getMessage()]


async def test_a_refused_table_is_resent_as_text_and_seen(
    sim_harness: PulseHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = sim_harness
    await connected(h)
    h.slack.state.refused_types = {"table"}
    caplog.set_level(logging.INFO)
    _, rid = await h.command("pages 7d --limit 5")
    answer = await h.response(rid)  # the one Slack took
    [(where, code, messages)] = h.slack.state.refusals
    assert (where, code) == (f"/response/{rid}", "invalid_blocks")
    assert "block type not enabled: table" in messages[0]
    kinds = [b["type"] for b in answer["blocks"]]
    assert "table" not in kinds and kinds[0] == "header" and kinds[-1] == "actions"
    table = next(b["text"]["text"] for b in answer["blocks"] if "```" in str(b))
    assert table.startswith("```#  Page") and "/pricing" in table
    assert answer["text"].startswith("Top pages — last 7 days: ")
    assert refusal_lines(caplog) == [
        "Slack refused an answer for its blocks (invalid_blocks: table)"
    ]


async def test_a_refused_chart_is_resent_as_sparklines(sim_harness: PulseHarness) -> None:
    h = sim_harness
    await connected(h)
    h.slack.state.refused_types = {"data_visualization"}
    _, rid = await h.command("timeseries 7d")
    answer = await h.response(rid)
    assert len(h.slack.state.refusals) == 1
    assert "data_visualization" not in str(answer["blocks"])
    spark = next(b["text"]["text"] for b in answer["blocks"] if "min " in str(b))
    assert spark.startswith("*WeldPulse per day — last 7 days*")
    assert "Visitors  `" in spark and " · max " in spark and " · last " in spark


async def test_when_even_the_fallback_is_refused_the_text_arrives(
    sim_harness: PulseHarness, caplog: pytest.LogCaptureFixture
) -> None:
    h = sim_harness
    await connected(h)
    h.slack.state.refused_types = {"table", "section", "header"}
    caplog.set_level(logging.INFO)
    _, rid = await h.command("pages 7d --limit 5")
    answer = await h.response(rid)
    assert "blocks" not in answer
    assert answer["text"].startswith("Top pages — last 7 days: ")
    assert len(h.slack.state.refusals) == 2
    assert len(refusal_lines(caplog)) == 2  # once per refused message


async def test_an_accepted_answer_is_sent_once(sim_harness: PulseHarness) -> None:
    h = sim_harness
    await connected(h)
    _, rid = await h.command("pages 7d --limit 5")
    answer = await h.response(rid)
    assert [b["type"] for b in answer["blocks"]].count("table") == 1
    assert h.slack.state.refusals == []
    assert [r["_path"] for r in h.slack.state.responses] == [f"/response/{rid}"]


async def test_a_shared_answer_is_checked_too(sim_harness: PulseHarness) -> None:
    h = sim_harness
    await connected(h)
    _, rid = await h.command("pages 7d --limit 5")
    button = (await h.response(rid))["blocks"][-1]["elements"][0]
    h.slack.state.refused_types = {"table"}  # say the workspace lost the table block since
    press = {
        "type": "block_actions",
        "team": {"id": TEAM.team_id, "domain": "acme"},
        "user": {"id": "U0SHARER", "username": "s", "team_id": TEAM.team_id},
        "api_app_id": "A0PULSE",
        "token": "legacy",
        "trigger_id": "t.share",
        "container": {"type": "message", "message_ts": "1.2", "is_ephemeral": True},
        "response_url": h.slack.response_url("shared"),
        "actions": [{**button, "block_id": "pulse_share", "action_ts": "1.3"}],
    }
    assert (await h.interact(press)).status_code == 200
    shared = await h.response("shared")
    assert shared["response_type"] == "in_channel"
    assert "table" not in [b["type"] for b in shared["blocks"]]
    assert "/pricing" in str(shared["blocks"])
    assert shared["blocks"][-1]["elements"][0]["text"] == "Shared by <@U0SHARER>"
    assert [where for where, _, _ in h.slack.state.refusals] == ["/response/shared"]
