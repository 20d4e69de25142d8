"""The Procfile's shape on one PostgreSQL: two web processes and a clock, under load.

A throwaway PostgreSQL cluster (as the tests start one), then three processes as the
Procfile runs them (`python -m tests.e2e.launch web|clock`, i.e. `python -m bot serve`
and `python -m bot clock`), the simulated services and the fake Slack here. For
`--seconds` (default 90) this process sends signed `/pulse` commands, `--rate` a second
(default 4), alternately to each web process, every one a different WeldPulse question (so
neither the answer cache nor coalescing can hide a request). It prints the time to each
acknowledgement (p50/p99), how many answers reached Slack (and how many said the rate
limit was reached), and WeldPulse requests per minute for the one shared key — the most
in any 60-second window — against its limit of 100.

    .venv/bin/python bench/several_processes.py [--seconds 90] [--rate 4]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests.*

from bench.ack_latency import percentile
from bot.clock import SystemClock
from bot.sim.demo import DEMO_CREDENTIALS
from bot.sim.server import SimServer
from bot.store import Secrets, Store, open_database
from bot.team import Team
from tests.e2e.processes import ROOT, free_port, launch
from tests.fakes.postgres import Cluster, find_bin
from tests.fakes.slack import FakeSlackServer, signed_headers

SECRET = "several-bench-secret"
TEAM = Team("T0000001")
LIMIT = 100  # WeldPulse requests per minute per key


def most_in_a_minute(times: list[float]) -> int:
    ordered, best, start = sorted(times), 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= 60.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def main(seconds: float, rate: float) -> None:
    bindir = find_bin()
    if bindir is None:
        raise SystemExit("PostgreSQL 15 is not installed here; this bench needs it.")
    cluster = Cluster(bindir).start()
    try:
        url = cluster.database()
        key = Fernet.generate_key().decode()
        async with FakeSlackServer() as slack, SimServer() as sim:
            base = {
                **os.environ,
                "DATABASE_URL": url,
                "PULSEBOT_SECRET_KEY": key,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_BOT_TOKEN": "xoxb-several",
                "SLACK_API_URL": slack.api_url,
                "PULSEBOT_SCHEDULER": "clock",
                "PYTHONPATH": str(ROOT),
                **{f"{s.upper()}_BASE_URL": u for s, u in sim.base_urls.items()},
            }
            processes = [
                await launch("web1", "web", {**base, "PORT": str(free_port())}, 0.0),
                await launch("web2", "web", {**base, "PORT": str(free_port())}, 0.0),
                await launch("clock", "clock", base, 0.0),
            ]
            await asyncio.gather(*(p.ready() for p in processes))
            store = Store(open_database(url), Secrets([key.encode()]), SystemClock())
            await store.credentials.save(
                TEAM, "weldpulse", dict(DEMO_CREDENTIALS["weldpulse"]), "U0BOSS"
            )
            store.close()
            webs = processes[:2]
            acks: list[float] = []
            statuses: list[int] = []
            questions = (
                f"{what} {days}d --limit {n}"
                for n in itertools.count(1)
                for what in ("pages", "referrers")
                for days in (7, 30)
            )
            sim.control.reset_requests()
            sent = 0
            limits = httpx.Limits(max_connections=200)
            async with httpx.AsyncClient(timeout=30, limits=limits) as http:

                async def one(n: int, text: str) -> None:
                    body = urlencode(
                        {
                            "team_id": TEAM.team_id,
                            "channel_id": "C0BENCH",
                            "user_id": f"U{n:05d}",
                            "command": "/pulse",
                            "text": text,
                            "response_url": slack.response_url(f"s{n}"),
                        }
                    )
                    web = webs[n % 2]
                    started = time.perf_counter()
                    response = await http.post(
                        f"http://127.0.0.1:{web.port}/slack/events",
                        content=body,
                        headers=signed_headers(SECRET, body),
                    )
                    acks.append(time.perf_counter() - started)
                    statuses.append(response.status_code)

                tasks = []
                until = time.monotonic() + seconds
                while time.monotonic() < until:
                    tasks.append(asyncio.create_task(one(sent, next(questions))))
                    sent += 1
                    await asyncio.sleep(1 / rate)
                await asyncio.gather(*tasks)
                for _ in range(600):
                    if len(slack.state.responses) >= sent:
                        break
                    await asyncio.sleep(0.1)
            for p in processes:
                p.proc.terminate()
            await asyncio.gather(*(p.proc.wait() for p in processes))
            answers = slack.state.responses
            limited = sum(1 for a in answers if "rate limiting us" in str(a.get("text")))
            upstream = [r.at for r in sim.control.requests if r.service == "weldpulse"]
            rejected = sum(1 for r in sim.control.requests if r.status == 429)
    finally:
        cluster.stop()
    print(f"2 web processes + 1 clock on PostgreSQL, {seconds:.0f} s at {rate:g} commands/s")
    print(
        f"{sent} commands: acks p50 {percentile(acks, 50) * 1000:.0f} ms, "
        f"p99 {percentile(acks, 99) * 1000:.0f} ms, max {max(acks) * 1000:.0f} ms; "
        f"HTTP {sorted(set(statuses))}"
    )
    print(
        f"answers delivered: {len(answers)} of {sent} "
        f"({limited} of them said WeldPulse's limit was reached)"
    )
    print(
        f"WeldPulse requests for the one key: {len(upstream)} in all, at most "
        f"{most_in_a_minute(upstream)} in any 60 s (limit {LIMIT}); "
        f"{rejected} refused by WeldPulse with 429"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="bench/several_processes.py")
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--rate", type=float, default=4.0)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.rate))
