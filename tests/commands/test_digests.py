"""`/pulse digest …`: add, list, pause, resume, remove, preview and run.

Through the same router, dispatcher and error handler as Slack, with a real `Digests`
posting through the real `Outbound` to a recording fake of the Slack Web API and the
service clients reading the simulated services. The harness's clock stands at Monday
23 Nov 2026 14:30 UTC (15:30 in Berlin, 09:30 in New York).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.features.digests import Digests
from bot.features.recurrence import Schedule
from bot.render.message import Message
from bot.sim.demo import DEMO_CREDENTIALS
from bot.sim.server import SimServer
from bot.slack.outbound import Outbound
from bot.store.digests import Digest
from bot.team import Team
from commands import dispatch
from commands.context import ChannelCheck, ChannelState
from tests.commands.harness import CommandHarness, make_harness, table
from tests.fakes.clock import FakeClock
from tests.fakes.slack import Call, FakeSlackServer

ANA = "U0ANA"  # adds the digests; not an admin
BEN = "U0BEN"  # another member; not an admin
ADMIN = "U0ADMIN"
UTC_ZONE = ZoneInfo("UTC")
ADD_USAGE = "Usage: `/pulse digest add CHANNEL SCHEDULE [TZ] [--services a,b] [--range R]`"


@dataclass
class Env:
    cmd: CommandHarness
    slack: FakeSlackServer
    digests: Digests

    async def run(self, line: str, user: str = ANA) -> Message:
        """`/pulse LINE` from `user`; only ADMIN is a Pulse Bot admin."""
        self.cmd.admin = user == ADMIN
        return await dispatch.answer(self.cmd.router, line, await self.cmd.context(user_id=user))

    async def digest(self, number: int) -> Digest | None:
        return await self.cmd.store.digests.numbered(self.cmd.team, number)

    async def audit(self) -> list[tuple[str | None, str, dict[str, object]]]:
        """(who, what, detail), oldest first."""
        entries = await self.cmd.store.audit.list(TEAM)
        return [(e.user_id, e.action, e.detail) for e in reversed(entries)]

    def posts(self, channel: str) -> list[Call]:
        return self.slack.state.posts(channel)


TEAM = Team("T0TEST01")


def shown(message: Message) -> list[str]:
    """The texts of the message's blocks, as Slack receives them (mrkdwn)."""
    out: list[str] = []
    for block in message.to_slack()["blocks"]:
        if isinstance(block.get("text"), dict):
            out.append(block["text"]["text"])
        out += [f["text"] for f in block.get("fields", [])]
        out += [e["text"] for e in block.get("elements", []) if "text" in e]
    return out


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    async with (
        SimServer() as sim,
        FakeSlackServer() as slack,
        httpx.AsyncClient(timeout=5) as http,
    ):

        async def token(team: Team) -> str | None:
            return "xoxb-commands"

        outbounds: list[Outbound] = []

        def outbound(clock: FakeClock) -> Outbound:
            outbounds.append(Outbound(token, clock, api_url=slack.api_url))
            return outbounds[0]

        cmd = make_harness(tmp_path, http, sim.base_urls, poster=outbound)
        try:
            assert cmd.team == TEAM
            yield Env(cmd, slack, cmd.digests)
        finally:
            await outbounds[0].close()
            cmd.store.close()


