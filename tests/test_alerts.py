"""Threshold alerts end to end below Slack's HTTP edge: the simulated services answer, the
recording fake Slack receives, and one FakeClock drives the alerts, the posting and both
fakes. Time passes only when a test advances the clock and runs an evaluation round.

What is checked is what people in the channel would see (messages, threads, edits) and
what survives in SQLite; the state machine's own rules are tested in
`tests/test_alert_machine.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.clients import weldpulse
from bot.clients.pool import ClientPool
from bot.domain.formatting import human
from bot.features.alert_messages import MUTE, SNOOZE_1H, SNOOZE_24H, UNMUTE
from bot.features.alerts import Alerts
from bot.features.poster import Posted
from bot.render.text import dates_as_text
from bot.sim.demo import DEMO_CREDENTIALS
from bot.sim.server import SimServer
from bot.slack.outbound import Outbound
from bot.store import Secrets, Store
from bot.store.alerts import Alert, Op
from bot.store.opening import open_database
from bot.team import Team
from tests.fakes.clock import FakeClock
from tests.fakes.slack import Call, FakeSlack, FakeSlackServer

TEAM = Team("T0ALERTS")
CHANNEL = "C0ALERTS"
CREATOR = "U0BOSS"
THRESHOLD = 50.0  # realtime visitors: 0 at traffic 0, about 200 at traffic 10
HIGH, LOW = 10.0, 0.0
MINUTE = 60.0
HOUR = 3600.0


class Gate(httpx.AsyncBaseTransport):
    """The real HTTP transport, with a gate a test can close to hold requests in flight:
    `closed()` holds the next requests until the `async with` block ends."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._open = asyncio.Event()
        self._open.set()
        self.waiting = asyncio.Event()
        self.held = 0  # requests waiting at the closed gate
        self.arrived = asyncio.Event()  # set as each one arrives there

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._open.is_set():
            self.waiting.set()
            self.held += 1
            self.arrived.set()
            await self._open.wait()
            self.held -= 1
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

    @contextlib.asynccontextmanager
    async def closed(self) -> AsyncIterator[None]:
        self._open.clear()
        self.waiting.clear()
        try:
            yield
        finally:
            self._open.set()


@dataclass
class World:
    clock: FakeClock
    sim: SimServer
    slack: FakeSlackServer
    gate: Gate
    http: httpx.AsyncClient
    path: Path
    secrets: Secrets
    store: Store
    outbound: Outbound
    alerts: Alerts

    @property
    def state(self) -> FakeSlack:
        return self.slack.state

    async def add(
        self,
        op: Op = ">",
        value: float = THRESHOLD,
        *,
        for_seconds: int = 0,
        keep_firing_seconds: int = 0,
    ) -> Alert:
        return await self.store.alerts.add(
            TEAM,
            metric="weldpulse.realtime",
            op=op,
            value=value,
            over_seconds=0,
            for_seconds=for_seconds,
            keep_firing_seconds=keep_firing_seconds,
            channel_id=CHANNEL,
            created_by=CREATOR,
        )

    async def alert(self, alert_id: int = 1) -> Alert:
        found = await self.store.alerts.get(TEAM, alert_id)
        assert found is not None
        return found

    def traffic(self, multiplier: float) -> None:
        self.sim.control.set_traffic(multiplier)

    async def tick(self, seconds: float = MINUTE) -> dict[str, int]:
        """Let `seconds` pass, then run one evaluation round."""
        self.clock.advance(seconds)
        return await self.alerts.evaluate_all()

    async def realtime_now(self) -> int:
        """What the simulator says right now, read independently of the alerts."""
        client = weldpulse.SPEC.connect(
            self.http,
            credential=DEMO_CREDENTIALS["weldpulse"],
            base_url=self.sim.base_urls["weldpulse"],
            clock=self.clock,
        )
        return (await client.realtime(fresh=True)).current_visitors

    async def restart(self) -> None:
        """A new process on the same database file: new store, pool, poster and alerts."""
        await self.outbound.close()
        self.store.close()
        self.store = Store(open_database(self.path), self.secrets, self.clock)
        self.outbound = outbound_to(self.slack, self.clock)
        self.alerts = alerts_of(self.store, self.http, self.sim, self.outbound, self.clock)

    def top_level(self) -> list[Call]:
        return [c for c in self.state.posts(CHANNEL) if "thread_ts" not in c.args]

    def replies(self, ts: str) -> list[Call]:
        return [c for c in self.state.posts(CHANNEL) if c.args.get("thread_ts") == ts]


