"""Digest fan-out as it happens in production: many digests due in the same minute, posted
by the app's own process under real limits.

1,000 digests across 200 workspaces (5 each, all into the workspace's one channel) are
seeded into a SQLite file, due at the next whole minute at least `--lead` seconds away.
Then, each in its own process:
- the fake Slack Web API and the simulated services (`python -m bench.fakes`), Slack
  holding every channel to one message per second (429 + Retry-After), WeldPulse
  answering after `--latency` seconds, every workspace's key registered;
- Pulse Bot as the Procfile runs it (`python -m bot serve`, its scheduler inside).

Prints the time from the due minute to the last post, the lower bound the limits set
(the busiest channel's posts one second apart, plus one upstream answer), their ratio,
WeldPulse calls against the minimum (one composition per workspace: the digests of a
workspace ask the same questions), posts refused by Slack's limit, and duplicates; then
one `SUMMARY` line a script can read.

    .venv/bin/python bench/digest_fanout.py [--workspaces 200] [--per-workspace 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests.*

from bench.ack_latency import app_env, call, cpu_seconds, started, until_up
from bot.app import Runtime
from bot.config import Settings
from bot.features.recurrence import Schedule
from bot.team import Team
from tests.e2e.processes import free_port

#: WeldPulse calls one digest composition needs: stats now, stats before, timeseries,
#: pages, referrers.
CALLS_PER_WORKSPACE = 5


async def seed(env: dict[str, str], workspaces: int, per_workspace: int, due: datetime) -> None:
    runtime = Runtime.build(Settings.from_env(env))
    try:
        schedule = Schedule("daily", due.minute, due.hour, None, ZoneInfo("UTC"))
        for w in range(workspaces):
            team = Team(f"T{w:05d}")
            await runtime.store.credentials.save(
                team, "weldpulse", {"api_key": f"ak_live_bench{w:06d}"}, "U0"
            )
            for _ in range(per_workspace):
                await runtime.digests.add(
                    team, "U0", channel_id=f"C{w:05d}", schedule=schedule, services=("weldpulse",)
                )
    finally:
        await runtime.close()


async def main(workspaces: int, per_workspace: int, latency: float, lead: float) -> None:
    total = workspaces * per_workspace
    fakes_cmd = [sys.executable, "-m", "bench.fakes", "--per-channel-interval", "1.0"]
    with tempfile.TemporaryDirectory() as tmp, started(fakes_cmd, {**os.environ}) as fakes:
        assert fakes.stdout is not None
        urls = json.loads(fakes.stdout.readline())
        control, stats = urls["control"], urls["stats"]
        port = free_port()
        env = app_env(
            urls, port=port, database=Path(tmp) / "fanout.db", SLACK_BOT_TOKEN="xoxb-bench"
        )
        soon = datetime.now(UTC) + timedelta(seconds=lead)
        due = (soon + timedelta(minutes=1)).replace(second=0, microsecond=0)
        seeding = time.perf_counter()
        await seed(env, workspaces, per_workspace, due)
        seeded = time.perf_counter() - seeding
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            for w in range(workspaces):
                await call(
                    http,
                    "POST",
                    f"{control}/credentials",
                    {"service": "weldpulse", "api_key": f"ak_live_bench{w:06d}"},
                )
            await call(
                http,
                "POST",
                f"{control}/faults",
                {"service": "weldpulse", "kind": "latency", "seconds": latency},
            )
            await call(http, "DELETE", f"{control}/requests")
            if datetime.now(UTC) > due - timedelta(seconds=10):
                raise SystemExit(f"seeding took {seeded:.0f} s: run again with a longer --lead")
            with started([sys.executable, "-m", "bot", "serve"], env) as bot:
                await until_up(http, f"http://127.0.0.1:{port}/healthz")
                idle_cpu = cpu_seconds(bot.pid)
                deadline = due.timestamp() + 600
                seen: dict[str, Any] = {}
                while time.time() < deadline:
                    seen = await call(http, "GET", stats)
                    if seen["posts"] >= total:
                        break
                    await asyncio.sleep(0.5)
                busy_cpu = cpu_seconds(bot.pid) - idle_cpu  # the sweep's, mostly
                await asyncio.sleep(5)  # anything posted twice would show by now
                seen = await call(http, "GET", stats)
                upstream = (await call(http, "GET", f"{control}/requests"))["total"]
    elapsed = (seen["last"] or due.timestamp()) - due.timestamp()
    lower_bound = (seen["busiest"] - 1) * 1.0 + latency
    minimum = workspaces * CALLS_PER_WORKSPACE
    print(
        f"{total} digests due at {due:%H:%M} UTC across {workspaces} workspaces "
        f"({per_workspace} per channel); seeded in {seeded:.0f} s; WeldPulse latency "
        f"{latency * 1000:.0f} ms; fake Slack 1 msg/s/channel; app in its own process"
    )
    print(
        f"posted {seen['posts']} of {total}; first {seen['first'] - due.timestamp():.2f} s and "
        f"last {elapsed:.2f} s after the due minute"
        if seen["first"]
        else f"posted {seen['posts']} of {total}"
    )
    print(f"lower bound from the limits: {lower_bound:.2f} s; ratio {elapsed / lower_bound:.2f}")
    print(f"the app's CPU from its first healthy answer to the last post: {busy_cpu:.1f} s")
    print(f"WeldPulse calls: {upstream} (minimum {minimum}, ratio {upstream / minimum:.2f})")
    print(
        f"posts refused by Slack's per-channel limit: {seen['refused']}; duplicates: "
        f"{seen['duplicates']}"
    )
    print(
        f"SUMMARY digests={total} posted={seen['posts']} elapsed_s={elapsed:.2f} "
        f"lower_bound_s={lower_bound:.2f} ratio={elapsed / lower_bound:.2f} "
        f"upstream={upstream} upstream_min={minimum} refused={seen['refused']} "
        f"cpu_s={busy_cpu:.1f} "
        f"duplicates={seen['duplicates']}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="bench/digest_fanout.py")
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument("--per-workspace", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--lead", type=float, default=45.0)
    args = parser.parse_args()
    asyncio.run(main(args.workspaces, args.per_workspace, args.latency, args.lead))
