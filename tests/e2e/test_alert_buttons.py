"""Snooze 1h / Snooze 24h / Mute on a firing alert, and Unmute on a muted one, pressed
through Slack's interactivity endpoint: real `block_actions` payloads, signed as Slack
signs them, into the running app. Members of the owning workspace may press them (audited,
answered only to the presser, said in the alert's message); anyone else, and anything
unsigned, changes nothing."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.features.alert_messages import MUTE, SNOOZE_1H, SNOOZE_24H, UNMUTE
from bot.store.alerts import Alert
from bot.team import Team
from tests.e2e.harness import PulseHarness

TEAM = Team("T0000001")
MEMBER = "U0MEMBER"


async def add_alert(h: PulseHarness, team: Team = TEAM) -> Alert:
    return await h.runtime.store.alerts.add(
        team,
        metric="weldpulse.realtime",
        op=">",
        value=50,
        over_seconds=0,
        channel_id="C0ALERTS",
        created_by="U0BOSS",
    )


def pressed(
    h: PulseHarness,
    action_id: str,
    value: str,
    response_id: str,
    *,
    user_team: str = TEAM.team_id,
) -> dict[str, Any]:
    """The block_actions payload Slack sends when a button of the firing message is pressed."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM.team_id, "domain": "acme"},
        "user": {"id": MEMBER, "username": "member", "team_id": user_team},
        "api_app_id": "A0PULSE",
        "token": "legacy",
        "trigger_id": f"trigger.{response_id}",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": "C0ALERTS",
            "is_ephemeral": False,
        },
        "channel": {"id": "C0ALERTS", "name": "alerts"},
        "message": {"type": "message", "ts": "1700000000.000100", "text": "Alert #1 firing"},
        "response_url": h.slack.response_url(response_id),
        "actions": [
            {
                "action_id": action_id,
                "block_id": f"alert:{value}",
                "text": {"type": "plain_text", "text": "…"},
                "value": value,
                "type": "button",
                "action_ts": "1700000001.000200",
            }
        ],
    }


async def stored(h: PulseHarness, alert_id: int = 1, team: Team = TEAM) -> Alert:
    alert = await h.runtime.store.alerts.get(team, alert_id)
    assert alert is not None
    return alert


async def audit(h: PulseHarness, team: Team = TEAM) -> list[tuple[str | None, str, dict[str, Any]]]:
    return [(e.user_id, e.action, e.detail) for e in await h.runtime.store.audit.list(team)]


@pytest.mark.parametrize(
    ("action_id", "length"),
    [(SNOOZE_1H, timedelta(hours=1)), (SNOOZE_24H, timedelta(hours=24))],
    ids=["1h", "24h"],
)
async def test_snooze_button_snoozes_audits_and_answers_the_presser(
    harness: PulseHarness, action_id: str, length: timedelta
) -> None:
    alert = await add_alert(harness)
    before = datetime.now(UTC).replace(microsecond=0)
    response = await harness.interact(pressed(harness, action_id, str(alert.id), "snooze"))
    assert response.status_code == 200
    answer = await harness.response("snooze")
    after = datetime.now(UTC)

    until = (await stored(harness)).snoozed_until
    assert until is not None
    assert before + length <= until <= after + length
    assert answer["response_type"] == "ephemeral"
    assert answer["replace_original"] is False
    assert answer["text"] == (
        f"Alert #1 is snoozed until <!date^{int(until.timestamp())}^{{date_short_pretty}} "
        f"{{time}}|{until:%a %d %b %H:%M} UTC>."
    )
    [(user, action, detail)] = await audit(harness)
    assert (user, action) == (MEMBER, "alert.snooze")
    assert detail["alert"] == 1
    assert datetime.fromisoformat(detail["until"]).replace(microsecond=0) == until
    assert (await stored(harness)).muted is False
    assert harness.slack.state.posts() == []  # the channel is told nothing


async def test_mute_button_mutes_and_says_how_to_delete(harness: PulseHarness) -> None:
    await add_alert(harness)
    response = await harness.interact(pressed(harness, MUTE, "1", "mute"))
    assert response.status_code == 200
    answer = await harness.response("mute")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == (
        "Alert #1 is muted: it keeps being checked but posts nothing. "
        "`/pulse alert unmute 1` undoes it; `/pulse alert remove 1` deletes it."
    )
    assert (await stored(harness)).muted is True
    assert (await stored(harness)).snoozed_until is None
    assert await audit(harness) == [(MEMBER, "alert.mute", {"alert": 1})]
    assert [a.id for a in await harness.runtime.store.alerts.list_all_for_scheduler()] == []


