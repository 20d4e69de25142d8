"""The App Home tab over real HTTP: what an admin, a member and an empty workspace see,
and buttons pressed there changing state and publishing the tab again. Every view goes
through the fake Slack's checks (100 blocks, no tables or charts on a Home tab)."""

from __future__ import annotations

import itertools
from typing import Any
from zoneinfo import ZoneInfo

from bot.features.recurrence import Schedule
from bot.sim.demo import DEMO_CREDENTIALS
from bot.team import Team
from tests.e2e.harness import PulseHarness, submission

TEAM = Team("T0000001")
BOSS, MEMBER = "U0BOSS", "U0MEMBER"
_events = itertools.count(1)


async def opened(h: PulseHarness, user: str) -> dict[str, Any]:
    """Open the Home tab as `user`; the view Slack was given."""
    state = h.slack.state
    before = len(state.called("views.publish"))
    event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}
    assert (await h.event(event, event_id=f"Ev0HOME{next(_events)}")).status_code == 200
    await state.wait_for(lambda: len(state.called("views.publish")) > before, 5)
    call = state.called("views.publish")[-1]
    assert call.ok, state.refusals
    assert call.args["user_id"] == user
    view = call.args["view"]
    assert isinstance(view, dict) and view["type"] == "home"
    return view


async def press(h: PulseHarness, user: str, view: dict[str, Any], value: str) -> dict[str, Any]:
    """Press the button running `/pulse VALUE` on the Home tab; the view published next."""
    button = next(b for b in buttons(view) if b["value"] == value)
    block = next(b for b in view["blocks"] if button in b.get("elements", [b.get("accessory")]))
    state = h.slack.state
    before = len(state.called("views.publish"))
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM.team_id, "domain": "acme"},
        "user": {"id": user, "username": "u", "team_id": TEAM.team_id},
        "api_app_id": "A0PULSE",
        "token": "legacy",
        "trigger_id": f"trigger.home.{next(_events)}",  # Slack gives each press its own
        "container": {"type": "view", "view_id": "V0HOME"},
        "view": {"id": "V0HOME", "type": "home", "blocks": view["blocks"]},
        "actions": [
            {
                "action_id": button["action_id"],
                "block_id": block.get("block_id", "b"),
                "text": button["text"],
                "value": value,
                "type": "button",
                "action_ts": "1700000001.000200",
            }
        ],
    }
    assert (await h.interact(payload)).status_code == 200
    await state.wait_for(lambda: len(state.called("views.publish")) > before, 5)
    call = state.called("views.publish")[-1]
    assert call.ok, state.refusals
    published: dict[str, Any] = call.args["view"]
    return published


def buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in view["blocks"]:
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
        if (block.get("accessory") or {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def values(view: dict[str, Any]) -> set[str]:
    return {b["value"] for b in buttons(view)}


def texts(view: dict[str, Any]) -> str:
    return "\n".join(str(b.get("text", {}).get("text", "")) for b in view["blocks"])


async def workspace(h: PulseHarness) -> None:
    """WeldPulse connected; a digest and an alert of the boss, a digest of the member."""
    store = h.runtime.store
    await store.credentials.save(TEAM, "weldpulse", {"api_key": "ak_live_home_0001"}, BOSS)
    daily = Schedule("daily", 0, 9, None, ZoneInfo("Europe/Berlin"))
    await h.runtime.digests.add(TEAM, BOSS, channel_id="C0OPS", schedule=daily)
    await h.runtime.digests.add(TEAM, MEMBER, channel_id="C0MINE", schedule=daily)
    await store.alerts.add(
        TEAM,
        metric="weldpulse.realtime",
        op=">",
        value=50,
        over_seconds=0,
        channel_id="C0OPS",
        created_by=BOSS,
    )


async def test_an_admin_sees_every_service_digest_and_alert_with_its_buttons(
    harness: PulseHarness,
) -> None:
    h = harness
    h.slack.state.users[BOSS] = {"is_admin": True}
    await workspace(h)
    view = await opened(h, BOSS)
    shown = texts(view)
    assert "*WeldPulse* — connected …0001 by <@U0BOSS>" in shown
    assert "headroom:" in shown and "*Raygun Pulse* — not connected" in shown
    assert "*#1* → <#C0OPS> · every day at 09:00 Europe/Berlin" in shown
    assert "*#1* weldpulse.realtime > 50 → <#C0OPS> · *ok*" in shown
    assert values(view) >= {
        "disconnect weldpulse",
        "connect raygun",
        "digest run 1",
        "digest pause 1",
        "digest remove 1",
        "digest run 2",  # an admin may act on anyone's digest
        "alert snooze 1 1h",
        "alert snooze 1 24h",
        "alert mute 1",
        "alert remove 1",
    }
    assert "Nothing is connected yet" not in shown
    assert h.slack.state.refusals == []


async def test_a_member_gets_buttons_only_for_what_they_may_do(harness: PulseHarness) -> None:
    h = harness
    await workspace(h)
    view = await opened(h, MEMBER)
    assert values(view) == {"digest run 2", "digest pause 2", "digest remove 2"}
    shown = texts(view)
    assert "*#1* → <#C0OPS>" in shown  # still listed, without buttons
    assert "admins may change them all" in str(view["blocks"][-1])


async def test_an_empty_workspace_sees_how_to_start(harness: PulseHarness) -> None:
    h = harness
    h.slack.state.users[BOSS] = {"is_admin": True}
    admin = texts(await opened(h, BOSS))
    assert "Nothing is connected yet. Press *Connect* beside a service" in admin
    assert "No digests yet" in admin and "No alerts yet" in admin
    member = await opened(h, MEMBER)
    assert "A Pulse Bot admin can connect a service with `/pulse connect SERVICE`" in texts(member)
    assert values(member) == set()


async def test_pause_pressed_on_the_home_tab_pauses_and_publishes_it_again(
    harness: PulseHarness,
) -> None:
    h = harness
    await workspace(h)
    view = await press(h, MEMBER, await opened(h, MEMBER), "digest pause 2")
    digest = await h.runtime.store.digests.get(TEAM, 2)
    assert digest is not None and digest.paused
    assert "> Digest #2 paused." in texts(view)
    assert "digest resume 2" in values(view) and "digest pause 2" not in values(view)
    audit = await h.runtime.store.audit.list(TEAM)
    assert (audit[0].user_id, audit[0].action) == (MEMBER, "digest.pause")


async def test_snooze_pressed_on_the_home_tab_snoozes_and_says_who(harness: PulseHarness) -> None:
    h = harness
    h.slack.state.users[BOSS] = {"is_admin": True}
    await workspace(h)
    view = await press(h, BOSS, await opened(h, BOSS), "alert snooze 1 1h")
    alert = await h.runtime.store.alerts.get(TEAM, 1)
    assert alert is not None and alert.snoozed_until is not None
    assert "> Alert #1 is snoozed until" in texts(view)
    assert "· snoozed until" in texts(view) and "by <@U0BOSS>" in texts(view)
    assert "alert snooze 1 0" in values(view)  # End snooze
    view = await press(h, BOSS, view, "alert mute 1")
    assert "muted by <@U0BOSS>" in texts(view) and "alert unmute 1" in values(view)


async def test_a_button_is_still_checked_when_pressed(harness: PulseHarness) -> None:
    h = harness
    h.slack.state.users[BOSS] = {"is_admin": True}
    await workspace(h)
    boss_view = await opened(h, BOSS)
    # the member presses a button of the boss's tab (say, from an old payload)
    view = await press(h, MEMBER, boss_view, "digest pause 1")
    assert f"Only the digest's creator (<@{BOSS}>) or a Pulse Bot admin can pause digest #1" in (
        texts(view)
    )
    digest = await h.runtime.store.digests.get(TEAM, 1)
    assert digest is not None and not digest.paused


async def test_a_large_workspace_fits_one_home_tab(harness: PulseHarness) -> None:
    h = harness
    h.slack.state.users[BOSS] = {"is_admin": True}
    daily = Schedule("daily", 0, 9, None, ZoneInfo("UTC"))
    for i in range(80):
        await h.runtime.digests.add(TEAM, BOSS, channel_id=f"C{i:06d}", schedule=daily)
        await h.runtime.store.alerts.add(
            TEAM,
            metric="weldpulse.realtime",
            op=">",
            value=i,
            over_seconds=0,
            channel_id=f"C{i:06d}",
            created_by=BOSS,
        )
    view = await opened(h, BOSS)  # taken by the fake: at most 100 blocks
    assert len(view["blocks"]) <= 100
    shown = str(view["blocks"])
    assert "more: `/pulse digest list` lists them all." in shown
    assert "more: `/pulse alert list` lists them all." in shown


async def test_connect_pressed_on_the_home_tab_opens_the_form_and_the_tab_shows_it_connected(
    sim_harness: PulseHarness,
) -> None:
    h = sim_harness
    h.slack.state.users[BOSS] = {"is_admin": True}
    view = await opened(h, BOSS)
    assert "connect weldpulse" in values(view)

    after_press = await press(h, BOSS, view, "connect weldpulse")
    [form] = [c.args["view"] for c in h.slack.state.called("views.open")]
    assert form["callback_id"] == "pulse_connect"
    assert "Opened the form to connect WeldPulse" in str(after_press["blocks"])

    before = len(h.slack.state.called("views.publish"))
    response = await h.interact(submission(h, form, DEMO_CREDENTIALS["weldpulse"]["api_key"], BOSS))
    assert response.status_code == 200 and response.text in ("", "{}")
    state = h.slack.state
    await state.wait_for(lambda: len(state.called("views.publish")) > before, 5)
    connected = state.called("views.publish")[-1].args["view"]
    assert "disconnect weldpulse" in values(connected)  # the tab now offers Disconnect
    assert "WeldPulse is connected" in str(connected["blocks"])
