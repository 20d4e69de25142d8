"""`/pulse alert add|list|remove|snooze|mute|unmute`: what people type, what they are
told, what is stored and audited, and the firing message edited to say who snoozed or
muted it. No service is called: adding an alert only checks the connection."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.features.alert_messages import MUTE, SNOOZE_1H, SNOOZE_24H, UNMUTE
from bot.features.alert_metrics import CATALOGUE
from bot.render.message import Message
from bot.store.alerts import Alert
from bot.team import Team
from commands import dispatch
from commands.context import ChannelCheck, ChannelState
from tests.commands.harness import NOW, CommandHarness, table
from tests.fakes.poster import RecordingPoster

CREATOR = "U0ANA"
OTHER = "U0BEN"
ADMIN = "U0ADMIN"
KEYS = {
    "weldpulse": {"api_key": "ak_live_cmd_alerts_01"},
    "raygun": {"api_key": "rg-key-0001", "client_id": "client", "client_secret": "secret-0001"},
}


async def run(cmd: CommandHarness, line: str, user: str = CREATOR, *, admin: bool = False) -> str:
    """What the person who typed `line` reads (mrkdwn as sent: `<#C123>` is a channel link)."""
    message = await answer(cmd, line, user, admin=admin)
    assert not message.public, "alert commands answer only the person who typed them"
    return message.text


async def answer(cmd: CommandHarness, line: str, user: str, *, admin: bool) -> Message:
    cmd.admin = admin
    return await dispatch.answer(cmd.router, line, await cmd.context(user_id=user))


async def listing(cmd: CommandHarness) -> list[str]:
    """The lines of `/pulse alert list` as sent to Slack, one per line of each block."""
    message = await answer(cmd, "alert list", CREATOR, admin=False)
    assert not message.public
    texts = [b["text"]["text"] for b in message.blocks if isinstance(b.get("text"), dict)]
    texts += [e["text"] for b in message.blocks for e in b.get("elements", [])]
    return [line for t in texts for line in t.splitlines()]


async def stored(cmd: CommandHarness) -> list[Alert]:
    return await cmd.store.alerts.list(cmd.team)


async def audited(cmd: CommandHarness) -> list[tuple[str | None, str]]:
    return [(e.user_id, e.action) for e in reversed(await cmd.store.audit.list(cmd.team))]


@pytest.fixture(autouse=True)
async def connected(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEYS["weldpulse"])


# ---- alert add ---------------------------------------------------------------------------


async def test_add_stores_the_alert_and_says_what_it_costs(cmd: CommandHarness) -> None:
    said = await run(cmd, "alert add weldpulse.realtime > 50")
    assert said == (
        "Alert #1 added: weldpulse.realtime > 50 → <#C0TEST>. "
        "Checked every 1m: about 1,440 weldpulse calls a day of 144,000."
    )
    [alert] = await stored(cmd)
    assert (alert.metric, alert.op, alert.value, alert.over_seconds, alert.for_seconds) == (
        "weldpulse.realtime",
        ">",
        50.0,
        0,
        0,
    )
    assert (alert.channel_id, alert.created_by, alert.state) == ("C0TEST", CREATOR, "ok")
    [entry] = await cmd.store.audit.list(cmd.team)
    assert (entry.user_id, entry.action) == (CREATOR, "alert.add")
    assert entry.detail == {
        "alert": 1,
        "metric": "weldpulse.realtime",
        "op": ">",
        "value": 50.0,
    }


async def test_add_confirmation_has_no_share_button(cmd: CommandHarness) -> None:
    message = await answer(cmd, "alert add weldpulse.realtime > 50", CREATOR, admin=False)
    assert not message.wants_share_button


async def test_add_reads_operators_as_slack_escapes_them(cmd: CommandHarness) -> None:
    said = await run(cmd, "alert add weldpulse.bounce_rate &gt;= 70%")
    assert "weldpulse.bounce_rate >= 70.0% over 1h" in said
    assert (await stored(cmd))[0].op == ">="


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("alert add weldpulse.realtme > 50", "Did you mean `weldpulse.realtime`?"),
        ("alert add weldpulse.vistors > 50", "Did you mean `weldpulse.visitors`?"),
        ("alert add weldpulse.realtime => 50", "`=>` is not a comparison: use >, >=, < or <="),
        ("alert add weldpulse.realtime = 50", "`=` is not a comparison"),
        ("alert add weldpulse.realtime > fifty", "`fifty` is not a number."),
        ("alert add weldpulse.realtime > nan", "`nan` is not a number."),
        ("alert add weldpulse.realtime > inf", "`inf` is not a number."),
        ("alert add weldpulse.realtime >", "Say what to watch"),
        ("alert add weldpulse.realtime > 50 9", "Say what to watch"),
        ("alert add weldpulse.realtime > 50 --every 5m", "does not take `--every`"),
        ("alert add weldpulse.visitors > 5 --over 30s", "`--over` must be between 1m and 30d"),
        ("alert add weldpulse.visitors > 5 --over 31d", "`--over` must be between 1m and 30d"),
        ("alert add weldpulse.visitors > 5 --over week", "`week` is not a duration"),
        ("alert add weldpulse.realtime > 5 --for 8d", "`--for` must be between 0 and 7d"),
        ("alert add weldpulse.realtime > 5 --for soon", "`soon` is not a duration"),
        ("alert add weldpulse.realtime > 5 --in growth", "`growth` is not a channel"),
    ],
    ids=[
        "metric-typo",
        "metric-typo-2",
        "bad-op",
        "equals",
        "word",
        "nan",
        "inf",
        "missing-value",
        "extra-word",
        "unknown-option",
        "over-too-short",
        "over-too-long",
        "over-not-a-duration",
        "for-too-long",
        "for-not-a-duration",
        "in-not-a-channel",
    ],
)
async def test_add_refusals(cmd: CommandHarness, line: str, fragment: str) -> None:
    said = await run(cmd, line)
    assert fragment in said
    assert await stored(cmd) == []
    assert await cmd.store.audit.list(cmd.team) == []


@pytest.mark.parametrize(
    ("options", "over", "hold", "shown"),
    [
        ("", 3600, 0, "weldpulse.visitors > 1k over 1h"),
        ("--over 6h", 21600, 0, "weldpulse.visitors > 1k over 6h"),
        ("--over=2h30m --for 30m", 9000, 1800, "over 2h30m"),
        ("over=1d for=7d", 86400, 7 * 86400, "over 1d"),
        ("--over 1m --for 0", 60, 0, "over 1m"),
    ],
    ids=["default", "over", "both", "name=value", "bounds"],
)
async def test_add_windows_and_holds(
    cmd: CommandHarness, options: str, over: int, hold: int, shown: str
) -> None:
    said = await run(cmd, f"alert add weldpulse.visitors > 1,000 {options}")
    assert shown in said
    [alert] = await stored(cmd)
    assert (alert.value, alert.over_seconds, alert.for_seconds) == (1000.0, over, hold)
    assert alert.keep_firing_seconds == 0  # resolves at the first good value


@pytest.mark.parametrize(
    ("options", "kept"),
    [("--keep-firing 30m", 1800), ("keep-firing=2h", 7200), ("--keep-firing 0", 0)],
    ids=["option", "name=value", "zero"],
)
async def test_add_keep_firing(cmd: CommandHarness, options: str, kept: int) -> None:
    await run(cmd, f"alert add weldpulse.realtime > 50 --for 5m {options}")
    [alert] = await stored(cmd)
    assert (alert.for_seconds, alert.keep_firing_seconds) == (300, kept)
    [*_, row] = table(await answer(cmd, "alert list", CREATOR, admin=False))
    notes = "for 5m · keep firing 30m" if kept == 1800 else "for 5m · keep firing 2h"
    assert row[5] == (notes if kept else "for 5m")


@pytest.mark.parametrize(
    ("option", "fragment"),
    [
        ("--keep-firing 8d", "`--keep-firing` must be between 0 and 7d"),
        ("--keep-firing later", "`later` is not a duration"),
        ("--keep-firing", "`--keep-firing` needs a value."),
    ],
    ids=["too-long", "not-a-duration", "no-value"],
)
async def test_add_keep_firing_refusals(cmd: CommandHarness, option: str, fragment: str) -> None:
    assert fragment in await run(cmd, f"alert add weldpulse.realtime > 50 {option}")
    assert await stored(cmd) == []


@pytest.mark.parametrize(
    ("where", "channel", "shown"),
    [
        ("", "C0TEST", "<#C0TEST>"),
        ("--in here", "C0TEST", "<#C0TEST>"),
        ("--in <#C0GROWTH|growth>", "C0GROWTH", "<#C0GROWTH>"),
        ("--in <#G0PRIVATE>", "G0PRIVATE", "<#G0PRIVATE>"),
        ("--in #growth", "#growth", "→ #growth."),
    ],
    ids=["default", "here", "mention", "private", "name"],
)
async def test_add_in_channel_forms(
    cmd: CommandHarness, where: str, channel: str, shown: str
) -> None:
    said = await run(cmd, f"alert add weldpulse.realtime > 50 {where}")
    assert shown in said
    assert (await stored(cmd))[0].channel_id == channel


INVITE = "invite me with `/invite @Pulse Bot`"


@pytest.mark.parametrize(
    ("where", "channel", "state", "said"),
    [
        (
            "--in <#G0SECRET>",
            "G0SECRET",
            "private",
            f"I'm not in <#G0SECRET>, a private channel: {INVITE} there and try again.",
        ),
        (
            "--in <#C0OLD|old>",
            "C0OLD",
            "archived",
            "<#C0OLD> is archived, so nothing can be posted there; pick another channel.",
        ),
        (
            "--in <#C0GONE>",
            "C0GONE",
            "missing",
            "I can't see <#C0GONE>: it no longer exists, or it is private and I'm not in it. "
            f"If it is private, {INVITE} there and try again.",
        ),
        (
            "",  # `here`: the channel the command was typed in
            "C0TEST",
            "missing",
            f"I'm not in this channel, so I can't post here: {INVITE} and try again.",
        ),
    ],
    ids=["private", "archived", "missing", "here-not-in"],
)
async def test_add_refuses_a_channel_the_bot_cannot_post_to(
    cmd: CommandHarness, where: str, channel: str, state: ChannelState, said: str
) -> None:
    """Checked when the alert is added, not when it first fires (PRODUCT §5)."""
    cmd.channels[channel] = ChannelCheck(state)
    assert await run(cmd, f"alert add weldpulse.realtime > 50 {where}") == said
    assert cmd.checked == [channel]
    assert await stored(cmd) == []
    assert await cmd.store.audit.list(cmd.team) == []


async def test_add_into_a_public_channel_it_joined_says_so(cmd: CommandHarness) -> None:
    cmd.channels["C0PUB"] = ChannelCheck("joined")
    said = await run(cmd, "alert add weldpulse.realtime > 50 --over 6h --in <#C0PUB>")
    assert said.endswith(
        "`--over` is ignored: weldpulse.realtime is a point-in-time value. "
        "I joined <#C0PUB> to post there."
    )
    assert (await stored(cmd))[0].channel_id == "C0PUB"


async def test_a_refused_line_asks_slack_nothing(cmd: CommandHarness) -> None:
    await run(cmd, "alert add weldpulse.realtime > fifty --in <#C0PUB>")
    await run(cmd, "alert add pulsepro.overdue_actions > 5 --in <#C0PUB>")  # not connected
    assert cmd.checked == [], "nothing is joined for an alert that is not added"


async def test_quota_percent_needs_the_allowance_an_admin_enters(cmd: CommandHarness) -> None:
    """Pulsetracker never reports the plan's allowance: no percentage of an invented one."""
    await cmd.connect("pulsetracker", {"token": "pt-token-0001"})
    said = await run(cmd, "alert add pulsetracker.quota_percent > 80 --in <#C0PUB>")
    assert said.startswith(
        "`pulsetracker.quota_percent` is a share of the plan's monthly messages, and "
        "Pulsetracker's API does not report the plan's monthly message allowance; an admin "
        "can enter it in the “Monthly messages per app” field of `/pulse connect "
        "pulsetracker`. Until then, alert on `pulsetracker.messages_sent` instead."
    )
    assert await stored(cmd) == [] and cmd.checked == []  # refused before joining a channel
    await cmd.connect("pulsetracker", {"token": "pt-token-0001", "allowance": "10000"})
    said = await run(cmd, "alert add pulsetracker.quota_percent > 80")
    assert said.startswith("Alert #1 added: pulsetracker.quota_percent > 80")
    assert [a.metric for a in await stored(cmd)] == ["pulsetracker.quota_percent"]