def said_in(payload: dict[str, Any]) -> tuple[str, list[str]]:
    """An edited alert message: its last context line, and its buttons' action ids."""
    lines = [e["text"] for b in payload["blocks"] if b["type"] == "context" for e in b["elements"]]
    buttons = [
        e["action_id"] for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    return lines[-1], buttons


async def test_mute_then_unmute_on_the_firing_message_say_who_there(
    harness: PulseHarness,
) -> None:
    alert = await add_alert(harness)
    await harness.runtime.store.alerts.update_alert_state(
        alert.id,
        state="firing",
        last_value=120.0,
        message_ts="1700000000.000100",  # the message the buttons are on
        message_channel="C0ALERTS",
    )
    await harness.interact(pressed(harness, MUTE, str(alert.id), "mute"))
    await harness.response("mute")
    [muted] = harness.slack.state.called("chat.update")
    assert (muted.args["channel"], muted.args["ts"]) == ("C0ALERTS", "1700000000.000100")
    assert said_in(muted.args) == (
        f":mute: Muted by <@{MEMBER}>: it posts nothing until unmuted (`/pulse alert unmute 1`).",
        [UNMUTE],
    )

    response = await harness.interact(pressed(harness, UNMUTE, str(alert.id), "unmute"))
    assert response.status_code == 200
    answer = await harness.response("unmute")
    assert (answer["response_type"], answer["text"]) == (
        "ephemeral",
        "Alert #1 is no longer muted.",
    )
    unmuted = harness.slack.state.called("chat.update")[-1]
    line, buttons = said_in(unmuted.args)
    assert "Muted" not in line and buttons == [SNOOZE_1H, SNOOZE_24H, MUTE]
    assert ((await stored(harness)).muted, (await stored(harness)).muted_by) == (False, None)
    assert [(user, action) for user, action, _ in await audit(harness)] == [
        (MEMBER, "alert.unmute"),
        (MEMBER, "alert.mute"),
    ]
    assert harness.slack.state.posts() == []  # edits only


async def test_someone_from_another_workspace_is_refused(harness: PulseHarness) -> None:
    alert = await add_alert(harness)
    for action_id in (SNOOZE_1H, MUTE, UNMUTE):
        payload = pressed(harness, action_id, "1", action_id, user_team="T0STRANGER")
        assert (await harness.interact(payload)).status_code == 200
        answer = await harness.response(action_id)
        assert answer["response_type"] == "ephemeral"
        assert answer["text"] == (
            "Only members of the workspace that owns this alert can snooze or mute it."
        )
    assert await stored(harness) == alert
    assert await audit(harness) == []


async def test_another_workspaces_alert_cannot_be_pressed_from_here(
    harness: PulseHarness,
) -> None:
    other = Team("T0OTHER1")
    theirs = await add_alert(harness, other)
    assert (await harness.interact(pressed(harness, MUTE, str(theirs.id), "x"))).status_code == 200
    answer = await harness.response("x")
    assert answer["text"] == "That alert no longer exists."
    assert await stored(harness, theirs.id, other) == theirs
    assert await audit(harness) == await audit(harness, other) == []


@pytest.mark.parametrize(
    "sign",
    ["wrong-secret", "unsigned", "stale"],
)
async def test_unsigned_or_badly_signed_presses_are_401_and_change_nothing(
    harness: PulseHarness, sign: str
) -> None:
    alert = await add_alert(harness)
    body = urlencode({"payload": json.dumps(pressed(harness, MUTE, "1", "forged"))})
    if sign == "wrong-secret":
        response = await harness.post(body, secret="not-the-signing-secret")
    elif sign == "stale":
        response = await harness.post(body, timestamp=int(time.time()) - 6 * 60)
    else:
        response = await harness.http.post(
            f"{harness.url}/slack/events",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 401
    assert await stored(harness) == alert
    assert await audit(harness) == []
    assert harness.slack.state.responses == []