def outbound_to(slack: FakeSlackServer, clock: FakeClock) -> Outbound:
    async def token(team: Team) -> str | None:
        return "xoxb-alerts" if team == TEAM else None

    return Outbound(token, clock, api_url=slack.api_url)


def alerts_of(
    store: Store, http: httpx.AsyncClient, sim: SimServer, outbound: Outbound, clock: FakeClock
) -> Alerts:
    pool = ClientPool(http, sim.base_urls, clock, store.credentials, store.budgets)
    return Alerts(store, pool, outbound, clock, interval=MINUTE)


@pytest.fixture
async def world(tmp_path: Path, clock: FakeClock) -> AsyncIterator[World]:
    path = tmp_path / "pulse.db"
    secrets = Secrets([Fernet.generate_key()])
    gate = Gate()
    async with (
        SimServer(clock=clock) as sim,
        FakeSlackServer(FakeSlack(monotonic=clock.monotonic)) as slack,
        httpx.AsyncClient(transport=gate) as http,
    ):
        store = Store(open_database(path), secrets, clock)
        await store.credentials.save(
            TEAM, "weldpulse", dict(DEMO_CREDENTIALS["weldpulse"]), CREATOR
        )
        sim.control.set_traffic(LOW)
        outbound = outbound_to(slack, clock)
        alerts = alerts_of(store, http, sim, outbound, clock)
        made = World(clock, sim, slack, gate, http, path, secrets, store, outbound, alerts)
        try:
            yield made
        finally:
            await made.outbound.close()
            made.store.close()


def plain(call: Call) -> str:
    """What a person reads, date tokens shown as their fallback (UTC for alerts)."""
    return dates_as_text(shown(call))