async def test_point_in_time_metric_ignores_over_and_says_so(cmd: CommandHarness) -> None:
    said = await run(cmd, "alert add weldpulse.realtime > 50 --over 6h")
    assert said.endswith("`--over` is ignored: weldpulse.realtime is a point-in-time value.")
    assert "over 6h" not in said
    assert (await stored(cmd))[0].over_seconds == 0


async def test_not_connected_service_says_how_to_connect(cmd: CommandHarness) -> None:
    said = await run(cmd, "alert add pulsepro.overdue_actions > 5")
    assert "PulsePro is not connected in this workspace" in said
    assert "`/pulse connect pulsepro`" in said
    assert await stored(cmd) == []


async def test_one_raygun_alert_fits_and_the_second_is_refused_by_the_budget(
    cmd: CommandHarness,
) -> None:
    await cmd.connect("raygun", KEYS["raygun"])
    first = await run(cmd, "alert add raygun.sessions < 10 --over 1d")
    assert first.endswith("Checked every 2h: about 24 raygun calls a day of 50.")
    second = await run(cmd, "alert add raygun.sessions > 5000 --over 1d", OTHER)
    assert "This alert would cost 24 Raygun Pulse calls a day" in second
    assert "at most 30 of Raygun Pulse's 50 daily calls (leaving 20 for people)" in second
    assert "this account's alerts and digests already use 24" in second
    assert [a.metric for a in await stored(cmd)] == ["raygun.sessions"]
    # other services' alerts do not count against Raygun's share
    assert "Alert #2 added" in await run(cmd, "alert add weldpulse.realtime > 1")