# ---- add ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "channel", "channel_shown"),
    [
        ("<#C123>", "C123", "<#C123>"),
        ("<#C0ABC|general>", "C0ABC", "<#C0ABC>"),  # as Slack escapes a mention
        ("#marketing", "#marketing", "#marketing"),
        ("here", "C0TEST", "<#C0TEST>"),  # the channel the command was typed in
    ],
    ids=["mention", "escaped-mention", "name", "here"],
)
async def test_add_posts_to_the_channel_named(
    env: Env, where: str, channel: str, channel_shown: str
) -> None:
    message = await env.run(f"digest add {where} weekdays 09:00")

    assert not message.public
    assert message.text == (
        "Digest #1 added.\n"
        f"*#1* → {channel_shown} · every weekday at 09:00 Europe/Berlin · all connected services · "
        "range yesterday\n"
        "next: Tue 24 Nov 09:00 CET"
    )
    digest = await env.digest(1)
    assert digest is not None
    assert (digest.channel_id, digest.schedule_kind, digest.hour, digest.minute) == (
        channel,
        "weekdays",
        9,
        0,
    )
    assert (digest.tz, digest.created_by, digest.services, digest.range) == (
        "Europe/Berlin",
        ANA,
        (),
        None,
    )
    assert digest.next_run_at == datetime(2026, 11, 24, 8, tzinfo=UTC)  # what the sweep reads
    assert await env.audit() == [(ANA, "digest.add", {"digest": 1, "channel": channel})]
    assert env.slack.state.calls == []  # the channel hears nothing of it


async def test_add_with_a_zone_services_and_a_range(env: Env) -> None:
    message = await env.run(
        "digest add #ops weekly fri 16:45 America/New_York --services weldpulse,raygun --range 7d"
    )

    assert not message.public
    assert message.text == (
        "Digest #1 added.\n"
        "*#1* → #ops · every Friday at 16:45 America/New_York · WeldPulse, Raygun Pulse"
        " · range 7d\n"
        "next: Fri 27 Nov 16:45 EST\n"
        "Raygun Pulse: 1 run a day, about 3 raygun calls a day of 50."
    )
    digest = await env.digest(1)
    assert digest is not None
    assert (digest.schedule_kind, digest.weekday, digest.hour, digest.minute, digest.tz) == (
        "weekly",
        4,
        16,
        45,
        "America/New_York",
    )
    assert (digest.services, digest.range) == (("weldpulse", "raygun"), "7d")


RAYGUN_SHARE = (
    "and alerts and digests together may use at most 30 of Raygun Pulse's 50 daily calls "
    "(leaving 20 for people)"
)


async def test_a_digest_with_raygun_counts_against_its_50_calls_a_day(env: Env) -> None:
    for service in ("weldpulse", "raygun"):
        await env.cmd.connect(service, dict(DEMO_CREDENTIALS[service]))
    # hourly: 24 runs of an authentication and two session totals, more than the day has
    refused = (await env.run("digest add #ops hourly :05")).text
    assert refused.startswith(
        f"This digest would cost 72 Raygun Pulse calls a day, {RAYGUN_SHARE}; no other alert "
        "or digest uses any yet. Make it daily, weekdays or weekly, or leave Raygun Pulse out "
        "with `--services weldpulse`."
    )
    assert await env.digest(1) is None and env.cmd.checked == []  # the channel was not joined
    without = await env.run("digest add #ops hourly :05 --services weldpulse")
    assert without.text.startswith("Digest #1 added.") and "raygun calls" not in without.text
    daily = await env.run("digest add #ops daily 08:00")
    assert daily.text.endswith("\nRaygun Pulse: 1 run a day, about 3 raygun calls a day of 50.")
    # alerts and digests share the one budget: 3 + an alert's 24 + a weekly digest's 3 = 30
    alert = await env.run("alert add raygun.sessions > 100")
    assert "about 24 raygun calls a day of 50" in alert.text
    assert (await env.run("digest add #ops weekly mon 07:00")).text.startswith("Digest #3 added.")
    full = (await env.run("digest add #ops weekdays 09:00")).text
    assert full.startswith(
        f"This digest would cost 3 Raygun Pulse calls a day, {RAYGUN_SHARE}; this account's "
        "alerts and digests already use 30. Remove a Raygun Pulse alert or digest first."
    )
    second_alert = (await env.run("alert add raygun.sessions < 1")).text
    assert "this account's alerts and digests already use 30" in second_alert
    assert len(await env.cmd.store.digests.list(TEAM)) == 3


