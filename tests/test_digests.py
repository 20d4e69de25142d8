"""Scheduled digests: what one says, each run posted at most once, downtime, Slack's refusals.

Real storage in a file, the real service clients against the simulated services, and the
real `Outbound` against a recording fake of the Slack Web API, all on one `FakeClock`: no
test sleeps, and every instant is written out. Downtime is a restart followed by the
scheduler's first sweep. 2026-11-23 is a Monday; Berlin is on CET (UTC+1) then, so a 09:00
digest runs at 08:00 UTC.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.clients import weldpulse
from bot.clients.pool import ClientPool
from bot.clients.weldpulse import WeldPulseClient
from bot.domain.formatting import change, human
from bot.errors import StorageError
from bot.features.digest_message import compose
from bot.features.digests import Digests
from bot.features.recurrence import Schedule
from bot.features.scheduler import Scheduler
from bot.render.table import rows_of
from bot.render.text import dates_as_text
from bot.sim.demo import DEMO_CREDENTIALS
from bot.sim.server import SimServer
from bot.slack.outbound import Outbound
from bot.store import Secrets, Store, open_database
from bot.store.digests import Digest, ScheduleKind
from bot.team import Team
from tests.fakes.clock import FakeClock
from tests.fakes.slack import Call, FakeSlack, FakeSlackServer

TEAM = Team("T0DIGEST")
CREATOR = "U0CREATOR"
CHANNEL = "C0REPORTS"
CREATED = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # digests are added at 07:00 Berlin
NINE_BERLIN = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Mon 23 Nov 09:00 CET
NEXT_DAY = NINE_BERLIN + timedelta(days=1)


@dataclass
class World:
    path: Path
    key: bytes
    clock: FakeClock
    http: httpx.AsyncClient
    sim: SimServer
    slack: FakeSlackServer
    store: Store
    outbound: Outbound
    digests: Digests
    scheduler: Scheduler

    @classmethod
    def open(
        cls,
        path: Path,
        key: bytes,
        clock: FakeClock,
        http: httpx.AsyncClient,
        sim: SimServer,
        slack: FakeSlackServer,
    ) -> World:
        store = Store(open_database(path), Secrets([key]), clock)
        pool = ClientPool(http, sim.base_urls, clock, store.credentials, store.budgets)

        async def token(team: Team) -> str | None:
            return "xoxb-digests"

        outbound = Outbound(token, clock, api_url=slack.api_url)
        digests = Digests(store, pool, outbound, clock)
        scheduler = Scheduler(store, digests, clock)
        return cls(path, key, clock, http, sim, slack, store, outbound, digests, scheduler)

    async def close(self) -> None:
        await self.scheduler.stop()
        await self.outbound.close()
        self.store.close()

    async def restart(self) -> None:
        """The process stopped: from now on a new Store, pool, Outbound, Digests and
        Scheduler on the same file."""
        await self.close()
        after = World.open(self.path, self.key, self.clock, self.http, self.sim, self.slack)
        self.store, self.outbound = after.store, after.outbound
        self.digests, self.scheduler = after.digests, after.scheduler

    async def sweep(self) -> tuple[int, int]:
        """The scheduler's sweep: (runs posted late, runs skipped)."""
        counts = await self.scheduler.sweep()
        return counts["late"], counts["skipped"]

    async def connect(self, *services: str) -> None:
        for service in services:
            await self.store.credentials.save(TEAM, service, DEMO_CREDENTIALS[service], CREATOR)

    async def add(
        self,
        kind: ScheduleKind = "daily",
        *,
        hour: int | None = 9,
        minute: int = 0,
        weekday: int | None = None,
        tz: str = "Europe/Berlin",
        services: tuple[str, ...] = (),
        range: str | None = None,
        channel: str = CHANNEL,
    ) -> Digest:
        return await self.digests.add(
            TEAM,
            CREATOR,
            channel_id=channel,
            schedule=Schedule(kind, minute, hour, weekday, ZoneInfo(tz)),
            services=services,
            range=range,
        )

    def posts(self, channel: str = CHANNEL) -> list[Call]:
        return self.slack.state.posts(channel)

    def weldpulse(self) -> WeldPulseClient:
        """A client of our own on the same simulator, to know what the numbers should be."""
        return weldpulse.SPEC.connect(
            self.http,
            credential=DEMO_CREDENTIALS["weldpulse"],
            base_url=self.sim.base_urls["weldpulse"],
            clock=FakeClock(self.clock.now()),
        )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = FakeClock(CREATED)
    async with (
        SimServer(clock=clock) as sim,
        FakeSlackServer(FakeSlack(monotonic=clock.monotonic)) as slack,
        httpx.AsyncClient(timeout=5) as http,
    ):
        w = World.open(tmp_path / "pulse.db", Fernet.generate_key(), clock, http, sim, slack)
        try:
            yield w
        finally:
            await w.close()