@pytest.mark.parametrize(
    "line",
    [
        "alert add weldpulse.realtime > 60 --public",
        "alert remove 1 --public",
        "alert snooze 1 1h --public",
    ],
    ids=["add", "remove", "snooze"],
)
async def test_public_is_refused_for_changes(cmd: CommandHarness, line: str) -> None:
    await run(cmd, "alert add weldpulse.realtime > 50")
    before = await stored(cmd)
    said = await run(cmd, line)
    assert "Alert changes are confirmed to you only; the channel sees just the alerts." in said
    assert await stored(cmd) == before
    assert await audited(cmd) == [(CREATOR, "alert.add")]


async def test_list_may_be_shown_in_the_channel(cmd: CommandHarness) -> None:
    message = await answer(cmd, "alert list --public", CREATOR, admin=False)
    assert message.public


# ---- alert list --------------------------------------------------------------------------


async def test_list_without_alerts_suggests_one_and_shows_the_catalogue(
    cmd: CommandHarness,
) -> None:
    lines = await listing(cmd)
    assert "No alerts yet. Try `/pulse alert add weldpulse.realtime > 50`." in lines
    named = [line.split("`")[1] for line in lines if line.startswith("`")]
    assert named == list(CATALOGUE)
    assert "Windows and durations look like 30m, 1h, 6h, 1d." in lines


