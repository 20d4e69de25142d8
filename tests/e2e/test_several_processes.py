"""Several processes on one PostgreSQL, as the Procfile runs them on several hosts: two web
processes behind which Slack's requests are spread, and two clock processes of which one
runs the scheduler while the other stands by.

Each process is `python -m tests.e2e.launch` (the app's own Runtime and HTTP server, with
its clock shifted so a digest "in the next minute" is due seconds after start, and a short
scheduler lease). The fake Slack and the simulated services run here, on loopback.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator
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
from tests.fakes.postgres import Cluster
from tests.fakes.slack import FakeSlackServer, signed_headers

SECRET = "multi-process-signing-secret"
TEAM = Team("T0000001")


@dataclass
class Deployment:
    web: list[Process]
    logs: list[Path]  # the web processes' logs
    clocks: list[Process]
    store: Store
    slack: FakeSlackServer
    sim: SimServer
    due: datetime
    http: httpx.AsyncClient
    _ids: itertools.count[int]

    def command_body(self, text: str) -> tuple[str, str]:
        rid = f"m{next(self._ids)}"
        return urlencode(
            {
                "team_id": TEAM.team_id,
                "channel_id": "C0MULTI",
                "user_id": "U0CALLER",
                "command": "/pulse",
                "text": text,
                "response_url": self.slack.response_url(rid),
                "trigger_id": f"trigger.{rid}",
            }
        ), rid

    async def command(self, web: Process, text: str) -> tuple[int, str]:
        body, rid = self.command_body(text)
        response = await self.http.post(
            f"http://127.0.0.1:{web.port}/slack/events",
            content=body,
            headers=signed_headers(SECRET, body),
        )
        return response.status_code, rid

    async def answer(self, rid: str) -> str:
        state = self.slack.state
        path = f"/response/{rid}"
        await state.wait_for(lambda: any(r["_path"] == path for r in state.responses), 30)
        return str(next(r for r in state.responses if r["_path"] == path)["text"])


@pytest.fixture
async def deployment(postgres: Cluster, tmp_path: Path) -> AsyncIterator[Deployment]:
    url = postgres.database()  # empty: the four processes migrate it together
    key = Fernet.generate_key().decode()
    now = datetime.now(UTC)
    due = (now + timedelta(minutes=2)).replace(second=0, microsecond=0)
    shift = (due - timedelta(seconds=15) - now).total_seconds()  # processes read due - 15 s
    async with FakeSlackServer() as slack, SimServer() as sim:
        base = {
            **os.environ,
            "DATABASE_URL": url,
            "PULSEBOT_SECRET_KEY": key,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": "xoxb-multi-process",
            "SLACK_API_URL": slack.api_url,
            "PULSEBOT_SCHEDULER": "clock",
            "PYTHONPATH": str(ROOT),
            **{f"{s.upper()}_BASE_URL": u for s, u in sim.base_urls.items()},
        }
        logs = [tmp_path / "web1.log", tmp_path / "web2.log"]
        processes = [
            await launch("web1", "web", {**base, "PORT": str(free_port())}, shift, log=logs[0]),
            await launch("web2", "web", {**base, "PORT": str(free_port())}, shift, log=logs[1]),
            await launch("clock1", "clock", base, shift),
            await launch("clock2", "clock", base, shift),
        ]
        store = Store(open_database(url), Secrets([key.encode()]), SystemClock())
        try:
            await asyncio.gather(*(p.ready() for p in processes))
            await store.credentials.save(
                TEAM, "weldpulse", dict(DEMO_CREDENTIALS["weldpulse"]), "U0BOSS"
            )
            async with httpx.AsyncClient(timeout=30) as http:
                yield Deployment(
                    processes[:2],
                    logs,
                    processes[2:],
                    store,
                    slack,
                    sim,
                    due,
                    http,
                    itertools.count(),
                )
        finally:
            store.close()
            for p in processes:
                if p.proc.returncode is None:
                    p.proc.terminate()
            await asyncio.gather(*(p.proc.wait() for p in processes))


async def lease_renewed(store: Store) -> None:
    """Wait until the scheduler lease's expiry moves on (its holder renewed it)."""

    async def expiry() -> str:
        rows = await store.db.run(
            lambda: store.db.query("SELECT expires_at FROM leases WHERE name = 'scheduler'")
        )
        return str(rows[0]["expires_at"])

    before = await expiry()
    for _ in range(200):
        if await expiry() != before:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the scheduler lease was not renewed within 10 s")