def texts(call: Call) -> list[str]:
    """Every text of a posted message's blocks, fields included, in order."""
    found: list[str] = []
    for block in call.args["blocks"]:
        text = block.get("text")
        if isinstance(text, dict):
            found.append(text["text"])
        found += [f["text"] for f in block.get("fields", [])]
        found += [e["text"] for e in block.get("elements", []) if "text" in e]
    return found


def field(call: Call, label: str) -> str:
    wanted = f"*{label}*\n"
    return next(t for t in texts(call) if t.startswith(wanted))


def table_rows(call: Call, title: str) -> list[list[str]]:
    """The rows under the section `title`: the cells of its table block, or — a message
    takes one table block — the lines of its monospace text after the ─── rule."""
    blocks = call.args["blocks"]
    at = next(i for i, b in enumerate(blocks) if b.get("text", {}).get("text") == title)
    under = blocks[at + 1]
    if under["type"] == "table":
        return rows_of(under)[1:]
    lines = under["text"]["text"].removeprefix("```").removesuffix("```").splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("─"))
    return [line.rsplit(maxsplit=1) for line in lines[rule + 1 :]]


def stats_query(sim: SimServer) -> dict[str, list[str]]:
    """The query of the first `/v1/stats` call the simulator received."""
    first = next(r for r in sim.control.requests if r.path == "/v1/stats")
    return parse_qs(first.query)


# ---- what a digest says --------------------------------------------------------------------


async def test_the_weldpulse_numbers_are_the_simulators_for_yesterday(world: World) -> None:
    await world.connect("weldpulse")
    digest = await world.add()
    world.clock.set(NINE_BERLIN)

    result = await world.digests.run(digest.id, NINE_BERLIN)

    assert result.status == "posted"
    [post] = world.posts()
    assert post.args["text"] == "Pulse digest — yesterday: WeldPulse"
    # yesterday in Berlin, asked of WeldPulse in UTC
    start, end = datetime(2026, 11, 21, 23, tzinfo=UTC), datetime(2026, 11, 22, 23, tzinfo=UTC)
    assert texts(post)[:2] == [
        "Pulse digest — yesterday",
        # the period's ends as Slack date tokens: each reader sees them in their own zone
        "yesterday in Europe/Berlin: "
        f"<!date^{int(start.timestamp())}^{{date_short_pretty}} {{time}}|Sun 22 Nov 00:00 CET> – "
        f"<!date^{int(end.timestamp())}^{{date_short_pretty}} {{time}}|Mon 23 Nov 00:00 CET>",
    ]
    own = world.weldpulse()
    now, before = await own.stats(start, end), await own.stats(start - (end - start), start)
    assert now.visitors > 0
    assert field(post, "Visitors") == f"*Visitors*\n{human(now.visitors)}  " + change(
        now.visitors, before.visitors
    )
    assert field(post, "Pageviews").startswith(f"*Pageviews*\n{human(now.pageviews)} ")
    pages = await own.pages(start, end, limit=5)
    referrers = await own.referrers(start, end, limit=5)
    assert (len(pages), len(referrers) > 0) == (5, True)
    assert table_rows(post, "*Top pages*") == [[p.pathname, human(p.visitors)] for p in pages]
    assert [b["type"] for b in post.args["blocks"]].count("table") == 1
    assert table_rows(post, "*Top referrers*") == [
        [r.referrer_source or "(direct)", human(r.visitors)] for r in referrers
    ]
    assert texts(post)[-1] == (
        f"Digest #{digest.id} · every day at 09:00 Europe/Berlin · `/pulse digest list` to manage"
    )
    run = await world.store.digests.get_run(digest.id, NINE_BERLIN)
    assert run is not None
    assert (run.status, run.posted_ts) == ("posted", result.ts)