async def test_add_hourly_in_utc(env: Env) -> None:
    message = await env.run("digest add here hourly :05 UTC")
    assert message.text.endswith(
        "every hour at :05 UTC · all connected services · range 24h\nnext: Mon 23 Nov 15:05 UTC"
    )


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("digest add", "Say where and when: a channel, then `daily HH:MM`"),
        ("digest add #ops", "Say where and when: a channel, then `daily HH:MM`"),
        ("digest add #ops daily", "A daily schedule needs a time, e.g. `daily 09:00`."),
        ("digest add #ops Europe/Berlin", "Say when to post."),
        ("digest add #ops weekly 09:00", "A weekly schedule needs a day and a time"),
        ("digest add #ops fortnightly 09:00", "`fortnightly` is not a schedule."),
        ("digest add #ops daily 25:00", "`25:00` is not a time of day"),
        ("digest add #ops daily 9am", "`9am` is not a time of day"),
        ("digest add #ops weekly someday 09:00", "`someday` is not a day of the week"),
        ("digest add #ops hourly :75", "`:75` is not a minute past the hour"),
        ("digest add #ops daily 09:00 Berlin", "I don't know what `Berlin` means here."),
        (
            "digest add #ops daily 09:00 Mars/Olympus_Mons",
            "`Mars/Olympus_Mons` is not a time zone I know (try e.g. Europe/Berlin).",
        ),
        ("digest add ops daily 09:00", "`ops` is not a channel: use #channel or `here`."),
        (
            "digest add #ops daily 09:00 --services weldpulse,slack",
            "`--services` takes a comma-separated list of weldpulse, raygun, whatpulse, "
            "pulsetracker, pulsepro.",
        ),
        ("digest add #ops daily 09:00 --services ,", "`--services` takes a comma-separated"),
        ("digest add #ops daily 09:00 --range fortnight", "`fortnight` is not a range I know."),
        ("digest add #ops daily 09:00 --every 2", "This command does not take `--every`."),
        ("digest add #ops daily 09:00 --public", "shown to you only"),
    ],
    ids=[
        "no-words",
        "no-schedule",
        "no-time",
        "only-a-zone",
        "weekly-without-day",
        "unknown-kind",
        "bad-hour",
        "am-pm",
        "bad-day",
        "bad-minute",
        "zone-without-region",
        "unknown-zone",
        "bad-channel",
        "unknown-service",
        "empty-services",
        "bad-range",
        "unknown-option",
        "public",
    ],
)
async def test_add_says_what_is_wrong_and_shows_the_usage(
    env: Env, line: str, fragment: str
) -> None:
    message = await env.run(line)

    assert not message.public
    assert fragment in message.text
    assert message.text.endswith(ADD_USAGE)
    assert await env.cmd.store.digests.list(TEAM) == []
    assert await env.audit() == []
    assert env.cmd.checked == [], "a wrong line asks Slack nothing (and joins nothing)"


INVITE = "invite me with `/invite @Pulse Bot`"


@pytest.mark.parametrize(
    ("where", "channel", "state", "said"),
    [
        (
            "<#C0PRIV|secret>",
            "C0PRIV",
            "private",
            f"I'm not in <#C0PRIV>, a private channel: {INVITE} there and try again.",
        ),
        (
            "<#C0OLD>",
            "C0OLD",
            "archived",
            "<#C0OLD> is archived, so nothing can be posted there; pick another channel.",
        ),
        (
            "<#C0GONE>",
            "C0GONE",
            "missing",
            "I can't see <#C0GONE>: it no longer exists, or it is private and I'm not in it. "
            f"If it is private, {INVITE} there and try again.",
        ),
        (
            "#nowhere",
            "#nowhere",
            "missing",
            f"I can't find #nowhere. Pick the channel from the list as you type `#`; if it is "
            f"private, {INVITE} there first.",
        ),
        (
            "here",
            "C0TEST",
            "missing",
            f"I'm not in this channel, so I can't post here: {INVITE} and try again.",
        ),
    ],
    ids=["private", "archived", "missing", "missing-name", "here-not-in"],
)
async def test_add_refuses_a_channel_the_bot_cannot_post_to(
    env: Env, where: str, channel: str, state: ChannelState, said: str
) -> None:
    """Checked when the digest is added, not at its first run (PRODUCT §5)."""
    env.cmd.channels[channel] = ChannelCheck(state)

    message = await env.run(f"digest add {where} weekdays 09:00")

    assert not message.public
    assert message.text == said
    assert env.cmd.checked == [channel]
    assert await env.cmd.store.digests.list(TEAM) == []
    assert await env.audit() == []


