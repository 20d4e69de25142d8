"""kill -9 at random moments of a digest run and of an alert firing: lost or said twice?

Each trial starts the app as its own process (`python -m tests.e2e.launch web`, the
scheduler inside, as `python -m bot serve` runs it) on a fresh SQLite file, with a digest
due three seconds later and an alert whose condition is true, WeldPulse answering in
0.3 s so that the work takes a while. At a random moment in the next five seconds the
bench sends SIGKILL, starts the process again on the same file and waits until both are
settled (`--window 2.8 3.6` aims the kills at the digest run itself). Then it counts, in
the fake Slack's channel history, the messages carrying the digest run's key and the
alert's firing key: 1 is right, 0 is lost, 2+ is duplicated.

    .venv/bin/python bench/crash_trials.py [--trials 20] [--seed 7] [--window 0 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests.*

from bot.clock import SystemClock
from bot.sim.demo import DEMO_CREDENTIALS
from bot.sim.server import SimServer
from bot.store import Secrets, Store, open_database
from bot.team import Team
from tests.e2e.processes import ROOT, free_port, launch
from tests.fakes.slack import FakeSlackServer, signed_headers

SECRET = "crash-bench-secret"
TEAM = Team("T0000001")
CHANNEL = "C0TRIAL"


def keyed(slack: FakeSlackServer, prefix: str) -> int:
    return sum(
        1
        for m in slack.state.history[CHANNEL]
        if str(((m.get("metadata") or {}).get("event_payload") or {}).get("key", "")).startswith(
            prefix
        )
        and not m.get("thread_ts")
    )


async def stages(store: Store, slack: FakeSlackServer, due: datetime) -> str:
    """Where the killed process was: the digest run's and the alert's stage."""
    run = await store.digests.get_run(1, due)
    in_slack = keyed(slack, "digest:1:")
    digest = (
        "not yet due"
        if run is None
        else run.status
        if run.status != "claimed"
        else "claimed, in Slack"
        if in_slack
        else "claimed"
    )
    alert = await store.alerts.get(TEAM, 1)
    said = keyed(slack, "alert:1:")
    fired = (
        "not added"
        if alert is None
        else "not fired"
        if alert.state != "firing"
        else "in outbox, in Slack"
        if alert.outbox and said
        else "in outbox"
        if alert.outbox
        else "recorded"
    )
    return f"digest {digest}; alert {fired}"


async def trial(
    number: int, rng: random.Random, workdir: Path, window: tuple[float, float]
) -> tuple[int, int, float, str]:
    """One kill -9 and restart; answers (digest posts, alert posts, kill moment, stage)."""
    key = Fernet.generate_key().decode()
    now = datetime.now(UTC)
    due = (now + timedelta(minutes=2)).replace(second=0, microsecond=0)
    shift = (due - timedelta(seconds=3) - now).total_seconds()
    path = workdir / f"trial{number}.db"
    async with FakeSlackServer() as slack, SimServer() as sim:
        slack.state.wall = lambda: time.time() + shift
        sim.control.set_traffic(1000)
        for service in ("weldpulse",):
            sim.control.latency(service, 0.3)
        env = {
            **os.environ,
            "DATABASE_PATH": str(path),
            "PULSEBOT_SECRET_KEY": key,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": "xoxb-trial",
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
            first = await launch("web", "web", env, shift, lease=3.0)
            await first.ready()
            async with httpx.AsyncClient(timeout=30) as http:
                for n, text in enumerate(
                    (
                        f"digest add here daily {due:%H:%M} UTC --services weldpulse",
                        f"alert add weldpulse.realtime > 40 --in <#{CHANNEL}|trial>",
                    )
                ):
                    body = urlencode(
                        {
                            "team_id": TEAM.team_id,
                            "channel_id": CHANNEL,
                            "user_id": "U0CALLER",
                            "command": "/pulse",
                            "text": text,
                            "response_url": slack.response_url(f"t{n}"),
                        }
                    )
                    await http.post(
                        f"http://127.0.0.1:{first.port}/slack/events",
                        content=body,
                        headers=signed_headers(SECRET, body),
                    )
            moment = rng.uniform(*window)
            await asyncio.sleep(moment)
            first.kill()
            await first.proc.wait()
            stage = await stages(store, slack, due)

            second = await launch("web", "web", env, shift, lease=3.0)
            await second.ready()
            for _ in range(600):
                run = await store.digests.get_run(1, due)
                alert = await store.alerts.get(TEAM, 1)
                if (
                    run is not None
                    and run.status in {"posted", "failed", "skipped"}
                    and alert is not None
                    and not alert.outbox
                    and alert.state == "firing"
                ):
                    break
                await asyncio.sleep(0.1)
            second.proc.terminate()
            await second.proc.wait()
            return keyed(slack, "digest:1:"), keyed(slack, "alert:1:"), moment, stage
        finally:
            store.close()


async def main(trials: int, seed: int, window: tuple[float, float]) -> None:
    rng = random.Random(seed)
    lost = duplicated = 0
    with tempfile.TemporaryDirectory() as workdir:
        for number in range(1, trials + 1):
            digest, alert, moment, stage = await trial(number, rng, Path(workdir), window)
            for count in (digest, alert):
                lost += count == 0
                duplicated += count > 1
            print(
                f"trial {number:2d}: killed {moment:4.2f} s in ({stage}) -> "
                f"digest posted {digest}x, alert announced {alert}x",
                flush=True,
            )
    print(f"\n{trials} trials, {2 * trials} deliveries: {lost} lost, {duplicated} duplicated")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="bench/crash_trials.py")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--window",
        type=float,
        nargs=2,
        default=(0.0, 5.0),
        metavar=("FROM", "TO"),
        help="seconds after the commands within which the kill falls (the digest is due at 3)",
    )
    args = parser.parse_args()
    asyncio.run(main(args.trials, args.seed, tuple(args.window)))