async def test_list_shows_each_alerts_state(cmd: CommandHarness) -> None:
    await run(cmd, "alert add weldpulse.realtime > 50 --in <#C0OPS>")
    await run(cmd, "alert add weldpulse.bounce_rate >= 70 --over 6h --for 30m")
    await run(cmd, "alert add weldpulse.visitors < 10")
    await cmd.store.alerts.update_alert_state(1, state="firing", last_value=120.0)
    await cmd.alerts.snooze(cmd.team, 1, CREATOR, timedelta(hours=2))
    await cmd.store.alerts.update_alert_state(2, state="pending", last_value=71.25)
    await cmd.alerts.mute(cmd.team, 3, CREATOR)
    message = await answer(cmd, "alert list", CREATOR, admin=False)
    assert table(message) == [
        ["#", "Condition", "Channel", "State", "Last value", "Notes", "By"],
        [
            "#1",
            "weldpulse.realtime > 50",
            "#C0OPS",
            "firing",
            "120",
            "snoozed until 23 Nov 17:30",
            f"@{CREATOR}",
        ],
        [
            "#2",
            "weldpulse.bounce_rate >= 70.0% over 6h",
            "#C0TEST",
            "pending",
            "71.2%",
            "for 30m",
            "—",
        ],
        ["#3", "weldpulse.visitors < 10 over 1h", "#C0TEST", "ok", "—", "muted", f"@{CREATOR}"],
    ]
    assert message.text == "3 alerts, 1 firing"
    lines = await listing(cmd)
    assert "`weldpulse.realtime` — visitors on the site in the last 5 minutes (now)" in lines