@pytest.mark.parametrize(
    ("check", "note"),
    [
        (ChannelCheck("joined"), "I joined <#C0PUB> to post there."),
        (
            ChannelCheck("unchecked", "Slack could not be reached"),
            "I could not check that I can post into <#C0PUB> (Slack could not be reached); "
            "if I can't, the first post will fail and say why.",
        ),
    ],
    ids=["joined", "unchecked"],
)
async def test_add_says_it_joined_or_could_not_check(
    env: Env, check: ChannelCheck, note: str
) -> None:
    env.cmd.channels["C0PUB"] = check

    message = await env.run("digest add <#C0PUB> weekdays 09:00")

    assert message.text.startswith("Digest #1 added.\n")
    assert message.text.endswith(f"\n{note}")
    digest = await env.digest(1)
    assert digest is not None and digest.channel_id == "C0PUB"


# ---- list --------------------------------------------------------------------------------


async def test_list_shows_each_next_run_in_the_digests_own_zone(env: Env) -> None:
    assert "No digests yet" in (await env.run("digest list")).text
    await env.run("digest add #ops daily 08:30 America/New_York")
    await env.run("digest add #marketing weekly mon 09:00 Asia/Tokyo --services weldpulse")
    await env.run("digest add here hourly :15 --range 7d")
    await env.run("digest pause 3")

    message = await env.run("digest list", user=BEN)

    assert not message.public
    assert shown(message) == ["Digests", "Times are in each digest's own zone."]
    assert table(message) == [
        ["#", "Channel", "Schedule", "Services", "Range", "Next run"],
        [
            "#1",
            "#ops",
            "every day at 08:30 America/New_York",
            "all connected services",
            "yesterday",
            "Tue 24 Nov 08:30 EST",
        ],
        [
            "#2",
            "#marketing",
            "every Monday at 09:00 Asia/Tokyo",
            "WeldPulse",
            "last-week",
            "Mon 30 Nov 09:00 JST",
        ],
        [
            "#3",
            "#C0TEST",  # a channel ID: Slack shows the channel's name
            "every hour at :15 Europe/Berlin",
            "all connected services",
            "7d",
            "paused",
        ],
    ]
    assert message.text == "3 digests, 1 paused"


# ---- pause, resume, remove ---------------------------------------------------------------


@pytest.mark.parametrize("who", [ANA, ADMIN], ids=["creator", "admin"])
async def test_pause_resume_and_remove_by_the_creator_or_an_admin(env: Env, who: str) -> None:
    await env.run("digest add #ops daily 09:00")

    paused = await env.run("digest pause 1", user=who)
    assert not paused.public
    assert paused.text.startswith("Digest #1 paused.\n*#1* → #ops · every day at 09:00")
    assert paused.text.endswith("\n_paused_")
    digest = await env.digest(1)
    assert digest is not None
    assert digest.paused

    resumed = await env.run("digest resume #1", user=who)
    assert not resumed.public
    assert resumed.text.endswith("\nnext: Tue 24 Nov 09:00 CET")
    digest = await env.digest(1)
    assert digest is not None
    assert not digest.paused

    removed = await env.run("digest remove 1", user=who)
    assert not removed.public
    assert removed.text == "Digest #1 removed."
    assert await env.digest(1) is None

    assert [a[:2] for a in await env.audit()] == [
        (ANA, "digest.add"),
        (who, "digest.pause"),
        (who, "digest.resume"),
        (who, "digest.remove"),
    ]
    assert [a[2] for a in (await env.audit())[1:]] == [{"digest": 1}] * 3
    assert env.slack.state.calls == []


