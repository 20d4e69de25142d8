"""Digest fan-out: many digests due in the same minute, under real limits.

1,000 digests across 200 workspaces (5 each, all into the workspace's one channel) fall
due at the same minute. The simulator answers with 50 ms latency and the fake Slack Web
API enforces one message per second per channel (429 + Retry-After). Every due job is
fired the way the scheduler fires them (concurrently, through `Clockwork.run_due`), and
then fired a second time, as a second process or a restart would, to count duplicates.

Prints the time to post everything, the lower bound the limits set, their ratio, the
upstream calls made against the minimum needed, and duplicate posts (must be 0).

    .venv/bin/python bench/digest_fanout.py [--workspaces 200] [--per-workspace 5]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from cryptography.fernet import Fernet

from bot.app import Runtime
from bot.config import Settings
from bot.features.scheduler import Clockwork
from bot.sim.server import SimServer
from bot.team import Team
from tests.fakes.slack import FakeSlackServer

#: WeldPulse calls one digest needs: stats now, stats before, timeseries, pages, referrers.
CALLS_PER_WORKSPACE = 5


async def main(workspaces: int, per_workspace: int, latency: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeSlackServer() as slack, SimServer() as sim:
            slack.state.per_channel_interval = 1.0
            sim.control.latency("weldpulse", latency)
            env = {
                "SLACK_SIGNING_SECRET": "bench",
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_API_URL": slack.api_url,
                "LOG_LEVEL": "WARNING",
                "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
                "DATABASE_PATH": str(Path(tmp) / "fanout.db"),
                **{f"{s.upper()}_BASE_URL": u for s, u in sim.base_urls.items()},
            }
            runtime = Runtime.build(Settings.from_env(env))
            store = runtime.store
            due = (datetime.now(UTC) + timedelta(hours=1)).replace(
                minute=0, second=0, microsecond=0
            )
            ids: list[int] = []
            for w in range(workspaces):
                team = Team(f"T{w:05d}")
                key = f"ak_live_bench{w:06d}"
                sim.control.register_credential("weldpulse", api_key=key)
                store.credentials.save(team, "weldpulse", {"api_key": key}, "U0")
                for _ in range(per_workspace):
                    digest = store.digests.add(
                        team,
                        channel_id=f"C{w:05d}",
                        schedule_kind="daily",
                        hour=due.hour,
                        minute=0,
                        tz="UTC",
                        created_by="U0",
                        services=("weldpulse",),
                    )
                    ids.append(digest.id)
            clockwork = Clockwork(AsyncIOScheduler(), store, runtime.digests, runtime.clock)
            sim.control.reset_requests()

            started = time.perf_counter()
            results = await asyncio.gather(*(clockwork.run_due(i, now=due) for i in ids))
            elapsed = time.perf_counter() - started
            again = await asyncio.gather(*(clockwork.run_due(i, now=due) for i in ids))
            await runtime.close()

    statuses = Counter(results)
    repeat = Counter(again)
    posts = slack.state.posts()
    per_channel = Counter(p.args["channel"] for p in posts)
    duplicates = len(posts) - len(ids)
    lower_bound = (max(per_channel.values()) - 1) * 1.0 + latency
    upstream = sim.control.count("weldpulse")
    minimum = workspaces * CALLS_PER_WORKSPACE
    refused = sum(1 for c in slack.state.calls if c.method == "chat.postMessage" and not c.ok)
    print(
        f"{len(ids)} digests due at {due:%H:%M} UTC across {workspaces} workspaces "
        f"({per_workspace} per channel); simulator latency {latency * 1000:.0f} ms; "
        f"fake Slack 1 msg/s/channel"
    )
    print(f"first round: {dict(statuses)}; second round (as a restart would): {dict(repeat)}")
    print(
        f"time to post all: {elapsed:.2f}s; lower bound from the limits: {lower_bound:.2f}s; "
        f"ratio {elapsed / lower_bound:.2f}"
    )
    print(
        f"upstream WeldPulse calls: {upstream} (minimum needed {minimum}, "
        f"ratio {upstream / minimum:.2f})"
    )
    print(
        f"Slack posts: {len(posts)}; refused by the per-channel limit and retried: {refused}; "
        f"duplicates: {duplicates}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument("--per-workspace", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    asyncio.run(main(args.workspaces, args.per_workspace, args.latency))