async def test_list_is_this_workspaces_only(cmd: CommandHarness) -> None:
    await cmd.store.alerts.add(
        Team("T0ELSEWHERE"),
        metric="weldpulse.realtime",
        op=">",
        value=1,
        over_seconds=0,
        channel_id="C0THEIRS",
        created_by="U0THEM",
    )
    lines = await listing(cmd)
    assert any(line.startswith("No alerts yet") for line in lines)
    assert not any("C0THEIRS" in line for line in lines)


# ---- alert remove / snooze: who may ------------------------------------------------------


async def test_creator_removes_their_alert(cmd: CommandHarness) -> None:
    await run(cmd, "alert add weldpulse.realtime > 50")
    assert await run(cmd, "alert remove 1") == "Alert #1 removed."
    assert await stored(cmd) == []
    assert await audited(cmd) == [(CREATOR, "alert.add"), (CREATOR, "alert.remove")]


async def test_admin_removes_someone_elses_alert(cmd: CommandHarness) -> None:
    await run(cmd, "alert add weldpulse.realtime > 50")
    assert await run(cmd, "alert remove #1", ADMIN, admin=True) == "Alert #1 removed."
    assert (await audited(cmd))[-1] == (ADMIN, "alert.remove")


@pytest.mark.parametrize("line", ["alert remove 1", "alert snooze 1 2h", "alert snooze 1 0"])
async def test_another_non_admin_may_not_change_it(cmd: CommandHarness, line: str) -> None:
    await run(cmd, "alert add weldpulse.realtime > 50")
    await cmd.alerts.snooze(cmd.team, 1, CREATOR, timedelta(hours=1))
    before = await stored(cmd)
    said = await run(cmd, line, OTHER)
    assert "Only Pulse Bot admins can" in said
    assert "other people's alerts" in said
    assert await stored(cmd) == before
    assert await audited(cmd) == [
        (CREATOR, "alert.add"),
        (CREATOR, "alert.snooze"),
        (OTHER, "permission.denied"),  # the attempt
    ]