async def test_resume_starts_again_from_the_next_scheduled_time(env: Env) -> None:
    await env.run("digest add #ops daily 15:00")
    await env.run("digest pause 1")
    env.cmd.clock.advance(24 * 3600)  # Tue 15:30 in Berlin: 15:00 passed while paused

    resumed = await env.run("digest resume 1")

    assert resumed.text.endswith("\nnext: Wed 25 Nov 15:00 CET")
    digest = await env.digest(1)
    assert digest is not None
    assert digest.next_run_at == datetime(2026, 11, 25, 14, tzinfo=UTC)
    missed = await env.cmd.store.digests.get_run(1, datetime(2026, 11, 24, 14, tzinfo=UTC))
    assert missed is not None
    assert (missed.status, missed.detail) == ("skipped", "the digest was paused")
    assert env.slack.state.calls == []


@pytest.mark.parametrize(
    ("line", "action"),
    [
        ("digest pause 1", "pause digest #1"),
        ("digest resume 1", "resume digest #1"),
        ("digest remove 1", "remove digest #1"),
        ("digest run 1", "run digest #1"),
    ],
    ids=["pause", "resume", "remove", "run"],
)
async def test_another_member_may_not_change_someone_elses_digest(
    env: Env, line: str, action: str
) -> None:
    await env.run("digest add #ops daily 09:00")
    before = await env.digest(1)

    message = await env.run(line, user=BEN)

    assert not message.public
    assert message.text.startswith(
        f"Only the digest's creator (<@{ANA}>) or a Pulse Bot admin can {action}. "
        "Pulse Bot admins are workspace admins and owners, people in PULSEBOT_ADMINS"
    )
    assert await env.digest(1) == before
    assert env.slack.state.posts() == []
    assert await env.audit() == [
        (ANA, "digest.add", {"digest": 1, "channel": "#ops"}),
        (BEN, "permission.denied", {"command": line.rsplit(" ", 1)[0], "refused": action}),
    ]


async def test_resuming_clears_the_reason_slack_gave(env: Env) -> None:
    await env.run("digest add #ops daily 09:00")
    await env.cmd.store.digests.set_paused(TEAM, 1, True, reason="the channel is archived")
    listed = table(await env.run("digest list"))
    assert listed[1][-1] == "paused: the channel is archived"

    await env.run("digest resume 1")

    digest = await env.digest(1)
    assert digest is not None
    assert (digest.paused, digest.paused_reason) == (False, None)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("digest pause", "Give the digest's number, as shown by `/pulse digest list`."),
        ("digest resume one", "Give the digest's number"),
        ("digest remove 1 2", "Give the digest's number"),
        ("digest remove 7", "There is no digest #7 in this workspace."),
        ("digest pause 1 --public", "shown to you only"),
        ("digest remove 1 --public", "shown to you only"),
    ],
    ids=["missing", "not-a-number", "two", "unknown", "public-pause", "public-remove"],
)
async def test_changes_need_one_known_digest(env: Env, line: str, fragment: str) -> None:
    await env.run("digest add #ops daily 09:00")
    message = await env.run(line)
    assert not message.public
    assert fragment in message.text
    digest = await env.digest(1)
    assert digest is not None
    assert not digest.paused
    assert [a[1] for a in await env.audit()] == ["digest.add"]


async def test_another_workspaces_digest_is_not_there(env: Env) -> None:
    await env.digests.add(
        Team("T0OTHER"), ANA, channel_id="C9", schedule=Schedule("daily", 0, 9, None, UTC_ZONE)
    )
    refused = await env.run("digest remove 1", user=ADMIN)
    assert "There is no digest #1 in this workspace." in refused.text
    assert (await env.run("digest list")).text.startswith("No digests yet")


