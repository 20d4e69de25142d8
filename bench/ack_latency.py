"""Ack latency of /pulse under load, beside a minimal Bolt app that only acks.

Fires N concurrent signed slash commands (default 200) at the real app over loopback
while the upstream service takes 2 s per request (the simulator's latency fault), and the
same N at a bare Bolt AsyncApp whose listener only acks. Prints p50/p95/p99 of the time
to the HTTP answer (Slack's 3-second ack) and how many answers later reached response_url.

    .venv/bin/python bench/ack_latency.py [--n 200] [--latency 2.0]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import web
from cryptography.fernet import Fernet
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests.fakes

from bot.app import Runtime
from bot.config import Settings
from bot.runner import start_http
from bot.sim.demo import DEMO_CREDENTIALS
from bot.sim.server import SimServer
from bot.team import Team
from tests.fakes.slack import FakeSlackServer, signed_headers

SECRET = "bench-signing-secret"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


async def fire(url: str, n: int, slack: FakeSlackServer, text: str) -> list[float]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:

        async def one(i: int) -> float:
            body = urlencode(
                {
                    "team_id": "T0BENCH",
                    "user_id": f"U{i:05d}",
                    "channel_id": "C0BENCH",
                    "command": "/pulse",
                    "text": text,
                    "response_url": slack.response_url(f"b{i}"),
                    "trigger_id": f"t{i}",
                    "api_app_id": "A0PULSE",
                }
            )
            started = time.perf_counter()
            response = await http.post(url, content=body, headers=signed_headers(SECRET, body))
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            return elapsed

        return list(await asyncio.gather(*(one(i) for i in range(n))))


def minimal_app(api_url: str) -> web.Application:
    bolt = AsyncApp(signing_secret=SECRET, client=AsyncWebClient(token="xoxb-x", base_url=api_url))

    @bolt.command("/pulse")
    async def only_ack(ack: Any) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    return app


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"


def row(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{name:<22} p50 {percentile(ms, 50):7.1f} ms   p95 {percentile(ms, 95):7.1f} ms   "
        f"p99 {percentile(ms, 99):7.1f} ms   max {max(ms):7.1f} ms   "
        f"mean {statistics.mean(ms):7.1f} ms"
    )


async def main(n: int, latency: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeSlackServer() as slack, SimServer() as sim:
            sim.control.latency("weldpulse", latency)
            env = {
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_API_URL": slack.api_url,
                "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
                "DATABASE_PATH": str(Path(tmp) / "bench.db"),
                "LOG_LEVEL": "WARNING",
                **{f"{s.upper()}_BASE_URL": u for s, u in sim.base_urls.items()},
            }
            runtime = Runtime.build(Settings.from_env(env))
            await runtime.store.credentials.save(
                Team("T0BENCH"), "weldpulse", dict(DEMO_CREDENTIALS["weldpulse"]), "U0"
            )
            runner = await start_http(runtime, "127.0.0.1", 0)
            pulse_url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
            bare_runner, bare_url = await serve(minimal_app(slack.api_url))
            try:
                await fire(bare_url, 5, slack, "help")  # warm both up
                await fire(pulse_url, 5, slack, "help")
                slack.state.responses.clear()
                bare = await fire(bare_url, n, slack, "pages 30d")
                started = time.perf_counter()
                pulse = await fire(pulse_url, n, slack, "pages 30d")
                await slack.state.wait_for(lambda: len(slack.state.responses) >= n, 60)
                answered = time.perf_counter() - started
            finally:
                await runner.cleanup()
                await bare_runner.cleanup()
                await runtime.close()
    print(f"{n} concurrent signed /pulse commands, upstream latency {latency:.1f}s")
    print(row("minimal Bolt (ack only)", bare))
    print(row("Pulse Bot", pulse))
    ratio = percentile(pulse, 99) / percentile(bare, 99)
    print(
        f"p99 ratio Pulse Bot / minimal: {ratio:.2f} (target <= 1.5); "
        f"slowest ack {max(pulse):.3f}s (Slack allows 3s)"
    )
    print(
        f"all {n} answers reached response_url {answered:.2f}s after the first command; "
        f"upstream requests: {sim.control.count('weldpulse', '/v1/pages')}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--latency", type=float, default=2.0)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.latency))