async def test_creator_snoozes_then_ends_the_snooze(cmd: CommandHarness) -> None:
    await run(cmd, "alert add weldpulse.realtime > 50")
    said = await run(cmd, "alert snooze 1 2h")
    until = NOW + timedelta(hours=2)  # 14:30 UTC is 15:30 Berlin: the reader's zone falls back
    assert said == (
        f"Alert #1 is snoozed until <!date^{int(until.timestamp())}^{{date_short_pretty}} "
        "{time}|Mon 23 Nov 17:30 CET>."
    )
    assert (await stored(cmd))[0].snoozed_until == until
    assert await run(cmd, "alert snooze 1 0") == "Alert #1 is no longer snoozed."
    assert (await stored(cmd))[0].snoozed_until is None
    assert await audited(cmd) == [
        (CREATOR, "alert.add"),
        (CREATOR, "alert.snooze"),
        (CREATOR, "alert.unsnooze"),
    ]


async def test_admin_snoozes_someone_elses_alert(cmd: CommandHarness) -> None:
    await run(cmd, "alert add weldpulse.realtime > 50")
    assert "snoozed until" in await run(cmd, "alert snooze 1 1d", ADMIN, admin=True)
    assert (await stored(cmd))[0].snoozed_until == NOW + timedelta(days=1)
    assert (await audited(cmd))[-1] == (ADMIN, "alert.snooze")


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("alert remove", "Give the alert's number"),
        ("alert remove one", "Give the alert's number"),
        ("alert remove 1 2", "Give the alert's number"),
        ("alert remove 9", "There is no alert #9 in this workspace."),
        ("alert snooze 1", "Give the alert's number and how long"),
        ("alert snooze 9 1h", "There is no alert #9 in this workspace."),
        ("alert snooze 1 forever", "`forever` is not a duration"),
        ("alert snooze 1 31d", "`DURATION` must be between 0 and 30d"),
    ],
    ids=[
        "remove-nothing",
        "remove-word",
        "remove-two",
        "remove-unknown",
        "snooze-no-length",
        "snooze-unknown",
        "snooze-bad-length",
        "snooze-too-long",
    ],
)
async def test_remove_and_snooze_refusals(cmd: CommandHarness, line: str, fragment: str) -> None:
    await run(cmd, "alert add weldpulse.realtime > 50")
    assert fragment in await run(cmd, line)
    assert (await stored(cmd))[0].snoozed_until is None
    assert await audited(cmd) == [(CREATOR, "alert.add")]


async def test_another_workspaces_alert_cannot_be_reached(cmd: CommandHarness) -> None:
    theirs = await cmd.store.alerts.add(
        Team("T0ELSEWHERE"),
        metric="weldpulse.realtime",
        op=">",
        value=1,
        over_seconds=0,
        channel_id="C0THEIRS",
        created_by="U0THEM",
    )
    for line in (f"alert remove {theirs.id}", f"alert snooze {theirs.id} 1h"):
        said = await run(cmd, line, ADMIN, admin=True)
        assert f"There is no alert #{theirs.id} in this workspace." in said
    assert await cmd.store.alerts.get(Team("T0ELSEWHERE"), theirs.id) == theirs


# ---- alert mute / unmute ------------------------------------------------------------------


async def test_mute_and_unmute_are_said_stored_and_audited(cmd: CommandHarness) -> None:
    await run(cmd, "alert add weldpulse.realtime > 50")
    assert await run(cmd, "alert mute 1") == (
        "Alert #1 is muted: it keeps being checked but posts nothing. "
        "`/pulse alert unmute 1` undoes it."
    )
    assert (await stored(cmd))[0].muted
    assert await run(cmd, "alert unmute #1") == "Alert #1 is no longer muted."
    assert not (await stored(cmd))[0].muted
    assert await run(cmd, "alert unmute 1") == "Alert #1 is not muted."
    assert await audited(cmd) == [
        (CREATOR, "alert.add"),
        (CREATOR, "alert.mute"),
        (CREATOR, "alert.unmute"),
    ]


