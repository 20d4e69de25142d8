"""One process serving many workspaces: start-up time, idle cost and memory.

Seeds a SQLite file with `--workspaces` (default 10,000) installed workspaces (OAuth
installations, bot tokens encrypted), each with 2 connected services (WeldPulse and
PulsePro, encrypted), 2 digests (daily, due later today) and 2 alerts (one each service,
thresholds that hold nothing). Then, each in its own process, the fakes
(`python -m bench.fakes`) and Pulse Bot as the Procfile runs it (`python -m bot serve`,
OAuth mode, scheduler inside). Prints the time from launch to `/healthz` answering 200,
the CPU the process uses over `--idle` seconds with nobody typing (its sweeps and alert
rounds: user + system time from /proc, as a share of one core), its RSS, and how many
upstream calls the alert rounds made; then one `SUMMARY` line.

    .venv/bin/python bench/many_workspaces.py [--workspaces 10000] [--idle 120]
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
from zoneinfo import ZoneInfo

import aiohttp
from slack_sdk.oauth.installation_store import Installation

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests.*

from bench.ack_latency import app_env, call, cpu_seconds, rss_mb, started
from bot.app import Runtime
from bot.config import Settings
from bot.features.alert_metrics import CATALOGUE
from bot.features.recurrence import Schedule
from bot.store.slack_stores import StoreInstallationStore
from bot.team import Team
from tests.e2e.processes import free_port


def keys(w: int) -> dict[str, dict[str, str]]:
    """Workspace `w`'s own keys, as real workspaces each have their own."""
    return {
        "weldpulse": {"api_key": f"ak_live_many{w:06d}"},
        "pulsepro": {"api_key": f"pp_many_{w:06d}"},
    }


def megabytes(path: str) -> float:
    return os.path.getsize(path) / 1e6


async def seed(env: dict[str, str], workspaces: int) -> None:
    runtime = Runtime.build(Settings.from_env(env))
    store = runtime.store
    installations = StoreInstallationStore(store)
    later = (datetime.now(UTC) + timedelta(hours=6)).replace(minute=0)
    schedule = Schedule("daily", 0, later.hour, None, ZoneInfo("UTC"))
    try:
        for w in range(workspaces):
            team = Team(f"T{w:06d}")
            await installations.async_save(
                Installation(
                    app_id="A0PULSE",
                    team_id=team.team_id,
                    team_name=f"Workspace {w}",
                    bot_token=f"xoxb-bench-{w:06d}",
                    bot_id=f"B{w:06d}",
                    bot_user_id=f"U0BOT{w:06d}",
                    bot_scopes="commands,chat:write",
                    user_id="U0ADMIN",
                    installed_at=time.time(),
                )
            )
            for service, fields in keys(w).items():
                await store.credentials.save(team, service, fields, "U0ADMIN")
            for channel in ("C0DIGEST1", "C0DIGEST2"):
                await runtime.digests.add(team, "U0ADMIN", channel_id=channel, schedule=schedule)
            for name, op, value in (
                ("weldpulse.realtime", ">", 1e9),
                ("pulsepro.overdue_actions", ">", 1e6),
            ):
                await store.alerts.add(
                    team,
                    metric=CATALOGUE[name].name,
                    op=op,  # type: ignore[arg-type]
                    value=value,
                    over_seconds=0,
                    channel_id="C0ALERTS",
                    created_by="U0ADMIN",
                )
    finally:
        await runtime.close()


async def main(workspaces: int, idle: float) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        started([sys.executable, "-m", "bench.fakes"], {**os.environ}) as fakes,
    ):
        assert fakes.stdout is not None
        urls = json.loads(fakes.stdout.readline())
        port = free_port()
        env = app_env(
            urls,
            port=port,
            database=Path(tmp) / "many.db",
            SLACK_CLIENT_ID="111.222",
            SLACK_CLIENT_SECRET="bench-client-secret",
        )
        seeding = time.perf_counter()
        await seed(env, workspaces)
        seeded = time.perf_counter() - seeding
        size = megabytes(env["DATABASE_PATH"])
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            for w in range(workspaces):
                for service, fields in keys(w).items():
                    body = {"service": service, **fields}
                    await call(http, "POST", f"{urls['control']}/credentials", body)
            await call(http, "DELETE", f"{urls['control']}/requests")
            launched = time.perf_counter()
            with started([sys.executable, "-m", "bot", "serve"], env) as bot:
                while True:
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                            if response.status == 200:
                                break
                    except aiohttp.ClientError:
                        pass
                    if time.perf_counter() - launched > 120:
                        raise SystemExit("no healthy /healthz within 120 s")
                    await asyncio.sleep(0.05)
                start_s = time.perf_counter() - launched
                before, at = cpu_seconds(bot.pid), time.perf_counter()
                await asyncio.sleep(idle)
                used = cpu_seconds(bot.pid) - before
                share = used / (time.perf_counter() - at)
                rss = rss_mb(bot.pid)
            upstream = (await call(http, "GET", f"{urls['control']}/requests"))["total"]
    print(
        f"{workspaces} workspaces seeded in {seeded:.0f} s ({size:.0f} MB): each 2 services, "
        f"2 digests, 2 alerts"
    )
    print(f"start to a healthy /healthz: {start_s:.1f} s")
    print(
        f"idle for {idle:.0f} s: {used:.1f} s of CPU, {share * 100:.1f}% of one core; "
        f"{upstream} upstream calls by the alert rounds; RSS {rss:.0f} MB"
    )
    print(
        f"SUMMARY workspaces={workspaces} start_s={start_s:.1f} idle_cpu_pct={share * 100:.1f} "
        f"rss_mb={rss:.0f} upstream_calls={upstream}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="bench/many_workspaces.py")
    parser.add_argument("--workspaces", type=int, default=10_000)
    parser.add_argument("--idle", type=float, default=120.0)
    args = parser.parse_args()
    asyncio.run(main(args.workspaces, args.idle))
