"""The connect flow over real HTTP: modal, validation, encrypted save, then real numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.sim.demo import DEMO_CREDENTIALS, OTHER_WELDPULSE_KEY
from bot.team import Team
from tests.e2e.harness import PulseHarness, submission

KEY = DEMO_CREDENTIALS["weldpulse"]["api_key"]


def db_bytes(h: PulseHarness) -> bytes:
    path = Path(h.runtime.settings.database_path)
    raw = b""
    for suffix in ("", "-wal"):
        candidate = Path(str(path) + suffix)
        if candidate.exists():
            raw += candidate.read_bytes()
    return raw


async def open_modal(
    h: PulseHarness, user: str = "U0BOSS", team: str = "T0000001"
) -> dict[str, Any]:
    state = h.slack.state
    before = len(state.called("views.open"))
    _, rid = await h.command("connect weldpulse", user_id=user, team_id=team)
    await h.response(rid)
    await state.wait_for(lambda: len(state.called("views.open")) > before, 5)
    call = state.called("views.open")[-1]
    assert call.args["trigger_id"] == f"trigger.{rid}"
    view = call.args["view"]
    assert isinstance(view, dict)
    return view


async def test_connect_validates_saves_encrypted_and_stats_shows_sim_numbers(
    sim_harness: PulseHarness,
) -> None:
    h = sim_harness
    h.slack.state.users["U0BOSS"] = {"is_admin": True}
    view = await open_modal(h)
    response = await h.interact(submission(h, view, KEY, "U0BOSS"))
    assert response.status_code == 200
    assert response.text in ("", "{}")  # closes the modal: no errors
    team = Team("T0000001")
    assert await h.runtime.store.credentials.get(team, "weldpulse") == {"api_key": KEY}
    assert KEY.encode() not in db_bytes(h)
    state = h.slack.state  # the confirmation follows the ack that closed the modal
    await state.wait_for(lambda: bool(state.called("chat.postEphemeral")), 5)
    confirm = state.called("chat.postEphemeral")
    assert confirm and "WeldPulse is connected" in confirm[-1].args["text"]
    assert KEY not in confirm[-1].args["text"]

    _, rid = await h.command("stats 7d", user_id="U0BOSS")
    answer = await h.response(rid)
    assert "WeldPulse" in answer["text"] or "WeldPulse" in str(answer["blocks"])
    assert h.sim is not None and h.sim.control.count("weldpulse", "/v1/stats") >= 1


async def test_rejected_key_shows_the_field_error_and_saves_nothing(
    sim_harness: PulseHarness,
) -> None:
    h = sim_harness
    h.slack.state.users["U0BOSS"] = {"is_admin": True}
    view = await open_modal(h)
    response = await h.interact(submission(h, view, "ak_live_wrong_key_00000000", "U0BOSS"))
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert "rejected this credential" in body["errors"]["api_key"]
    assert await h.runtime.store.credentials.get(Team("T0000001"), "weldpulse") is None
    assert b"ak_live_wrong_key" not in db_bytes(h)


async def test_non_admin_is_refused(sim_harness: PulseHarness) -> None:
    h = sim_harness
    _, rid = await h.command("connect weldpulse", user_id="U0NOBODY")
    answer = await h.response(rid)
    assert "Only Pulse Bot admins can connect services" in answer["text"]
    assert h.slack.state.called("views.open") == []


async def test_two_workspaces_never_see_each_others_data(sim_harness: PulseHarness) -> None:
    h = sim_harness
    store = h.runtime.store
    a, b = Team("T0000001"), Team("T0000002")
    await store.credentials.save(a, "weldpulse", {"api_key": KEY}, "U1")
    await store.credentials.save(b, "weldpulse", {"api_key": OTHER_WELDPULSE_KEY}, "U2")
    _, rid_a = await h.command("pages 30d", team_id="T0000001")
    _, rid_b = await h.command("pages 30d", team_id="T0000002")
    answer_a, answer_b = await h.response(rid_a), await h.response(rid_b)
    assert answer_a["blocks"] != answer_b["blocks"]
    _, rid_c = await h.command("services", team_id="T0000003")
    answer_c = await h.response(rid_c)
    assert "*WeldPulse* — not connected" in str(answer_c["blocks"])


async def test_timeseries_chart_is_a_chart_block_and_nothing_is_uploaded(
    sim_harness: PulseHarness,
) -> None:
    h = sim_harness
    await h.runtime.store.credentials.save(Team("T0000001"), "weldpulse", {"api_key": KEY}, "U1")
    _, rid = await h.command("timeseries 7d --interval 1d")
    answer = await h.response(rid)  # taken: the fake Slack checked it as Slack would
    charts = [b for b in answer["blocks"] if b["type"] == "data_visualization"]
    assert len(charts) == 1
    assert [s["name"] for s in charts[0]["chart"]["series"]] == [
        "Visitors",
        "Pageviews",
        "Sessions",
    ]
    assert not [c for c in h.slack.state.calls if c.method.startswith("files.")]
    assert h.slack.state.refusals == []


async def test_a_form_slack_would_not_open_is_said_with_what_to_do(
    sim_harness: PulseHarness,
) -> None:
    h = sim_harness
    h.slack.state.users["U0BOSS"] = {"is_admin": True}
    h.slack.state.fail("views.open", (200, "expired_trigger_id"))
    _, rid = await h.command("connect weldpulse", user_id="U0BOSS")
    assert (await h.response(rid))["text"] == (
        "The form could not be opened (Slack allows a command only a few seconds to open "
        "one); run `/pulse connect weldpulse` again."
    )