@pytest.mark.parametrize("line", ["alert mute 1", "alert unmute 1"])
async def test_another_member_may_not_mute_or_unmute(cmd: CommandHarness, line: str) -> None:
    await run(cmd, "alert add weldpulse.realtime > 50")
    await cmd.alerts.mute(cmd.team, 1, CREATOR) if line.endswith("unmute 1") else None
    before = await stored(cmd)
    said = await run(cmd, line, "U0SOMEONE")
    assert said.startswith("Only Pulse Bot admins can")
    assert await stored(cmd) == before


# ---- who snoozed or muted it, said in the firing message ----------------------------------

FIRING_TS = "1700000000.000100"


async def a_firing_alert(cmd: CommandHarness) -> RecordingPoster:
    """Alert #1, firing with its message posted in #C0TEST; the poster its edits go to."""
    await run(cmd, "alert add weldpulse.realtime > 50")
    await cmd.store.alerts.update_alert_state(
        1, state="firing", last_value=120.0, message_ts=FIRING_TS, message_channel="C0TEST"
    )
    poster = cmd.alerts.poster
    assert isinstance(poster, RecordingPoster)
    return poster


def said_in(payload: dict[str, Any]) -> tuple[list[str], list[str]]:
    """An edited alert message: its context lines, and its buttons' action ids."""
    lines = [e["text"] for b in payload["blocks"] if b["type"] == "context" for e in b["elements"]]
    buttons = [
        e["action_id"] for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    return lines, buttons


async def test_mute_and_unmute_say_who_in_the_firing_message(cmd: CommandHarness) -> None:
    poster = await a_firing_alert(cmd)
    await run(cmd, "alert mute 1", ADMIN, admin=True)
    [(channel, ts, muted)] = poster.updates
    assert (channel, ts) == ("C0TEST", FIRING_TS)
    lines, buttons = said_in(muted)
    assert lines[-1] == (
        f":mute: Muted by <@{ADMIN}>: it posts nothing until unmuted (`/pulse alert unmute 1`)."
    )
    assert buttons == [UNMUTE]
    assert muted["text"].startswith("Alert #1 firing: weldpulse.realtime > 50 (now 120)")
    assert (await stored(cmd))[0].muted_by == ADMIN

    await run(cmd, "alert unmute 1")
    lines, buttons = said_in(poster.updates[-1][2])
    assert not any("Muted" in line for line in lines)
    assert buttons == [SNOOZE_1H, SNOOZE_24H, MUTE]
    assert ((await stored(cmd))[0].muted, (await stored(cmd))[0].muted_by) == (False, None)
    assert len(poster.updates) == 2 and poster.posts == []  # edits only: nothing new posted


async def test_snooze_and_its_end_say_who_and_until_when_in_the_firing_message(
    cmd: CommandHarness,
) -> None:
    poster = await a_firing_alert(cmd)
    await run(cmd, "alert snooze 1 1h")
    lines, buttons = said_in(poster.updates[-1][2])
    until = int((NOW + timedelta(hours=1)).timestamp())
    assert lines[-1] == (
        f":zzz: Snoozed by <@{CREATOR}> until "
        f"<!date^{until}^{{date_short_pretty}} {{time}}|Mon 23 Nov 15:30 UTC>."
    )
    assert buttons == [SNOOZE_1H, SNOOZE_24H, MUTE]
    await run(cmd, "alert snooze 1 0")
    lines, _ = said_in(poster.updates[-1][2])
    assert not any("Snoozed" in line for line in lines)
    assert len(poster.updates) == 2


async def test_an_alert_without_a_posted_message_has_nothing_to_edit(cmd: CommandHarness) -> None:
    await run(cmd, "alert add weldpulse.realtime > 50")
    await run(cmd, "alert mute 1")
    await run(cmd, "alert snooze 1 1h")
    poster = cmd.alerts.poster
    assert isinstance(poster, RecordingPoster)
    assert poster.updates == []