async def test_a_failing_service_is_one_plain_line_and_the_digest_still_goes(
    world: World,
) -> None:
    await world.connect("weldpulse", "raygun")
    digest = await world.add()
    world.sim.control.fail("raygun", 503)
    world.clock.set(NINE_BERLIN)

    result = await world.digests.run(digest.id, NINE_BERLIN)

    assert result.status == "posted"
    [post] = world.posts()
    assert world.sim.control.count("raygun") > 0
    raygun = [t for t in texts(post) if "Raygun" in t]
    assert len(raygun) == 1
    assert raygun[0].startswith("*Raygun Pulse* — Raygun Pulse is not answering right now (")
    assert raygun[0].endswith("); try again in a few minutes.")
    assert field(post, "Visitors").startswith("*Visitors*\n")  # WeldPulse is still there
    assert post.args["text"] == "Pulse digest — yesterday: WeldPulse, Raygun Pulse"


async def test_a_chosen_service_that_is_not_connected_is_one_plain_line(world: World) -> None:
    await world.connect("weldpulse")
    digest = await world.add(services=("weldpulse", "pulsepro"))
    world.clock.set(NINE_BERLIN)

    result = await world.digests.run(digest.id, NINE_BERLIN)

    assert result.status == "posted"
    [post] = world.posts()
    assert (
        "*PulsePro* — PulsePro is not connected in this workspace. An admin can connect it "
        "with `/pulse connect pulsepro`."
    ) in texts(post)
    assert field(post, "Visitors").startswith("*Visitors*\n")


async def test_with_nothing_connected_the_digest_says_so(world: World) -> None:
    digest = await world.add()
    world.clock.set(NINE_BERLIN)
    assert (await world.digests.run(digest.id, NINE_BERLIN)).status == "posted"
    [post] = world.posts()
    assert "No services are connected" in texts(post)[-1]
    assert world.sim.control.count() == 0


@pytest.mark.parametrize(
    ("kind", "hour", "minute", "weekday", "chosen", "described", "start", "end"),
    [
        pytest.param(
            "daily", 9, 0, None, None,
            "yesterday in Europe/Berlin: Sun 22 Nov 00:00 CET – Mon 23 Nov 00:00 CET",
            "2026-11-21T23:00:00Z", "2026-11-22T23:00:00Z",
            id="daily-yesterday",
        ),
        pytest.param(
            "weekdays", 9, 0, None, None,
            "yesterday in Europe/Berlin: Sun 22 Nov 00:00 CET – Mon 23 Nov 00:00 CET",
            "2026-11-21T23:00:00Z", "2026-11-22T23:00:00Z",
            id="weekdays-yesterday",
        ),
        pytest.param(
            "weekly", 9, 0, 0, None,
            "last week in Europe/Berlin: Mon 16 Nov 00:00 CET – Mon 23 Nov 00:00 CET",
            "2026-11-15T23:00:00Z", "2026-11-22T23:00:00Z",
            id="weekly-last-week",
        ),
        pytest.param(
            "hourly", None, 0, None, None,
            "last 24 hours: Sun 22 Nov 09:00 CET – Mon 23 Nov 09:00 CET",
            "2026-11-22T08:00:00Z", "2026-11-23T08:00:00Z",
            id="hourly-24h",
        ),
        pytest.param(
            "daily", 9, 0, None, "7d",
            "last 7 days: Mon 16 Nov 09:00 CET – Mon 23 Nov 09:00 CET",
            "2026-11-16T08:00:00Z", "2026-11-23T08:00:00Z",
            id="chosen-range-wins",
        ),
    ],
)  # fmt: skip
async def test_the_range_covered_by_default_per_kind(
    world: World,
    kind: ScheduleKind,
    hour: int | None,
    minute: int,
    weekday: int | None,
    chosen: str | None,
    described: str,
    start: str,
    end: str,
) -> None:
    await world.connect("weldpulse")
    digest = await world.add(kind, hour=hour, minute=minute, weekday=weekday, range=chosen)
    world.clock.set(NINE_BERLIN)

    assert (await world.digests.run(digest.id, NINE_BERLIN)).status == "posted"

    [post] = world.posts()
    assert dates_as_text(texts(post)[1]) == described
    query = stats_query(world.sim)
    assert (query["start"], query["end"]) == ([start], [end])


