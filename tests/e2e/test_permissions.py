"""Who may do what, and where the bot may post, over real HTTP (PRODUCT §5 and §7).

The real app with the simulated services behind it and the fake Slack in front: a member
cannot write to the company's Pulsetracker account nor run someone else's digest, every
refusal says who may and is audited as an attempt; a digest or alert is refused at once
for a channel the bot cannot post to (a private one it is not in, an archived or a
missing one), and a public channel it is not in is joined; `admins add` takes only a
person Slack knows, and `admins` lists the three kinds of admin.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.sim.demo import DEMO_CREDENTIALS
from bot.sim.server import SimServer
from bot.team import Team
from tests.e2e.harness import PulseHarness, e2e_settings, start_harness, stop_harness
from tests.fakes.slack import FakeChannel, FakeSlackServer

TEAM = Team("T0000001")
ANA = "U0ANA"  # a member: adds digests
BEN = "U0BEN"  # another member
BOSS = "U0BOSS"  # a workspace admin, as Slack says
OPERATOR = "U0OPERATOR"  # in PULSEBOT_ADMINS
INVITE = "invite me with `/invite @Pulse Bot`"
ADMINS_ARE = (
    "workspace admins and owners, people in PULSEBOT_ADMINS (set by the operator) and "
    "people added with `/pulse admins add @someone`; `/pulse admins` lists them"
)


@pytest.fixture
async def h(
    database_url: str, slack: FakeSlackServer, sim: SimServer
) -> AsyncIterator[PulseHarness]:
    urls = {f"{s.upper()}_BASE_URL": url for s, url in sim.base_urls.items()}
    settings = e2e_settings(
        database_url,
        slack,
        SLACK_BOT_TOKEN="xoxb-single-workspace-token",
        PULSEBOT_ADMINS=OPERATOR,
        **urls,
    )
    harness, runner = await start_harness(settings, slack)
    harness.sim = sim
    slack.state.users[BOSS] = {"is_admin": True}
    for service in ("weldpulse", "pulsetracker"):
        creds = dict(DEMO_CREDENTIALS[service])
        await harness.runtime.store.credentials.save(TEAM, service, creds, BOSS)
    try:
        yield harness
    finally:
        await stop_harness(harness, runner)


async def said(h: PulseHarness, line: str, user: str, channel: str = "C0GENERAL") -> str:
    """What `user` reads after typing `/pulse LINE` in `channel`."""
    _, rid = await h.command(line, user_id=user, channel_id=channel)
    answer: dict[str, Any] = await h.response(rid)
    assert answer["response_type"] == "ephemeral"
    return str(answer["text"])


async def audited(h: PulseHarness) -> list[tuple[str | None, str, dict[str, Any]]]:
    """(who, what, detail), oldest first."""
    return [
        (e.user_id, e.action, e.detail) for e in reversed(await h.runtime.store.audit.list(TEAM))
    ]


# ---- writing to the company's Pulsetracker account ---------------------------------------


@pytest.mark.parametrize(
    ("line", "command", "action", "method"),
    [
        ('apps create "Night shift"', "apps create", "create Pulsetracker apps", "POST"),
        ("apps rename app_9f2c1a Renamed", "apps rename", "rename Pulsetracker apps", "PUT"),
    ],
    ids=["create", "rename"],
)
async def test_a_member_may_not_create_or_rename_apps(
    h: PulseHarness, line: str, command: str, action: str, method: str
) -> None:
    assert h.sim is not None
    before = h.sim.control.count("pulsetracker", method=method)

    text = await said(h, line, ANA)

    assert text == f"Only Pulse Bot admins can {action}: {ADMINS_ARE}."
    assert h.sim.control.count("pulsetracker", method=method) == before, "the account is untouched"
    assert await audited(h) == [(ANA, "permission.denied", {"command": command, "refused": action})]


async def test_each_kind_of_admin_may_create_apps(h: PulseHarness) -> None:
    await h.runtime.store.admins.add(TEAM, "U0FRIEND", BOSS)
    for who, name in ((BOSS, "By boss"), (OPERATOR, "By operator"), ("U0FRIEND", "By friend")):
        assert (await said(h, f"apps create {name}", who)).startswith(
            f"Created the Pulsetracker app {name} with key "
        )
    assert [a[:2] for a in await audited(h)] == [
        (BOSS, "pulsetracker.apps.create"),
        (OPERATOR, "pulsetracker.apps.create"),
        ("U0FRIEND", "pulsetracker.apps.create"),
    ]


# ---- digests: run belongs to the creator and admins --------------------------------------


async def test_someone_elses_digest_cannot_be_run_by_a_member(h: PulseHarness) -> None:
    added = await said(h, "digest add <#C0OPS|ops> daily 09:00 UTC", ANA)
    assert added.startswith("Digest #1 added.")

    text = await said(h, "digest run 1", BEN)

    assert text == (
        f"Only the digest's creator (<@{ANA}>) or a Pulse Bot admin can run digest #1. "
        f"Pulse Bot admins are {ADMINS_ARE}."
    )
    assert h.slack.state.posts() == [], "nothing was posted"
    assert (await audited(h))[-1] == (
        BEN,
        "permission.denied",
        {"command": "digest run", "refused": "run digest #1"},
    )
    # its creator and an admin may
    assert await said(h, "digest run 1", ANA) == "Digest #1 posted to <#C0OPS>."
    assert len(h.slack.state.posts("C0OPS")) == 1


# ---- where digests and alerts may post ------------------------------------------------


REFUSED = {
    "private": f"I can't see <#C0SECRET>: it no longer exists, or it is private and I'm not "
    f"in it. If it is private, {INVITE} there and try again.",
    "archived": "<#C0OLD> is archived, so nothing can be posted there; pick another channel.",
    "missing": f"I can't see <#C0GONE>: it no longer exists, or it is private and I'm not in "
    f"it. If it is private, {INVITE} there and try again.",
}
CHANNELS = {"private": "C0SECRET", "archived": "C0OLD", "missing": "C0GONE"}


def the_world(h: PulseHarness) -> None:
    """A private channel the bot is not in, an archived one, and one that is gone."""
    state = h.slack.state
    state.channels["C0SECRET"] = FakeChannel(private=True, member=False)
    state.channels["C0OLD"] = FakeChannel(archived=True)
    state.no_such_channels.add("C0GONE")


@pytest.mark.parametrize("kind", ["private", "archived", "missing"])
@pytest.mark.parametrize(
    "line",
    [
        "digest add <#{channel}|x> weekdays 09:00",
        "alert add weldpulse.realtime > 50 --in <#{channel}|x>",
    ],
    ids=["digest", "alert"],
)
async def test_a_channel_the_bot_cannot_post_to_is_refused_at_once(
    h: PulseHarness, line: str, kind: str
) -> None:
    the_world(h)
    channel = CHANNELS[kind]

    text = await said(h, line.format(channel=channel), ANA)

    assert text == REFUSED[kind]
    assert await h.runtime.store.digests.list(TEAM) == []
    assert await h.runtime.store.alerts.list(TEAM) == []
    assert await audited(h) == []
    assert h.slack.state.posts() == []
    asked = h.slack.state.called("conversations.info")
    assert [c.args["channel"] for c in asked] == [channel]
    assert h.slack.state.called("conversations.join") == []


@pytest.mark.parametrize(
    "line",
    ["digest add here weekdays 09:00", "alert add weldpulse.realtime > 50"],
    ids=["digest", "alert"],
)
async def test_here_in_a_private_channel_the_bot_is_not_in_is_refused(
    h: PulseHarness, line: str
) -> None:
    h.slack.state.channels["G0PRIVATE"] = FakeChannel(private=True, member=False)
    text = await said(h, line, ANA, channel="G0PRIVATE")
    assert text == f"I'm not in this channel, so I can't post here: {INVITE} and try again."
    assert await h.runtime.store.digests.list(TEAM) == []
    assert await h.runtime.store.alerts.list(TEAM) == []


async def test_here_in_a_dm_between_people_is_refused(h: PulseHarness) -> None:
    h.slack.state.channels["D0ANABEN"] = FakeChannel(im=True, member=False)
    text = await said(h, "digest add here weekdays 09:00", ANA, channel="D0ANABEN")
    assert text == (
        "I can't post into this conversation: apps can't join direct messages between "
        "people. Name a channel instead, e.g. `#team`."
    )
    assert await h.runtime.store.digests.list(TEAM) == []


async def test_a_public_channel_the_bot_is_not_in_is_joined_and_the_digest_added(
    h: PulseHarness,
) -> None:
    h.slack.state.channels["C0PUBLIC"] = FakeChannel(member=False)

    text = await said(h, "digest add <#C0PUBLIC|public> weekdays 09:00 UTC", ANA)

    assert text.startswith("Digest #1 added.\n*#1* → <#C0PUBLIC>")
    assert text.endswith("\nI joined <#C0PUBLIC> to post there.")
    [join] = h.slack.state.called("conversations.join")
    assert join.ok and join.args["channel"] == "C0PUBLIC"
    assert h.slack.state.channels["C0PUBLIC"].member
    digest = await h.runtime.store.digests.numbered(TEAM, 1)
    assert digest is not None and digest.channel_id == "C0PUBLIC"
    assert await said(h, "digest run 1", ANA) == "Digest #1 posted to <#C0PUBLIC>."
    # the next one asks again and finds the bot there: nothing more to join
    added = await said(h, "alert add weldpulse.realtime > 50 --in <#C0PUBLIC|public>", ANA)
    assert "I joined" not in added
    assert len(h.slack.state.called("conversations.join")) == 1


@pytest.mark.parametrize(
    ("failure", "why"),
    [
        (
            (200, "missing_scope"),
            "this installation lacks a permission it needs; reinstalling Pulse Bot grants it",
        ),
        ((503, "service_unavailable"), "Slack answered `service_unavailable`"),
    ],
    ids=["missing-scope", "slack-failing"],
)
async def test_when_slack_cannot_say_the_digest_is_added_and_the_caller_told(
    h: PulseHarness, failure: tuple[int, str], why: str
) -> None:
    h.slack.state.fail("conversations.info", failure)

    text = await said(h, "digest add <#C0OPS|ops> weekdays 09:00 UTC", ANA)

    assert text.startswith("Digest #1 added.")
    assert text.endswith(
        f"\nI could not check that I can post into <#C0OPS> ({why}); if I can't, the first "
        "post will fail and say why."
    )
    assert await h.runtime.store.digests.numbered(TEAM, 1) is not None


# ---- admins ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "refusal"),
    [
        ("UNOTAUSER123", "`UNOTAUSER123` is not a member of this workspace: mention them with @."),
        ("U0HELPBOT", "<@U0HELPBOT> is an app, not a person: apps can't be Pulse Bot admins."),
        ("U0LEFTOVER", "<@U0LEFTOVER>'s account is deactivated, so they can't be an admin."),
    ],
    ids=["unknown", "bot", "deactivated"],
)
async def test_admins_add_takes_only_a_person_slack_knows(
    h: PulseHarness, user: str, refusal: str
) -> None:
    state = h.slack.state
    state.no_such_users.add("UNOTAUSER123")
    state.users["U0HELPBOT"] = {"is_bot": True}
    state.users["U0LEFTOVER"] = {"deleted": True}

    text = await said(h, f"admins add {user}", BOSS)

    assert text == f"{refusal}\nUsage: `/pulse admins add @USER`"
    assert await h.runtime.store.admins.list(TEAM) == []
    assert await audited(h) == []
    assert [c.args["user"] for c in state.called("users.info") if c.args["user"] == user] == [user]


async def test_admins_lists_the_three_kinds(h: PulseHarness) -> None:
    state = h.slack.state
    for n in range(450):  # three pages of members; the owner is on the last
        state.users[f"U1{n:05d}"] = {}
    state.users["U100449"] = {"is_owner": True, "is_admin": True}
    state.users["U0GONEADMIN"] = {"is_admin": True, "deleted": True}
    state.users["U0ADMINBOT"] = {"is_admin": True, "is_bot": True}
    assert "is now a Pulse Bot admin" in await said(h, "admins add <@U0FRIEND|friend>", BOSS)

    text = await said(h, "admins", ANA)

    assert text == (
        "*Pulse Bot admins*\n\n"
        "*Workspace admins and owners*\n• <@U0BOSS>\n• <@U100449>\n\n"
        f"*In PULSEBOT_ADMINS (set by the operator)*\n• <@{OPERATOR}>\n\n"
        "*Added with `/pulse admins add`*\n• <@U0FRIEND> (added by <@U0BOSS>)"
    )
    pages = state.called("users.list")
    assert len(pages) == 3 and all(p.ok for p in pages)
    assert [p.args.get("cursor") for p in pages] == [None, "next:200", "next:400"]