def buttons(call: Call) -> list[dict[str, Any]]:
    return [e for b in call.args.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def shown(call: Call) -> str:
    """Everything a person reads in a message: fallback text and every block's text."""
    parts = [str(call.args.get("text", ""))]
    for block in call.args.get("blocks", []):
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(str(text.get("text", "")))
        for element in block.get("elements", []):
            inner = element.get("text")
            parts.append(str(inner.get("text", "") if isinstance(inner, dict) else inner or ""))
    return "\n".join(parts)


# ---- firing, quiet while firing, the reminder, recovery ---------------------------------


async def test_fires_once_with_value_threshold_and_buttons_then_stays_quiet(world: World) -> None:
    alert = await world.add()
    assert (await world.tick()) == {"evaluated": 1, "posted": 0}
    assert world.state.posts() == []
    assert (await world.alert()).state == "ok"

    world.traffic(HIGH)
    assert (await world.tick())["posted"] == 1
    value = await world.realtime_now()
    assert value > THRESHOLD
    [fired] = world.state.posts()
    assert fired.args["channel"] == CHANNEL
    assert "thread_ts" not in fired.args
    text = shown(fired)
    assert f"weldpulse.realtime > {human(THRESHOLD)}" in text
    assert f"now *{human(value)}*" in text
    assert f"(threshold {human(THRESHOLD)})" in text
    assert f"set by <@{CREATOR}>" in text
    assert [(b["text"]["text"], b["action_id"], b["value"]) for b in buttons(fired)] == [
        ("Snooze 1h", SNOOZE_1H, str(alert.id)),
        ("Snooze 24h", SNOOZE_24H, str(alert.id)),
        ("Mute", MUTE, str(alert.id)),
    ]
    stored = await world.alert()
    assert stored.state == "firing"
    assert stored.message_ts is not None
    assert stored.message_channel == CHANNEL
    assert stored.last_value == value

    # still above the threshold a minute later: nothing more is said
    assert (await world.tick())["posted"] == 0
    assert len(world.state.posts()) == 1
    assert world.state.called("chat.update") == []


async def test_reminder_after_4_hours_in_the_thread_then_recovery_edits_and_threads(
    world: World,
) -> None:
    await world.add()
    world.traffic(HIGH)
    await world.tick()
    ts = (await world.alert()).message_ts
    assert ts is not None

    for _ in range(3):  # evaluations through the next four hours say nothing
        await world.tick(HOUR - MINUTE)
        await world.tick()
    assert len(world.state.posts()) == 1
    assert world.clock.now() - (await world.alert()).state_since == timedelta(hours=3)
    await world.tick(HOUR - MINUTE)  # 3h59m: still nothing
    assert len(world.state.posts()) == 1
    # exactly four hours after the firing message: a reminder, in its thread
    assert (await world.tick())["posted"] == 1
    [reminder] = world.replies(ts)
    assert reminder.args["text"].startswith("Still firing after 4h: weldpulse.realtime > 50")
    assert len(world.top_level()) == 1

    # traffic drops: resolved at the first evaluation that sees it
    world.traffic(LOW)
    assert (await world.tick())["posted"] == 1

    [edit] = world.state.called("chat.update")
    assert (edit.args["channel"], edit.args["ts"]) == (CHANNEL, ts)
    assert "Resolved" in shown(edit)
    assert buttons(edit) == []
    replies = world.replies(ts)
    assert len(replies) == 2
    assert replies[-1].args["text"] == "Resolved: now 0."
    assert len(world.top_level()) == 1
    stored = await world.alert()
    assert (stored.state, stored.message_ts) == ("ok", None)


async def test_a_firing_alert_resolves_at_the_first_good_evaluation(world: World) -> None:
    await world.add()
    world.traffic(HIGH)
    await world.tick()
    ts = (await world.alert()).message_ts
    assert ts is not None

    world.traffic(LOW)
    resolved = int((world.clock.now() + timedelta(minutes=1)).timestamp())
    assert (await world.tick()) == {"evaluated": 1, "posted": 1}  # 12:02, a minute later

    [edit] = world.state.called("chat.update")
    assert (edit.args["channel"], edit.args["ts"]) == (CHANNEL, ts)
    assert buttons(edit) == []
    assert f"resolved <!date^{resolved}^{{date_short_pretty}} {{time}}|" in shown(edit)
    assert "Alert #1 · resolved Mon 23 Nov 12:02 UTC" in plain(edit)
    assert [r.args["text"] for r in world.replies(ts)] == ["Resolved: now 0."]
    assert len(world.top_level()) == 1
    stored = await world.alert()
    assert (stored.state, stored.message_ts, stored.clear_since) == ("ok", None, None)


async def test_keep_firing_keeps_it_firing_until_false_that_long(world: World) -> None:
    await world.add(keep_firing_seconds=600)
    world.traffic(HIGH)
    await world.tick()
    world.traffic(LOW)
    first_false = world.clock.now() + timedelta(minutes=1)
    for _ in range(10):  # false at 12:02 … 12:11: less than 10 minutes since 12:02
        assert (await world.tick())["posted"] == 0
        assert (await world.alert()).state == "firing"
    assert (await world.alert()).clear_since == first_false
    assert world.state.called("chat.update") == []
    assert (await world.tick())["posted"] == 1  # 12:12: false for 10 minutes
    assert len(world.state.called("chat.update")) == 1
    assert (await world.alert()).state == "ok"


async def test_for_keeps_the_alert_pending_until_the_condition_has_held_that_long(
    world: World,
) -> None:
    await world.add(for_seconds=600)
    world.traffic(HIGH)
    await world.tick()
    for _ in range(9):
        assert (await world.alert()).state == "pending"
        await world.tick()
    assert world.state.posts() == []
    assert (await world.alert()).state == "pending"
    assert (await world.tick())["posted"] == 1  # ten minutes of holding
    assert (await world.alert()).state == "firing"
    assert len(world.state.posts()) == 1


async def test_a_dip_while_pending_starts_the_wait_again(world: World) -> None:
    await world.add(for_seconds=600)
    world.traffic(HIGH)
    for _ in range(8):
        await world.tick()
    world.traffic(LOW)
    await world.tick()
    assert (await world.alert()).state == "ok"
    world.traffic(HIGH)
    for _ in range(10):
        await world.tick()
    assert world.state.posts() == []
    assert (await world.tick())["posted"] == 1


async def test_flapping_every_minute_fires_and_resolves_once_per_4_hours(world: World) -> None:
    await world.add()
    started = world.clock.now()
    at: list[timedelta] = []
    for minute in range(4 * 60 + 30):
        world.traffic(HIGH if minute % 2 == 0 else LOW)
        if (await world.tick())["posted"]:
            at.append(world.clock.now() - started)
    # a fire and its resolve a minute later; then nothing until 4 hours after that post
    # (no rise holds for 5 minutes), when the next rise fires and resolves again
    assert [round(t / timedelta(minutes=1)) for t in at] == [1, 2, 4 * 60 + 3, 4 * 60 + 4]
    assert len(world.top_level()) == 2
    assert len(world.state.called("chat.update")) == 2


# ---- upstream failures -------------------------------------------------------------------


async def test_unknown_after_3_failures_said_once_and_back_said_once(world: World) -> None:
    await world.add()
    await world.tick()
    world.sim.control.fail("weldpulse", 500, times=4, path="/v1/realtime")
    for _ in range(2):
        assert (await world.tick())["posted"] == 0
    assert (await world.alert()).state == "ok"
    assert (await world.tick())["posted"] == 1
    [unknown] = world.state.posts()
    assert unknown.args["channel"] == CHANNEL
    assert "cannot be checked" in unknown.args["text"]
    assert "failed 3 times in a row" in unknown.args["text"]
    assert DEMO_CREDENTIALS["weldpulse"]["api_key"] not in unknown.args["text"]
    assert ((await world.alert()).state, (await world.alert()).consecutive_failures) == (
        "unknown",
        3,
    )

    assert (await world.tick())["posted"] == 0  # the 4th failure says nothing
    assert (await world.alert()).consecutive_failures == 4

    assert (await world.tick())["posted"] == 1  # the simulator answers again
    assert world.state.posts()[-1].args["text"] == (
        "Alert #1 (weldpulse.realtime > 50) can be checked again."
    )
    assert (await world.tick())["posted"] == 0
    assert len(world.state.posts()) == 2
    assert (await world.alert()).state == "ok"
    assert world.sim.control.count("weldpulse", "/v1/realtime") == 7


async def test_a_firing_alert_that_cannot_be_checked_still_resolves_its_message(
    world: World,
) -> None:
    await world.add()
    world.traffic(HIGH)
    await world.tick()
    ts = (await world.alert()).message_ts
    world.sim.control.fail("weldpulse", 500, times=3, path="/v1/realtime")
    for _ in range(3):
        await world.tick()
    assert (await world.alert()).state == "unknown"
    world.traffic(LOW)
    await world.tick()  # back: said once; the condition no longer holds
    await world.tick(6 * MINUTE)
    [edit] = world.state.called("chat.update")
    assert edit.args["ts"] == ts
    texts = [c.args["text"] for c in world.state.posts()]
    assert sum("cannot be checked" in t for t in texts) == 1
    assert sum(t.endswith(") can be checked again.") for t in texts) == 1
    assert texts[-1] == "Resolved: now 0."


# ---- persistence, sharing, posting trouble ----------------------------------------------


async def test_a_restart_while_firing_does_not_fire_again(world: World) -> None:
    await world.add()
    world.traffic(HIGH)
    await world.tick()
    ts = (await world.alert()).message_ts

    await world.restart()
    assert ((await world.alert()).state, (await world.alert()).message_ts) == ("firing", ts)
    for _ in range(3):
        assert (await world.tick())["posted"] == 0
    assert len(world.state.posts()) == 1
    # the reminder clock survived too, and recovery still edits the original message
    await world.tick(4 * HOUR - 3 * MINUTE)
    assert [c.args.get("thread_ts") for c in world.state.posts()] == [None, ts]
    world.traffic(LOW)
    await world.tick(6 * MINUTE)
    assert [c.args["ts"] for c in world.state.called("chat.update")] == [ts]


async def test_alerts_on_the_same_metric_share_one_reading(world: World) -> None:
    await world.add(">", THRESHOLD)
    await world.add(">=", 2 * THRESHOLD)
    await world.add("<", 1)
    world.sim.control.reset_requests()
    assert (await world.tick())["evaluated"] == 3
    assert world.sim.control.count("weldpulse", "/v1/realtime") == 1
    assert [a.state for a in await world.store.alerts.list(TEAM)] == ["ok", "ok", "firing"]
    assert [c.args["text"].split(":")[0] for c in world.state.posts()] == ["Alert #3 firing"]


async def test_a_round_over_many_workspaces_takes_turns(world: World) -> None:
    """Thousands of workspaces' alerts are evaluated a few groups at a time: a round
    queues instead of starting every reading at once (10,000 workspaces had 20,000 tasks
    contend for the database, and hardly any reading was finished)."""
    teams = [Team(f"T0TURN{n}") for n in range(5)]
    for team in teams:
        await world.store.credentials.save(
            team, "weldpulse", dict(DEMO_CREDENTIALS["weldpulse"]), CREATOR
        )
        await world.store.alerts.add(
            team,
            metric="weldpulse.realtime",
            op=">",
            value=THRESHOLD,
            over_seconds=0,
            channel_id=CHANNEL,
            created_by=CREATOR,
        )
    world.alerts = Alerts(
        world.store,
        world.alerts.pool,
        world.outbound,
        world.clock,
        interval=MINUTE,
        groups_at_once=2,
    )
    world.clock.advance(MINUTE)
    async with world.gate.closed():
        round_ = asyncio.create_task(world.alerts.evaluate_all())
        async with asyncio.timeout(10):
            while world.gate.held < 2:
                world.gate.arrived.clear()
                await world.gate.arrived.wait()
        # no third reading joins them (without turns, all five arrive within milliseconds)
        for _ in range(30):
            await asyncio.sleep(0.01)
            assert world.gate.held == 2
    assert (await round_)["evaluated"] == 5


async def test_a_channel_slack_refuses_is_not_retried_every_minute(world: World) -> None:
    world.state.channel_errors[CHANNEL] = "channel_not_found"
    await world.add()
    world.traffic(HIGH)
    assert (await world.tick())["posted"] == 0
    for _ in range(5):
        await world.tick()
    assert len(world.state.called("chat.postMessage")) == 1
    assert (await world.alert()).state == "firing"


async def test_one_slack_500_when_an_alert_fires_delays_its_message_by_a_second(
    world: World,
) -> None:
    await world.add()
    world.traffic(HIGH)
    world.state.fail("chat.postMessage", (500, "internal_error"))

    assert (await world.tick())["posted"] == 1

    [fired] = world.top_level()
    assert "weldpulse.realtime > 50" in fired.args["text"]
    assert world.clock.slept[0] == 1.0  # one backoff (then the channel's pacing), no more
    assert sum(world.clock.slept) < 1.2
    alert = await world.alert()
    assert (alert.state, list(alert.outbox), alert.message_ts is not None) == (
        "firing",
        [],
        True,
    )


async def test_an_alert_slack_would_not_take_all_round_is_said_at_the_next_round(
    world: World,
) -> None:
    await world.add()
    world.traffic(HIGH)
    world.state.fail("chat.postMessage", *[(503, "service_unavailable")] * 6)

    assert (await world.tick())["posted"] == 0
    alert = await world.alert()
    assert alert.state == "firing"  # the state changed; its announcement waits
    assert [entry["kind"] for entry in alert.outbox] == ["fire"]

    assert (await world.tick())["posted"] == 1
    assert len(world.top_level()) == 1
    assert not (await world.alert()).outbox
    assert (await world.tick())["posted"] == 0  # and it is not said again


async def test_an_announcement_waiting_in_the_outbox_survives_a_restart(world: World) -> None:
    await world.add()
    world.traffic(HIGH)
    world.state.fail("chat.postMessage", *[(500, "internal_error")] * 6)
    await world.tick()
    assert world.top_level() == []

    await world.restart()
    assert (await world.tick())["posted"] == 1
    assert len(world.top_level()) == 1


async def test_a_raygun_alert_reads_raygun_once_per_two_hours(world: World) -> None:
    await world.store.credentials.save(TEAM, "raygun", dict(DEMO_CREDENTIALS["raygun"]), CREATOR)
    await world.store.alerts.add(
        TEAM,
        metric="raygun.sessions",
        op=">",
        value=1e9,
        over_seconds=3600,
        channel_id=CHANNEL,
        created_by=CREATOR,
    )
    evaluated = 0
    for _ in range(4 * 60):
        evaluated += (await world.tick())["evaluated"]
    assert evaluated == 2
    assert (await world.alert()).consecutive_failures == 0
    assert (await world.alert()).last_value is not None
    # each reading is two Raygun calls (authenticate, then the session total)
    assert world.sim.control.count("raygun") == 4


# ---- silence: mute and snooze ------------------------------------------------------------


async def test_a_muted_alert_is_still_evaluated_but_posts_nothing(world: World) -> None:
    await world.add()
    assert await world.alerts.mute(TEAM, 1, "U0ANA") is not None
    world.traffic(HIGH)
    assert (await world.tick()) == {"evaluated": 1, "posted": 0}
    assert (await world.alert()).state == "firing"
    assert (await world.alert()).last_value == await world.realtime_now()
    await world.tick(5 * HOUR)
    world.sim.control.fail("weldpulse", 500, times=3, path="/v1/realtime")
    for _ in range(3):
        await world.tick()
    assert (await world.alert()).state == "unknown"
    world.traffic(LOW)
    for _ in range(3):
        await world.tick(6 * MINUTE)
    assert (await world.alert()).state == "ok"
    assert world.state.calls == []


async def test_a_snooze_that_ends_lets_a_still_true_condition_post(world: World) -> None:
    await world.add()
    await world.alerts.snooze(TEAM, 1, "U0ANA", timedelta(hours=1))
    world.traffic(HIGH)
    for _ in range(59):
        await world.tick()
    assert (await world.alert()).state == "firing"
    assert world.state.posts() == []
    assert (await world.tick())["posted"] == 1  # the hour is over, and it still holds
    [fired] = world.state.posts()
    assert len(buttons(fired)) == 3
    assert "firing since Mon 23 Nov 12:01 UTC" in plain(fired)  # not since the snooze ended
    stored = await world.alert()
    assert (stored.snoozed_until, stored.message_ts is not None) == (None, True)


async def test_a_snooze_that_ends_after_recovery_says_nothing(world: World) -> None:
    await world.add()
    await world.alerts.snooze(TEAM, 1, "U0ANA", timedelta(hours=1))
    world.traffic(HIGH)
    await world.tick()
    world.traffic(LOW)
    for _ in range(90):
        await world.tick()
    assert (await world.alert()).state == "ok"
    assert world.state.calls == []


async def test_snoozing_a_firing_alert_holds_the_reminder_but_not_the_resolve(
    world: World,
) -> None:
    await world.add()
    world.traffic(HIGH)
    await world.tick()
    ts = (await world.alert()).message_ts
    await world.alerts.snooze(TEAM, 1, "U0ANA", timedelta(hours=24))
    await world.tick(4 * HOUR)
    await world.tick(4 * HOUR)
    assert len(world.state.posts()) == 1
    world.traffic(LOW)
    await world.tick(6 * MINUTE)
    snoozed, resolved = world.state.called("chat.update")
    assert (snoozed.args["ts"], resolved.args["ts"]) == (ts, ts)
    assert "Snoozed by <@U0ANA> until" in shown(snoozed)
    assert "Resolved" in shown(resolved)
    assert world.replies(str(ts))[-1].args["text"] == "Resolved: now 0."


async def test_snooze_and_mute_are_audited_and_scoped_to_the_workspace(world: World) -> None:
    await world.add()
    other = Team("T0OTHER")
    assert await world.alerts.snooze(other, 1, "U0EVE", timedelta(hours=1)) is None
    assert await world.alerts.mute(other, 1, "U0EVE") is None
    assert await world.store.audit.list(other) == []
    assert ((await world.alert()).snoozed_until, (await world.alert()).muted) == (None, False)

    updated = await world.alerts.snooze(TEAM, 1, "U0ANA", timedelta(hours=1))
    assert updated is not None
    assert updated.snoozed_until == world.clock.now() + timedelta(hours=1)
    assert await world.alerts.mute(TEAM, 1, "U0ANA") is not None
    assert [(e.user_id, e.action) for e in await world.store.audit.list(TEAM)] == [
        ("U0ANA", "alert.mute"),
        ("U0ANA", "alert.snooze"),
    ]


def contexts(call: Call) -> list[str]:
    return [e["text"] for b in call.args["blocks"] if b["type"] == "context" for e in b["elements"]]


async def test_mute_and_unmute_buttons_say_who_in_the_firing_message(world: World) -> None:
    alert = await world.add()
    world.traffic(HIGH)
    await world.tick()
    ts = (await world.alert()).message_ts

    said = await world.alerts.press(TEAM, TEAM.team_id, MUTE, str(alert.id), "U0ANA")
    assert "`/pulse alert unmute 1` undoes it" in said
    [muted] = world.state.called("chat.update")
    assert (muted.args["channel"], muted.args["ts"]) == (CHANNEL, ts)
    assert contexts(muted)[-1] == (
        ":mute: Muted by <@U0ANA>: it posts nothing until unmuted (`/pulse alert unmute 1`)."
    )
    assert [(b["text"]["text"], b["action_id"], b["value"]) for b in buttons(muted)] == [
        ("Unmute", UNMUTE, str(alert.id))
    ]
    assert "now *" in shown(muted) and "firing since Mon 23 Nov 12:01 UTC" in plain(muted)

    said = await world.alerts.press(TEAM, TEAM.team_id, UNMUTE, str(alert.id), "U0BEN")
    assert said == "Alert #1 is no longer muted."
    unmuted = world.state.called("chat.update")[-1]
    assert not any("Muted" in line for line in contexts(unmuted))
    assert [b["action_id"] for b in buttons(unmuted)] == [SNOOZE_1H, SNOOZE_24H, MUTE]
    assert ((await world.alert()).muted, (await world.alert()).muted_by) == (False, None)
    assert [(e.user_id, e.action) for e in await world.store.audit.list(TEAM)] == [
        ("U0BEN", "alert.unmute"),
        ("U0ANA", "alert.mute"),
    ]
    assert len(world.state.posts()) == 1  # edits only: the channel is told nothing new


async def test_a_muted_alert_still_says_who_muted_it_once_resolved(world: World) -> None:
    await world.add()
    world.traffic(HIGH)
    await world.tick()
    await world.alerts.mute(TEAM, 1, "U0ANA")
    world.traffic(LOW)
    await world.tick()
    resolved = world.state.called("chat.update")[-1]
    assert "Resolved" in shown(resolved) and buttons(resolved) == []
    assert contexts(resolved)[-1].startswith(":mute: Muted by <@U0ANA>")


class ResolvedDuringEdit:
    """The real poster, with the alert resolved and its resolve delivered while the first
    attribution edit is on its way to Slack (that edit lands last)."""

    def __init__(self, world: World):
        self.world, self.inner, self.raced = world, world.outbound, False

    async def post(self, team: Team, channel: str, payload: dict[str, Any], **kw: Any) -> Posted:
        return await self.inner.post(team, channel, payload, **kw)

    async def update(self, team: Team, channel: str, ts: str, payload: dict[str, Any]) -> Posted:
        if not self.raced:
            self.raced = True
            self.world.traffic(LOW)
            await self.world.tick()
        return await self.inner.update(team, channel, ts, payload)

    async def dm(self, team: Team, user_id: str, text: str) -> Posted:
        return await self.inner.dm(team, user_id, text)

    async def close(self) -> None:
        await self.inner.close()


async def test_an_attribution_edit_never_stands_over_a_resolve_it_raced(world: World) -> None:
    await world.add()
    world.traffic(HIGH)
    await world.tick()
    ts = (await world.alert()).message_ts
    world.alerts.poster = ResolvedDuringEdit(world)
    await world.alerts.mute(TEAM, 1, "U0ANA")
    resolve, late, again = world.state.called("chat.update")
    assert "Resolved" in shown(resolve) and "Muted by" in shown(late)
    assert again.args["ts"] == ts
    assert "Resolved" in shown(again) and buttons(again) == []  # the last word
    assert contexts(again)[-1].startswith(":mute: Muted by <@U0ANA>")
    assert (await world.alert()).state == "ok"


# ---- a press while the metric is being read ----------------------------------------------


async def evaluate_while(world: World, change: Callable[[], Awaitable[object]]) -> dict[str, int]:
    """Run a round, and `change` the alert while its metric read is in flight."""
    async with world.gate.closed():
        round_ = asyncio.create_task(world.tick())
        await world.gate.waiting.wait()
        await change()
    return await round_


async def test_a_mute_pressed_during_the_read_is_obeyed(world: World) -> None:
    await world.add()
    world.traffic(HIGH)
    await evaluate_while(world, lambda: world.alerts.mute(TEAM, 1, "U0ANA"))
    assert world.state.posts() == []
    assert ((await world.alert()).state, (await world.alert()).muted) == ("firing", True)


async def test_a_snooze_pressed_during_the_read_is_kept(world: World) -> None:
    await world.add()
    await world.alerts.snooze(TEAM, 1, "U0ANA", timedelta(minutes=30))
    await world.tick(31 * MINUTE)  # that snooze is over
    world.traffic(HIGH)
    hour = timedelta(hours=1)
    await evaluate_while(world, lambda: world.alerts.snooze(TEAM, 1, "U0ANA", hour))
    assert world.state.posts() == []
    assert (await world.alert()).snoozed_until == world.clock.now() + hour


async def test_an_alert_removed_during_the_read_posts_nothing(world: World) -> None:
    await world.add()
    world.traffic(HIGH)
    await evaluate_while(world, lambda: world.store.alerts.remove(TEAM, 1))
    assert world.state.calls == []
    assert await world.store.alerts.list(TEAM) == []


class PressDuringPost:
    """The real poster, with a button pressed while a message is on its way to Slack."""

    def __init__(self, inner: Outbound, press: Callable[[], Awaitable[object]]):
        self.inner, self.press = inner, press

    async def post(
        self,
        team: Team,
        channel: str,
        payload: dict[str, Any],
        *,
        thread_ts: str | None = None,
        key: str | None = None,
        attempted_since: datetime | None = None,
    ) -> Posted:
        await self.press()
        return await self.inner.post(
            team, channel, payload, thread_ts=thread_ts, key=key, attempted_since=attempted_since
        )

    async def update(self, team: Team, channel: str, ts: str, payload: dict[str, Any]) -> Posted:
        return await self.inner.update(team, channel, ts, payload)

    async def dm(self, team: Team, user_id: str, text: str) -> Posted:
        return await self.inner.dm(team, user_id, text)

    async def close(self) -> None:
        await self.inner.close()


async def test_a_snooze_pressed_while_the_alert_is_being_posted_is_kept(world: World) -> None:
    await world.add()
    await world.alerts.snooze(TEAM, 1, "U0ANA", timedelta(minutes=30))
    world.clock.advance(31 * MINUTE)  # that snooze is over, unseen: the next round clears it
    world.traffic(HIGH)
    hour = timedelta(hours=1)
    world.alerts.poster = PressDuringPost(
        world.outbound, lambda: world.alerts.snooze(TEAM, 1, "U0ANA", hour)
    )
    await world.tick()
    assert len(world.top_level()) == 1  # it was already on its way
    assert (await world.alert()).snoozed_until == world.clock.now() + hour
    assert (await world.alert()).state == "firing"