async def test_in_summer_yesterday_is_berlins_summer_day(world: World) -> None:
    await world.connect("weldpulse")
    digest = await world.add()
    summer = datetime(2026, 7, 14, 7, 0, tzinfo=UTC)  # Tue 09:00 CEST
    message = await compose(await world.digests.pool.directory(TEAM), digest, summer)
    assert dates_as_text(message.blocks[1]["elements"][0]["text"]) == (
        "yesterday in Europe/Berlin: Mon 13 Jul 00:00 CEST – Tue 14 Jul 00:00 CEST"
    )
    query = stats_query(world.sim)
    assert (query["start"], query["end"]) == (["2026-07-12T22:00:00Z"], ["2026-07-13T22:00:00Z"])


async def test_preview_posts_nothing_and_claims_nothing(world: World) -> None:
    await world.connect("weldpulse")
    digest = await world.add()
    world.clock.set(NINE_BERLIN)
    message = await world.digests.preview(digest)
    assert message.text == "Pulse digest — yesterday: WeldPulse"
    assert world.slack.state.calls == []
    assert await world.store.digests.get_run(digest.id, NINE_BERLIN) is None


async def test_digests_due_together_asking_the_same_share_one_report(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three digests of the workspace due at 09:00 over yesterday read its credentials
    (and decrypt them) once between them, the one over the last 7 days once more; each
    still says its own number."""
    await world.connect("weldpulse")
    same = [await world.add() for _ in range(3)]
    other = await world.add(range="7d")
    reads: list[Team] = []
    real = world.store.credentials.all_of

    async def counted(team: Team) -> Any:
        reads.append(team)
        return await real(team)

    monkeypatch.setattr(world.store.credentials, "all_of", counted)
    world.clock.set(NINE_BERLIN)
    await world.sweep()
    assert len(reads) == 2
    posts = world.posts()
    assert len(posts) == 4
    footers = sorted(texts(p)[-1].split(" · ")[0] for p in posts)
    assert footers == [f"Digest #{d.number}" for d in (*same, other)]
    headlines = {field(p, "Visitors") for p in posts if "yesterday" in p.args["text"]}
    assert len(headlines) == 1  # the same figures, from the one report


async def composed_ahead(world: World, at: datetime) -> int:
    """Sweep at `at` and let the reports it starts composing ahead finish: the simulator's
    requests so far."""
    world.clock.set(at)
    await world.sweep()
    await asyncio.gather(*world.digests.preparing)
    return len(world.sim.control.requests)


async def test_a_digest_over_a_finished_period_is_composed_ahead_and_posted_on_its_minute(
    world: World,
) -> None:
    """Yesterday's figures are the same at 08:59:40 as at 09:00: the sweep twenty seconds
    before composes the report, the one at 09:00 only posts it — what composing at 09:00
    would have said."""
    await world.connect("weldpulse")
    digest = await world.add()
    asked = await composed_ahead(world, NINE_BERLIN - timedelta(seconds=20))
    assert asked > 0
    assert world.posts() == []

    world.clock.set(NINE_BERLIN)
    await world.sweep()

    assert len(world.sim.control.requests) == asked  # nothing more asked at 09:00
    [post] = world.posts()
    at_nine = await compose(await world.digests.pool.directory(TEAM), digest, NINE_BERLIN)
    assert post.args["blocks"] == at_nine.to_slack()["blocks"]


async def test_a_digest_over_a_period_running_up_to_its_minute_is_composed_on_it(
    world: World,
) -> None:
    await world.connect("weldpulse")
    await world.add(range="24h")
    assert await composed_ahead(world, NINE_BERLIN - timedelta(seconds=20)) == 0

    world.clock.set(NINE_BERLIN)
    await world.sweep()

    [post] = world.posts()
    [first, *_] = [r for r in world.sim.control.requests if r.path == "/v1/stats"]
    assert parse_qs(first.query)["end"] == [NINE_BERLIN.isoformat().replace("+00:00", "Z")]
    assert len(post.args["blocks"]) > 3


async def test_a_report_composed_ahead_that_failed_is_asked_again_at_the_minute(
    world: World,
) -> None:
    await world.connect("weldpulse")
    await world.add()
    world.sim.control.fail("weldpulse", 401, times=1, path="/v1/stats")
    await composed_ahead(world, NINE_BERLIN - timedelta(seconds=20))

    world.clock.set(NINE_BERLIN)
    await world.sweep()

    [post] = world.posts()
    said = texts(post)
    assert any(t.startswith("*Visitors*\n") for t in said)  # figures, not the failure's sentence
    assert not any("WeldPulse* —" in t for t in said)


async def test_a_digest_that_cannot_be_composed_ahead_does_not_stop_the_others(
    world: World,
) -> None:
    await world.connect("weldpulse")
    broken = await world.add()
    await world.store.db.run(
        lambda: world.store.db.execute(
            "UPDATE digests SET tz = 'Nowhere/Atlantis' WHERE id = ?", [broken.id]
        )
    )
    await world.add(channel="C0OTHER")
    assert await composed_ahead(world, NINE_BERLIN - timedelta(seconds=20)) > 0


async def test_a_digest_paused_after_its_report_was_composed_ahead_is_not_posted(
    world: World,
) -> None:
    await world.connect("weldpulse")
    digest = await world.add()
    await composed_ahead(world, NINE_BERLIN - timedelta(seconds=20))
    await world.digests.pause(digest, CREATOR)

    world.clock.set(NINE_BERLIN)
    await world.sweep()

    assert world.posts() == []


# ---- at most once ----------------------------------------------------------------------------


async def test_the_same_run_twice_is_posted_once(world: World) -> None:
    digest = await world.add()
    world.clock.set(NINE_BERLIN)
    first = await world.digests.run(digest.id, NINE_BERLIN)
    second = await world.digests.run(digest.id, NINE_BERLIN)
    assert (first.status, second.status) == ("posted", "duplicate")
    assert len(world.posts()) == 1
    # the next day is another run
    world.clock.set(NEXT_DAY)
    assert (await world.digests.run(digest.id, NEXT_DAY)).status == "posted"
    assert len(world.posts()) == 2


async def test_a_run_claimed_by_a_process_that_died_is_posted_once_after_restart(
    world: World,
) -> None:
    digest = await world.add()
    world.clock.set(NINE_BERLIN)
    assert await world.store.digests.claim_run(digest.id, NINE_BERLIN)  # …and the process died

    world.clock.set(NINE_BERLIN + timedelta(minutes=30))
    await world.restart()
    await world.scheduler.sweep()
    await world.scheduler.sweep()
    await world.restart()
    await world.scheduler.sweep()
    assert (await world.digests.run(digest.id, NINE_BERLIN)).status == "duplicate"

    [post] = world.posts()
    assert "Posted late" in json.dumps(post.args["blocks"])
    run = await world.store.digests.get_run(digest.id, NINE_BERLIN)
    assert run is not None
    assert (run.status, run.posted_ts) == ("posted", world.slack.state.history[CHANNEL][0]["ts"])


async def test_a_post_that_reached_slack_before_the_process_died_is_not_posted_again(
    world: World,
) -> None:
    digest = await world.add()
    world.clock.set(NINE_BERLIN)
    assert await world.store.digests.claim_run(digest.id, NINE_BERLIN)
    await world.store.digests.mark_attempted(digest.id, NINE_BERLIN)
    key = f"digest:{digest.id}:{NINE_BERLIN.isoformat()}"
    earlier = await world.outbound.post(TEAM, CHANNEL, {"text": "the digest"}, key=key)
    assert earlier.ok  # …and the process died before it wrote that down

    world.clock.set(NINE_BERLIN + timedelta(minutes=2))
    await world.restart()
    await world.scheduler.sweep()

    assert len(world.slack.state.history[CHANNEL]) == 1
    run = await world.store.digests.get_run(digest.id, NINE_BERLIN)
    assert run is not None
    assert (run.status, run.posted_ts) == ("posted", earlier.ts)


async def test_a_post_whose_answer_was_lost_is_found_and_not_posted_twice(world: World) -> None:
    digest = await world.add()
    world.clock.set(NINE_BERLIN)
    world.slack.state.lose("chat.postMessage")  # Slack took it, then answered 500

    result = await world.digests.run(digest.id, NINE_BERLIN)

    assert result.status == "posted"
    assert len(world.slack.state.history[CHANNEL]) == 1
    assert len(world.slack.state.called("chat.postMessage")) == 1


async def test_slack_failing_for_a_while_delays_the_digest_but_does_not_lose_it(
    world: World,
) -> None:
    digest = await world.add()
    world.clock.set(NINE_BERLIN)
    world.slack.state.fail(
        "chat.postMessage",
        (500, "internal_error"),
        (200, "internal_error"),
        (429, "ratelimited", {"Retry-After": "7"}),
        (503, "service_unavailable"),
    )

    assert (await world.digests.run(digest.id, NINE_BERLIN)).status == "posted"

    assert len(world.posts()) == 1
    assert 7 in world.clock.slept  # Slack's Retry-After is waited for, not guessed


async def test_a_digest_that_starts_failing_dms_its_creator_once_until_it_works(
    world: World,
) -> None:
    digest = await world.add()
    for day in range(3):
        when = NINE_BERLIN + timedelta(days=day)
        world.clock.set(when)
        world.slack.state.fail("chat.postMessage", *[(500, "internal_error")] * 6)
        assert (await world.digests.run(digest.id, when)).status == "failed"
    dms = [c for c in world.slack.state.posts() if c.args["channel"].startswith("D")]
    assert [c.args["channel"] for c in dms] == [f"D{CREATOR}"]
    assert "could not be posted" in dms[0].args["text"]
    assert "internal_error" in dms[0].args["text"]

    when = NINE_BERLIN + timedelta(days=3)
    world.clock.set(when)
    assert (await world.digests.run(digest.id, when)).status == "posted"
    when += timedelta(days=1)
    world.clock.set(when)
    world.slack.state.fail("chat.postMessage", *[(500, "internal_error")] * 6)
    assert (await world.digests.run(digest.id, when)).status == "failed"
    dms = [c for c in world.slack.state.posts() if c.args["channel"].startswith("D")]
    assert len(dms) == 2  # failing again after a success is news again


async def test_a_run_missed_by_30_minutes_is_posted_once_and_says_it_is_late(
    world: World,
) -> None:
    digest = await world.add()
    world.clock.set(NINE_BERLIN + timedelta(minutes=30))
    await world.restart()

    assert await world.sweep() == (1, 0)
    assert await world.sweep() == (0, 0)

    [post] = world.posts()
    late = int(NINE_BERLIN.timestamp())
    assert texts(post)[-1] == (
        "Posted late: Pulse Bot was not running at "
        f"<!date^{late}^{{date_short_pretty}} {{time}}|Mon 23 Nov 09:00 CET>."
    )
    run = await world.store.digests.get_run(digest.id, NINE_BERLIN)
    assert run is not None
    assert run.status == "posted"


async def test_a_run_missed_by_3_hours_is_skipped_and_recorded(world: World) -> None:
    digest = await world.add()
    world.clock.set(NINE_BERLIN + timedelta(hours=3))
    await world.restart()

    assert await world.sweep() == (0, 1)

    assert world.slack.state.calls == []
    run = await world.store.digests.get_run(digest.id, NINE_BERLIN)
    assert run is not None
    assert (run.status, run.detail) == ("skipped", "missed while the bot was down")
    assert await world.sweep() == (0, 0)


async def test_a_paused_digest_is_not_posted_until_resumed(world: World) -> None:
    digest = await world.add()
    await world.digests.pause(digest, CREATOR)
    world.clock.set(NINE_BERLIN)
    assert (await world.digests.run(digest.id, NINE_BERLIN)).status == "paused"
    world.clock.set(NINE_BERLIN + timedelta(minutes=30))
    assert (await world.scheduler.sweep())["due"] == 0
    assert world.slack.state.calls == []
    assert await world.store.digests.get_run(digest.id, NINE_BERLIN) is None

    await world.digests.resume(await paused(world, digest), CREATOR)
    world.clock.set(NEXT_DAY)
    assert (await world.digests.run(digest.id, NEXT_DAY)).status == "posted"
    assert len(world.posts()) == 1


async def paused(world: World, digest: Digest) -> Digest:
    fresh = await world.store.digests.get(TEAM, digest.id)
    assert fresh is not None
    assert fresh.paused
    return fresh


async def test_a_run_that_fell_while_paused_is_not_posted_after_a_restart(world: World) -> None:
    """Resumed at 09:10, restarted at 09:20: the 09:00 run was not missed by downtime."""
    digest = await world.add()
    await world.digests.pause(digest, CREATOR)
    world.clock.set(NINE_BERLIN + timedelta(minutes=10))
    await world.digests.resume(await paused(world, digest), CREATOR)

    world.clock.set(NINE_BERLIN + timedelta(minutes=20))
    await world.restart()
    assert await world.sweep() == (0, 0)

    assert world.slack.state.calls == []
    run = await world.store.digests.get_run(digest.id, NINE_BERLIN)
    assert run is not None
    assert (run.status, run.detail) == ("skipped", "the digest was paused")
    world.clock.set(NEXT_DAY)
    assert (await world.digests.run(digest.id, NEXT_DAY)).status == "posted"


async def test_resuming_a_digest_that_is_not_paused_skips_nothing(world: World) -> None:
    digest = await world.add()
    world.clock.set(NINE_BERLIN)
    await world.digests.resume(digest, CREATOR)  # e.g. a second `resume` racing the 09:00 sweep
    assert (await world.scheduler.sweep())["posted"] == 1


async def test_a_removed_digest_is_gone(world: World) -> None:
    digest = await world.add()
    await world.digests.remove(digest, CREATOR)
    assert (await world.digests.run(digest.id, NINE_BERLIN)).status == "gone"
    assert world.slack.state.calls == []


# ---- Slack's answers -------------------------------------------------------------------------


def dms(world: World) -> list[Call]:
    return world.slack.state.posts(f"D{CREATOR}")


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("channel_not_found", "the channel no longer exists or the bot cannot see it"),
        ("is_archived", "the channel is archived"),
        # a private channel: joining is refused too, so the bot must be invited
        ("not_in_channel", "the channel is private and the bot has not been invited"),
    ],
)
async def test_a_refused_channel_pauses_the_digest_and_tells_its_creator_once(
    world: World, error: str, reason: str
) -> None:
    digest = await world.add()
    world.slack.state.channel_errors[CHANNEL] = error
    world.clock.set(NINE_BERLIN)

    first = await world.digests.run(digest.id, NINE_BERLIN)

    assert (first.status, first.detail) == ("failed", error)
    assert world.posts() == []
    paused = await world.store.digests.get(TEAM, digest.id)
    assert paused is not None
    assert (paused.paused, paused.paused_reason) == (True, reason)
    [dm] = dms(world)
    assert dm.args["text"] == (
        f"Your Pulse digest #{digest.id} for <#{CHANNEL}> is paused: {reason}. Invite Pulse Bot "
        f"or pick another channel, then `/pulse digest resume {digest.id}`."
    )
    run = await world.store.digests.get_run(digest.id, NINE_BERLIN)
    assert run is not None
    assert (run.status, run.detail) == ("failed", error)
    entry, added = await world.store.audit.list(TEAM)  # newest first
    assert (added.user_id, added.action) == (CREATOR, "digest.add")
    assert (entry.user_id, entry.action) == (None, "digest.paused")
    assert entry.detail == {"digest": digest.id, "reason": error}

    # the next scheduled time finds it paused and says nothing at all
    calls = len(world.slack.state.calls)
    world.clock.set(NEXT_DAY)
    assert (await world.digests.run(digest.id, NEXT_DAY)).status == "paused"
    assert len(world.slack.state.calls) == calls
    assert len(dms(world)) == 1


async def test_a_revoked_token_pauses_without_a_dm(world: World) -> None:
    digest = await world.add()
    original = world.slack.state.answer

    def answer(method: str, args: Any, token: str | None) -> tuple[int, dict[str, Any], Any]:
        return original(method, args, "xoxb-revoked")

    world.slack.state.answer = answer  # type: ignore[method-assign]
    world.clock.set(NINE_BERLIN)
    assert (await world.digests.run(digest.id, NINE_BERLIN)).detail == "token_revoked"
    paused = await world.store.digests.get(TEAM, digest.id)
    assert paused is not None
    assert (paused.paused, paused.paused_reason) == (
        True,
        "Slack no longer accepts the bot's token",
    )
    assert world.slack.state.called("conversations.open") == []


async def test_not_in_a_public_channel_joins_then_posts(world: World) -> None:
    digest = await world.add()
    state = world.slack.state
    original = state.answer

    def answer(method: str, args: Any, token: str | None) -> tuple[int, dict[str, Any], Any]:
        if method == "chat.postMessage" and not state.called("conversations.join"):
            return 200, {"ok": False, "error": "not_in_channel"}, {}
        return original(method, args, token)

    state.answer = answer  # type: ignore[method-assign]
    world.clock.set(NINE_BERLIN)

    result = await world.digests.run(digest.id, NINE_BERLIN)

    assert result.status == "posted"
    assert [c.args["channel"] for c in state.called("conversations.join")] == [CHANNEL]
    [post] = world.posts()
    assert texts(post)[0] == "Pulse digest — yesterday"
    fresh = await world.store.digests.get(TEAM, digest.id)
    assert fresh is not None
    assert not fresh.paused
    assert dms(world) == []


async def test_a_workspace_that_refuses_table_blocks_gets_the_digest_with_text_tables(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await world.connect("weldpulse")
    digest = await world.add(services=("weldpulse",))
    world.clock.set(NINE_BERLIN)
    world.slack.state.refused_types = {"table"}

    assert (await world.digests.run(digest.id, NINE_BERLIN)).status == "posted"

    [post] = world.posts()
    kinds = [b["type"] for b in post.args["blocks"]]
    assert "table" not in kinds
    pages = await world.weldpulse().pages(
        datetime(2026, 11, 21, 23, tzinfo=UTC), datetime(2026, 11, 22, 23, tzinfo=UTC), limit=5
    )
    assert pages[0].pathname in json.dumps(post.args["blocks"])  # the rows, as text
    assert [r.message for r in caplog.records if "refused" in r.message] == [
        f"Slack refused table blocks in {TEAM.key}/{CHANNEL} (invalid_blocks); sending them as text"
    ]


async def test_a_run_the_database_could_not_record_is_posted_when_storage_is_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = await world.add()
    world.clock.set(NINE_BERLIN)

    async def full_disk(*args: object, **kwargs: object) -> bool:
        raise StorageError("database or disk is full")

    with monkeypatch.context() as patched:
        patched.setattr(world.store.digests, "claim_run", full_disk)
        counts = await world.scheduler.sweep()
    assert (counts["due"], counts["posted"]) == (1, 0)
    assert world.posts() == []

    world.clock.advance(60)  # the next sweep, the disk has room again
    await world.scheduler.sweep()
    assert len(world.posts()) == 1
    run = await world.store.digests.get_run(digest.id, NINE_BERLIN)
    assert run is not None and run.status == "posted"
