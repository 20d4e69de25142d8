"""Digest fan-out: many digests due in the same minute, under real limits.

1,000 digests across 200 workspaces (5 each, all into the workspace's one channel) fall
due at the same minute. The simulator answers with 50 ms latency and the fake Slack Web
API enforces one message per second per channel (429 + Retry-After). The clock is moved
to that minute and the scheduler sweeps once (`Scheduler.sweep`, as its job would); then
it sweeps again (nothing is due any more), and once more after every digest's next run
has been set back to that minute, as if a process had died before storing it — every run
is claimed already, so nothing may be posted twice.

Prints the time to post everything, the lower bound the limits set, their ratio, the
upstream calls made against the minimum needed, and duplicate posts (must be 0).

    .venv/bin/python bench/digest_fanout.py [--workspaces 200] [--per-workspace 5]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests.fakes

from bot.app import Runtime
from bot.clock import SystemClock
from bot.config import Settings
from bot.features.recurrence import Schedule
from bot.features.scheduler import Scheduler
from bot.sim.server import SimServer
from bot.team import Team
from tests.fakes.slack import FakeSlackServer

#: WeldPulse calls one digest needs: stats now, stats before, timeseries, pages, referrers.
CALLS_PER_WORKSPACE = 5


class ShiftedClock(SystemClock):
    """The real clock (waits and pacing are real), read as if `offset` later."""

    offset = timedelta(0)

    def now(self) -> datetime:
        return super().now() + self.offset


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
            clock = ShiftedClock()
            runtime = Runtime.build(Settings.from_env(env), clock=clock)
            store = runtime.store
            due = (clock.now() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
            schedule = Schedule("daily", 0, due.hour, None, ZoneInfo("UTC"))
            ids: list[int] = []
            for w in range(workspaces):
                team = Team(f"T{w:05d}")
                key = f"ak_live_bench{w:06d}"
                sim.control.register_credential("weldpulse", api_key=key)
                await store.credentials.save(team, "weldpulse", {"api_key": key}, "U0")
                for _ in range(per_workspace):
                    digest = await runtime.digests.add(
                        team,
                        "U0",
                        channel_id=f"C{w:05d}",
                        schedule=schedule,
                        services=("weldpulse",),
                    )
                    ids.append(digest.id)
            scheduler = Scheduler(store, runtime.digests, clock)
            sim.control.reset_requests()
            clock.offset = due - datetime.now(UTC)  # the due minute has come

            started = time.perf_counter()
            first = await scheduler.sweep()
            elapsed = time.perf_counter() - started
            second = await scheduler.sweep()
            for i in ids:
                await store.digests.set_next_run(i, due)
            replay = await scheduler.sweep()
            await scheduler.stop()
            await runtime.close()

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
    print(f"first sweep: {first}")
    print(f"second sweep: {second}")
    print(f"after setting every next run back (as a process that died would): {replay}")
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