async def test_one_digest_post_across_hosts_a_take_over_and_one_limit_for_all(
    deployment: Deployment,
) -> None:
    d = deployment
    status, rid = await d.command(
        d.web[0], f"digest add here daily {d.due:%H:%M} UTC --services weldpulse"
    )
    assert status == 200 and "Digest #1 added" in await d.answer(rid)

    # The clock process holding the scheduler dies before the digest is due.
    holder = await d.store.leases.holder("scheduler")
    assert holder is not None
    dead = next(c for c in d.clocks if f":{c.proc.pid}:" in holder)
    dead.kill()
    await dead.proc.wait()
    survivor = next(c for c in d.clocks if c is not dead)

    state = d.slack.state
    await state.wait_for(lambda: len(state.posts("C0MULTI")) >= 1, timeout=60)
    new_holder = await d.store.leases.holder("scheduler")
    assert new_holder is not None and f":{survivor.proc.pid}:" in new_holder
    # Sentinel: the survivor renews its lease twice more (it sweeps every half second
    # meanwhile); the digest is still posted once.
    for _ in range(2):
        await lease_renewed(d.store)
    run = await d.store.digests.get_run(1, d.due)
    assert run is not None and run.status == "posted"
    assert len(state.posts("C0MULTI")) == 1

    # 120 different WeldPulse requests spread over both web processes: together they send
    # at most the key's 100 a minute, and the rest are told why, in a sentence.
    d.sim.control.reset_requests()
    lines = [f"pages 30d --limit {n}" for n in range(1, 61)]
    lines += [f"referrers 30d --limit {n}" for n in range(1, 61)]
    acks = await asyncio.gather(*(d.command(d.web[i % 2], line) for i, line in enumerate(lines)))
    assert [status for status, _ in acks] == [200] * len(lines)
    answers = await asyncio.gather(*(d.answer(rid) for _, rid in acks))
    refused = [a for a in answers if "rate limiting us" in a]
    sent = [r for r in d.sim.control.requests if r.service == "weldpulse"]
    assert len(sent) <= 100
    assert not [r for r in sent if r.status == 429]  # WeldPulse never had to say no
    assert len(answers) - len(refused) == len(sent)


async def test_a_command_replayed_to_the_other_process_is_not_acted_on_again(
    deployment: Deployment,
) -> None:
    """Slack's retry (or a replay) of a command can land on another web process behind the
    load balancer: it is acknowledged there, and not acted on a second time."""
    d = deployment
    body, rid = d.command_body("digest add here daily 09:00 UTC --services weldpulse")
    headers = signed_headers(SECRET, body)
    first = await d.http.post(
        f"http://127.0.0.1:{d.web[0].port}/slack/events", content=body, headers=headers
    )
    assert first.status_code == 200
    assert (await d.answer(rid)).startswith("Digest #1 added.")
    retried = await d.http.post(
        f"http://127.0.0.1:{d.web[1].port}/slack/events",
        content=body,
        headers={**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retried.status_code == 200
    for _ in range(1000):  # until web2 says it saw the replay
        if "acknowledged a replayed request" in d.logs[1].read_text():
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("web2 never recognised the replay")
    assert len(await d.store.digests.list(TEAM)) == 1
    assert [r["_path"] for r in d.slack.state.responses].count(f"/response/{rid}") == 1
