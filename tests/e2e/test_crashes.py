"""kill -9 at the worst moments, then a restart: nothing lost, nothing said twice.

Each test runs the app as its own process (`python -m tests.e2e.launch web`, the
scheduler inside, as `python -m bot serve` runs it) that kills itself with SIGKILL at a
chosen point (`--crash-at`), then starts it again on the same SQLite file, with its
clock continuing where it was. The fake Slack and the simulated services run here.

    digest-claimed   the run was claimed, nothing posted: the restart posts it, once
    digest-posted    the post reached Slack, nothing recorded: the restart finds it (by
                     the run key in the message's metadata) and does not post again
    alert-posted     the announcement reached Slack, nothing recorded: the same
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from cryptography.fernet import Fernet

from bot.clock import SystemClock
from bot.sim.demo import DEMO_CREDENTIALS
from bot.sim.server import SimServer
from bot.store import Secrets, Store, open_database
from bot.team import Team
from tests.e2e.processes import ROOT, Process, free_port, launch
from tests.fakes.slack import FakeSlackServer, signed_headers

SECRET = "crash-signing-secret"
TEAM = Team("T0000001")
LEASE = 3.0  # the dead process's lease runs out this soon after it died
CHANNEL = "C0CRASH"


@dataclass
class Crashing:
    env: dict[str, str]
    shift: float
    due: datetime
    store: Store
    slack: FakeSlackServer
    sim: SimServer
    http: httpx.AsyncClient
    ids: itertools.count[int]

    async def start(self, crash_at: str | None = None) -> Process:
        process = await launch("web", "web", self.env, self.shift, lease=LEASE, crash_at=crash_at)
        await process.ready()
        return process

    async def command(self, process: Process, text: str) -> str:
        rid = f"c{next(self.ids)}"
        body = urlencode(
            {
                "team_id": TEAM.team_id,
                "channel_id": CHANNEL,
                "user_id": "U0CALLER",
                "command": "/pulse",
                "text": text,
                "response_url": self.slack.response_url(rid),
                "trigger_id": f"trigger.{rid}",
            }
        )
        url = f"http://127.0.0.1:{process.port}/slack/events"
        ack = await self.http.post(url, content=body, headers=signed_headers(SECRET, body))
        assert ack.status_code == 200
        state, path = self.slack.state, f"/response/{rid}"
        await state.wait_for(lambda: any(r["_path"] == path for r in state.responses), 30)
        return str(next(r for r in state.responses if r["_path"] == path)["text"])

    def tagged(self, channel: str, prefix: str) -> list[dict[str, object]]:
        """Messages Slack keeps in `channel` whose run key starts with `prefix`."""
        return [
            m
            for m in self.slack.state.history[channel]
            if str(
                ((m.get("metadata") or {}).get("event_payload") or {}).get("key", "")
            ).startswith(prefix)
        ]


@pytest.fixture
async def crashing(tmp_path: Path) -> AsyncIterator[Crashing]:
    key = Fernet.generate_key().decode()
    now = datetime.now(UTC)
    due = (now + timedelta(minutes=2)).replace(second=0, microsecond=0)
    shift = (due - timedelta(seconds=8) - now).total_seconds()  # the process reads due - 8 s
    path = tmp_path / "pulse.db"
    async with FakeSlackServer() as slack, SimServer() as sim:
        slack.state.wall = lambda: time.time() + shift  # Slack's clock agrees with the app's
        env = {
            **os.environ,
            "DATABASE_PATH": str(path),
            "PULSEBOT_SECRET_KEY": key,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": "xoxb-crashing",
            "SLACK_API_URL": slack.api_url,
            "PULSEBOT_ALERT_INTERVAL": "1",
            "PORT": str(free_port()),
            "PYTHONPATH": str(ROOT),
            **{f"{s.upper()}_BASE_URL": u for s, u in sim.base_urls.items()},
        }
        store = Store(open_database(path), Secrets([key.encode()]), SystemClock())
        try:
            await store.credentials.save(
                TEAM, "weldpulse", dict(DEMO_CREDENTIALS["weldpulse"]), "U0BOSS"
            )
            async with httpx.AsyncClient(timeout=30) as http:
                yield Crashing(env, shift, due, store, slack, sim, http, itertools.count())
        finally:
            store.close()


async def killed(process: Process) -> None:
    code = await asyncio.wait_for(process.proc.wait(), 60)
    assert code == -9, f"the process ended with {code}, not by the injected kill -9"


async def stopped(process: Process) -> None:
    process.proc.terminate()
    assert await asyncio.wait_for(process.proc.wait(), 30) == 0


async def until(predicate: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
    """Wait until the database says `predicate` (another process writes it)."""
    for _ in range(int(timeout * 10)):
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not true within {timeout:.0f} s")


@pytest.mark.parametrize("point", ["digest-claimed", "digest-posted"])
async def test_a_digest_run_killed_midway_is_posted_exactly_once(
    crashing: Crashing, point: str
) -> None:
    c = crashing
    first = await c.start(crash_at=point)
    added = await c.command(first, f"digest add here daily {c.due:%H:%M} UTC")
    assert "Digest #1 added" in added
    await killed(first)
    before = len(c.tagged(CHANNEL, "digest:1:"))
    assert before == (1 if point == "digest-posted" else 0)

    second = await c.start()

    async def posted() -> bool:
        run = await c.store.digests.get_run(1, c.due)
        return run is not None and run.status == "posted"

    await until(posted)
    await stopped(second)
    [message] = c.tagged(CHANNEL, "digest:1:")
    run = await c.store.digests.get_run(1, c.due)
    assert run is not None and run.posted_ts == message["ts"]


async def test_an_alert_killed_after_its_announcement_is_not_announced_twice(
    crashing: Crashing,
) -> None:
    c = crashing
    c.sim.control.set_traffic(1000)
    first = await c.start(crash_at="alert-posted")
    added = await c.command(first, f"alert add weldpulse.realtime > 40 --in <#{CHANNEL}|crash>")
    assert "Alert #1 added" in added
    await killed(first)
    assert len(c.tagged(CHANNEL, "alert:1:")) == 1

    second = await c.start()

    async def recorded() -> bool:
        alert = await c.store.alerts.get(TEAM, 1)
        return alert is not None and not alert.outbox and alert.message_ts is not None

    await until(recorded)
    await stopped(second)
    [message] = c.tagged(CHANNEL, "alert:1:")
    alert = await c.store.alerts.get(TEAM, 1)
    assert alert is not None and alert.state == "firing"
    assert alert.message_ts == message["ts"]
