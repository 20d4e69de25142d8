"""What the running app does while nobody types, over real HTTP: digests and alerts.

The app runs with its real scheduler on an injected `FakeClock`. A digest created by slash
command for the next minute is posted once with the simulator's numbers when the clock is
moved to that minute and the scheduler sweeps; an alert on weldpulse.realtime fires when
the simulator's traffic is raised and resolves at the first evaluation after it is
lowered, with no time passing on the clock. Nothing sleeps to show
that something did not happen: a later sweep or evaluation round that has returned does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiohttp import web

from bot.clients import weldpulse
from bot.domain.formatting import human
from bot.domain.periods import parse_range
from bot.sim.demo import DEMO_CREDENTIALS
from bot.sim.server import SimServer
from bot.team import Team
from tests.e2e.harness import PulseHarness, e2e_settings, start_harness, stop_harness
from tests.fakes.clock import FakeClock
from tests.fakes.slack import FakeSlackServer

TEAM = Team("T0000001")
KEY = DEMO_CREDENTIALS["weldpulse"]


async def _start(
    database_url: str,
    slack: FakeSlackServer,
    sim: SimServer,
    clock: FakeClock | None = None,
    **env: str,
) -> tuple[PulseHarness, web.AppRunner]:
    urls = {f"{s.upper()}_BASE_URL": url for s, url in sim.base_urls.items()}
    settings = e2e_settings(
        database_url, slack, SLACK_BOT_TOKEN="xoxb-single-workspace-token", **urls, **env
    )
    h, runner = await start_harness(settings, slack, clock)
    h.sim = sim
    await h.runtime.store.credentials.save(TEAM, "weldpulse", dict(KEY), "U0BOSS")
    return h, runner


async def stored_message_ts(h: PulseHarness) -> str:
    """The firing message's ts, once the evaluator has saved it."""
    for _ in range(50):
        alert = await h.runtime.store.alerts.get(TEAM, 1)
        if alert is not None and alert.message_ts:
            return alert.message_ts
        await asyncio.sleep(0.1)
    raise AssertionError("the firing message was never recorded")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 8, 59, 30, tzinfo=UTC))


@pytest.fixture
async def running(
    database_url: str, slack: FakeSlackServer, sim: SimServer, clock: FakeClock
) -> AsyncIterator[PulseHarness]:
    h, runner = await _start(database_url, slack, sim, clock)
    try:
        yield h
    finally:
        await stop_harness(h, runner)


async def test_digest_for_the_next_minute_is_posted_once_with_sim_numbers(
    running: PulseHarness, sim: SimServer, clock: FakeClock
) -> None:
    h = running
    scheduler = h.runtime.scheduler
    assert scheduler is not None
    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the minute after the fake clock's
    _, rid = await h.command(
        f"digest add here daily {at:%H:%M} UTC --services weldpulse", channel_id="C0DIGEST"
    )
    confirmation = await h.response(rid)
    assert confirmation["response_type"] == "ephemeral"
    assert "Digest #1 added" in confirmation["text"]
    state = h.slack.state
    assert (await scheduler.sweep())["posted"] == 0  # 08:59:30: not yet
    assert state.posts("C0DIGEST") == []

    clock.set(at + timedelta(seconds=2))
    await scheduler.sweep()  # should the `sweep` job be sweeping too, this waits for it
    posts = state.posts("C0DIGEST")
    assert len(posts) == 1
    clock.advance(5)
    assert await scheduler.sweep() == {"active": 1, "due": 0, "posted": 0, "late": 0, "skipped": 0}
    assert state.posts("C0DIGEST") == posts
    # the numbers are the simulator's for yesterday (UTC)
    period = parse_range("yesterday", at, ZoneInfo("UTC"))
    async with httpx.AsyncClient() as http:
        client = weldpulse.SPEC.connect(http, credential=KEY, base_url=sim.base_urls["weldpulse"])
        stats = await client.stats(period.start, period.end)
    fields = str(posts[0].args["blocks"])
    assert f"*Visitors*\\n{human(stats.visitors)}" in fields
    run = await h.runtime.store.digests.get_run(1, at)
    assert run is not None and run.status == "posted"


async def test_alert_fires_on_raised_traffic_and_resolves_at_the_first_good_evaluation(
    database_url: str, slack: FakeSlackServer, sim: SimServer
) -> None:
    clock = FakeClock(datetime.now(UTC))
    h, runner = await _start(database_url, slack, sim, clock, PULSEBOT_ALERT_INTERVAL="1")
    try:
        sim.control.set_traffic(0.0001)
        _, rid = await h.command("alert add weldpulse.realtime > 40 --in <#C0ALERTS|alerts>")
        assert "Alert #1 added" in (await h.response(rid))["text"]
        state = h.slack.state
        for _ in range(2):  # two evaluation rounds at low traffic: nothing posted
            assert await h.runtime.alerts.evaluate_all() == {"evaluated": 1, "posted": 0}
        assert state.posts("C0ALERTS") == []

        sim.control.set_traffic(1000)
        await state.wait_for(lambda: len(state.posts("C0ALERTS")) == 1, timeout=10)
        fired = state.posts("C0ALERTS")[0]
        assert "weldpulse.realtime > 40" in fired.args["text"]
        buttons = [
            e["action_id"]
            for b in fired.args["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
        ]
        assert buttons == ["alert_snooze_1h", "alert_snooze_24h", "alert_mute"]

        firing_ts = await stored_message_ts(h)
        fired_at = clock.now()
        sim.control.set_traffic(0.0001)  # the clock stays put: no clear-for window to wait out
        await state.wait_for(lambda: len(state.called("chat.update")) == 1, timeout=10)
        update = state.called("chat.update")[0]
        assert (update.args["channel"], update.args["ts"]) == ("C0ALERTS", firing_ts)
        assert "Resolved" in str(update.args["blocks"])
        await state.wait_for(
            lambda: any(p.args.get("thread_ts") == firing_ts for p in state.posts()), 10
        )
        for _ in range(50):  # the new state is saved right after the messages are sent
            alert = await h.runtime.store.alerts.get(TEAM, 1)
            if alert is not None and alert.state == "ok":
                break
            await asyncio.sleep(0.1)
        assert alert is not None and alert.state == "ok" and alert.message_ts is None
        assert alert.state_since - fired_at < timedelta(seconds=30)  # pacing sleeps only
        assert [p.args["text"] for p in state.posts() if p.args.get("thread_ts")] == [
            "Resolved: now 0."
        ]
        firing_posts = [p for p in state.posts("C0ALERTS") if "thread_ts" not in p.args]
        assert len(firing_posts) == 1
    finally:
        await stop_harness(h, runner)