async def test_a_workspaces_first_digest_is_number_one(env: Env) -> None:
    """Numbers are per workspace: they say nothing about how many other workspaces have."""
    for _ in range(3):
        await env.digests.add(
            Team("T0OTHER"), ANA, channel_id="C9", schedule=Schedule("daily", 0, 9, None, UTC_ZONE)
        )
    added = await env.run("digest add <#C123> daily 09:00")
    assert added.text.startswith("Digest #1 added.")
    assert [row[0] for row in table(await env.run("digest list"))[1:]] == ["#1"]
    removed = await env.run("digest remove 1", user=ANA)
    assert removed.text == "Digest #1 removed."
    assert len(await env.cmd.store.digests.list(Team("T0OTHER"))) == 3


# ---- preview and run ---------------------------------------------------------------------


async def test_preview_is_shown_to_the_caller_only(env: Env) -> None:
    await env.cmd.connect("weldpulse", DEMO_CREDENTIALS["weldpulse"])
    await env.run("digest add <#C123> daily 09:00")

    message = await env.run("digest preview 1", user=BEN)

    assert not message.public
    texts = shown(message)
    assert texts[:3] == [
        "Pulse digest — yesterday",
        "yesterday in Europe/Berlin: "  # Slack dates: each reader sees their own zone
        "<!date^1795302000^{date_short_pretty} {time}|Sun 22 Nov 00:00 CET> – "
        "<!date^1795388400^{date_short_pretty} {time}|Mon 23 Nov 00:00 CET>",
        "*WeldPulse*",
    ]
    assert texts[3].startswith("*Visitors*\n")
    assert any(t.startswith("*Top pages*") for t in texts)
    assert env.slack.state.calls == []
    assert "shown to you only" in (await env.run("digest preview 1 --public")).text


async def test_a_digest_says_what_its_changes_compare_with(env: Env) -> None:
    await env.cmd.connect("weldpulse", DEMO_CREDENTIALS["weldpulse"])
    await env.run("digest add <#C123> daily 09:00")  # yesterday: Sun 22 Nov in Berlin
    texts = shown(await env.run("digest preview 1", user=BEN))
    [versus] = [t for t in texts if t.startswith("▲/▼ against ")]
    assert versus.startswith("▲/▼ against the day before")
    assert "Sat 21 Nov 00:00" in versus and "Sun 22 Nov 00:00" in versus


async def test_run_posts_once_into_the_channel_now(env: Env) -> None:
    await env.cmd.connect("weldpulse", DEMO_CREDENTIALS["weldpulse"])
    await env.run("digest add <#C123> daily 09:00")

    message = await env.run("digest run 1", user=ANA)

    assert not message.public
    assert message.text == "Digest #1 posted to <#C123>."
    [post] = env.posts("C123")
    assert post.args["text"] == "Pulse digest — yesterday: WeldPulse"
    assert env.slack.state.posts() == [post]
    assert (await env.audit())[-1] == (ANA, "digest.run", {"digest": 1, "status": "posted"})
    # the same instant cannot be posted twice; a later one can
    again = await env.run("digest run 1")
    assert again.text == "Digest #1 was not posted: duplicate."
    env.cmd.clock.advance(60)
    await env.run("digest run 1")
    assert len(env.posts("C123")) == 2


async def test_run_into_a_lost_channel_says_so_and_pauses(env: Env) -> None:
    await env.run("digest add <#C0GONE> daily 09:00")
    env.slack.state.channel_errors["C0GONE"] = "channel_not_found"

    message = await env.run("digest run 1")

    assert not message.public
    assert message.text == "Digest #1 was not posted: channel_not_found."
    digest = await env.digest(1)
    assert digest is not None
    assert digest.paused
    assert env.posts("C0GONE") == []
