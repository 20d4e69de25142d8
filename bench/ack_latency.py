"""Ack latency of /pulse as Slack feels it: every part in its own process.

- the fake Slack Web API and the simulated services: `python -m bench.fakes`;
- Pulse Bot as the Procfile runs it: `python -m bot serve` (SQLite, one WeldPulse key);
- the floor: a bare Bolt app whose listener only acks, `python -m bench.bare_app`;
- the load: this process, firing `--n` concurrent signed `/pulse stats RANGE` commands,
  one on each of `--n` keep-alive connections opened beforehand (`Burst`).

WeldPulse answers after `--latency` seconds. Rounds alternate bare, bot, bare, bot … (at
least 3 each); each round asks a different range, so the answer cache cannot serve it.
Per round it prints p50/p95/p99/max of the time to the HTTP answer (Slack allows 3 s) for
both, and the CPU each app used meanwhile; the p99 ratio; how many answers reached
response_url and how long they took, and how many requests WeldPulse saw. Then Pulse
Bot's RSS and one `SUMMARY` line a script can read: the median of the rounds' p99 ratios,
its spread, the slowest ack, and the ratio of the two apps' CPU over all rounds (a
steadier figure than the p99s of a 2-core machine, where 200 acks take ~100 ms).

    .venv/bin/python bench/ack_latency.py [--n 200] [--latency 2.0] [--rounds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests.*

from bot.clock import SystemClock
from bot.sim.demo import DEMO_CREDENTIALS
from bot.store import Secrets, Store, open_database
from bot.team import Team
from tests.e2e.processes import ROOT, free_port
from tests.fakes.slack import signed_headers

SECRET = "bench-signing-secret"
TEAM = Team("T0BENCH")
RANGES = ("7d", "30d", "90d", "24h", "last-week", "last-month", "yesterday", "this-week")


def range_of(round_: int) -> str:
    """A range no earlier round asked: the named ones, then weeks further and further back."""
    if round_ < len(RANGES):
        return RANGES[round_]
    start = date.today() - timedelta(weeks=round_ + 1)
    return f"{start.isoformat()}..{(start + timedelta(days=6)).isoformat()}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def summary(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"p50 {percentile(ms, 50):6.0f}  p95 {percentile(ms, 95):6.0f}  "
        f"p99 {percentile(ms, 99):6.0f}  max {max(ms):6.0f} ms"
    )


def app_env(
    urls: dict[str, Any], *, port: int, database: Path, key: str | None = None, **slack: str
) -> dict[str, str]:
    """The environment Pulse Bot runs in against the fakes (`urls` as `bench.fakes`
    prints them), with a new secret key unless given one; `slack` adds the Slack settings
    (a bot token, or OAuth's client; the signing secret is `bench` unless given)."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PORT": str(port),
        "SLACK_API_URL": urls["slack"],
        "SLACK_SIGNING_SECRET": "bench",
        "PULSEBOT_SECRET_KEY": key or Fernet.generate_key().decode(),
        "DATABASE_PATH": str(database),
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        **{f"{s.upper()}_BASE_URL": u for s, u in urls["sim"].items()},
        **slack,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Fakes:
    proc: subprocess.Popen[str]
    urls: dict[str, Any]

    def response_url(self, ident: str) -> str:
        return str(self.urls["response"]).replace("{id}", ident)


@contextmanager
def started(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


async def until_up(http: aiohttp.ClientSession, url: str) -> None:
    for _ in range(600):
        try:
            async with http.get(url) as response:
                if response.status < 500:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit(f"{url} did not come up within 60 s")


class Burst:
    """`n` keep-alive HTTP/1.1 connections to one server's /slack/events, opened before the
    clock starts; `fire` writes one request on each at once and times each answer from its
    write. Plain streams rather than an HTTP client: on this 2-core machine aiohttp's
    client used 22-34 ms of CPU for 200 requests, this 11-15 ms (signing included), and
    the load generator's CPU competes with the app's."""

    def __init__(self, port: int, n: int) -> None:
        self.port, self.n = port, n
        self._streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def __aenter__(self) -> Burst:
        for _ in range(self.n):
            self._streams.append(await asyncio.open_connection("127.0.0.1", self.port))
        return self

    async def __aexit__(self, *exc: object) -> None:
        for _, writer in self._streams:
            writer.close()

    def request(self, body: str) -> bytes:
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "Content-Length": str(len(body.encode())),
            **signed_headers(SECRET, body),
        }
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return f"POST /slack/events HTTP/1.1\r\n{head}\r\n{body}".encode()

    async def fire(self, fakes: Fakes, n: int, text: str, tag: str) -> list[float]:
        """`n` signed commands at once; the time from each write to its answer. The
        requests are built and signed before the clock starts."""
        raw = [self.request(command_body(fakes, i, text, tag)) for i in range(n)]

        async def one(
            stream: tuple[asyncio.StreamReader, asyncio.StreamWriter], data: bytes
        ) -> float:
            reader, writer = stream
            started_at = time.perf_counter()
            writer.write(data)
            head = await reader.readuntil(b"\r\n\r\n")
            elapsed = time.perf_counter() - started_at
            status, *lines = head.decode("latin-1").split("\r\n")
            fields = dict(line.split(": ", 1) for line in lines if ": " in line)
            length = next((v for k, v in fields.items() if k.lower() == "content-length"), None)
            if length is None:
                raise SystemExit(f"an answer without Content-Length: {status}")
            await reader.readexactly(int(length))
            if status.split()[1] != "200":
                raise SystemExit(f"/slack/events answered {status}")
            return elapsed

        streams = self._streams[: len(raw)]
        return list(await asyncio.gather(*(one(s, r) for s, r in zip(streams, raw, strict=True))))


def command_body(fakes: Fakes, i: int, text: str, tag: str) -> str:
    return urlencode(
        {
            "team_id": TEAM.team_id,
            "user_id": f"U{i:05d}",
            "channel_id": "C0BENCH",
            "command": "/pulse",
            "text": text,
            "response_url": fakes.response_url(f"{tag}-{i}"),
            "trigger_id": f"t.{tag}.{i}",
            "api_app_id": "A0PULSE",
        }
    )


async def call(http: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> Any:
    async with http.request(method, url, json=body) as response:
        return await response.json()


async def answered(http: aiohttp.ClientSession, fakes: Fakes, n: int) -> int:
    count = 0
    for _ in range(1200):
        async with http.get(fakes.urls["stats"]) as response:
            count = int((await response.json())["responses"])
        if count >= n:
            return count
        await asyncio.sleep(0.05)
    return count


async def bench(fakes: Fakes, n: int, latency: float, rounds: int) -> None:
    control = fakes.urls["control"]
    with tempfile.TemporaryDirectory() as tmp:
        key = Fernet.generate_key().decode()
        db = Path(tmp) / "bench.db"
        store = Store(open_database(db), Secrets([key.encode()]), SystemClock())
        await store.credentials.save(TEAM, "weldpulse", dict(DEMO_CREDENTIALS["weldpulse"]), "U0")
        store.close()
        bot_port, bare_port = free_port(), free_port()
        env = app_env(
            fakes.urls,
            port=bot_port,
            database=db,
            key=key,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_BOT_TOKEN="xoxb-bench",
        )
        bot_cmd = [sys.executable, "-m", "bot", "serve"]
        bare_cmd = [
            *(sys.executable, "-m", "bench.bare_app", "--port", str(bare_port)),
            *("--secret", SECRET, "--api-url", fakes.urls["slack"]),
        ]
        ratios: list[float] = []
        bot_all: list[float] = []
        bare_all: list[float] = []
        delivered = 0
        cpus: list[tuple[float, float]] = []  # (bot, bare): CPU used while acknowledging
        with started(bot_cmd, env) as bot, started(bare_cmd, env) as bare_app:
            timeout = aiohttp.ClientTimeout(total=60)
            async with aiohttp.ClientSession(timeout=timeout) as http:
                await until_up(http, f"http://127.0.0.1:{bot_port}/healthz")
                await until_up(http, f"http://127.0.0.1:{bare_port}/healthz")
                await call(
                    http,
                    "POST",
                    f"{control}/faults",
                    {"service": "weldpulse", "kind": "latency", "seconds": latency},
                )
                async with Burst(bot_port, n) as bot_burst, Burst(bare_port, n) as bare_burst:
                    await bare_burst.fire(fakes, 5, "help", "warm-bare")
                    await bot_burst.fire(fakes, 5, "help", "warm-bot")
                    await answered(http, fakes, 5)
                    print(
                        f"{n} concurrent signed /pulse stats RANGE, WeldPulse answering after "
                        f"{latency:g} s; each part in its own process"
                    )
                    for r in range(rounds):
                        text = f"stats {range_of(r)}"
                        cpu = cpu_seconds(bare_app.pid)
                        bare = await bare_burst.fire(fakes, n, text, f"bare{r}")
                        bare_cpu = cpu_seconds(bare_app.pid) - cpu
                        await call(http, "DELETE", fakes.urls["stats"])
                        await call(http, "DELETE", f"{control}/requests")
                        sent = time.perf_counter()
                        cpu = cpu_seconds(bot.pid)
                        acks = await bot_burst.fire(fakes, n, text, f"bot{r}")
                        bot_cpu = cpu_seconds(bot.pid) - cpu
                        got = await answered(http, fakes, n)
                        took = time.perf_counter() - sent
                        upstream = (await call(http, "GET", f"{control}/requests"))["total"]
                        ratio = percentile(acks, 99) / percentile(bare, 99)
                        ratios.append(ratio)
                        bot_all += acks
                        bare_all += bare
                        delivered += got
                        print(f"round {r + 1} `{text}`")
                        cpus.append((bot_cpu, bare_cpu))
                        print(f"  bare Bolt  {summary(bare)}   CPU {bare_cpu * 1000:4.0f} ms")
                        print(f"  Pulse Bot  {summary(acks)}   CPU {bot_cpu * 1000:4.0f} ms")
                        print(f"  p99 ratio {ratio:.2f}")
                        print(f"  answers {got}/{n} within {took:.1f} s; WeldPulse saw {upstream}")
                rss = rss_mb(bot.pid)
    median = statistics.median(ratios)
    cpu_ratio = sum(bot for bot, _ in cpus) / max(1e-9, sum(bare for _, bare in cpus))
    print(f"Pulse Bot RSS after the rounds: {rss:.0f} MB")
    print(
        f"SUMMARY n={n} rounds={rounds} ratio_p99_median={median:.2f} "
        f"ratio_p99_min={min(ratios):.2f} ratio_p99_max={max(ratios):.2f} "
        f"bot_p99_ms={percentile(bot_all, 99) * 1000:.0f} "
        f"bare_p99_ms={percentile(bare_all, 99) * 1000:.0f} "
        f"bot_max_ms={max(bot_all) * 1000:.0f} cpu_ratio={cpu_ratio:.2f} "
        f"answers={delivered}/{n * rounds} rss_mb={rss:.0f}"
    )


async def main(n: int, latency: float, rounds: int) -> None:
    with started([sys.executable, "-m", "bench.fakes"], {**os.environ}) as proc:
        assert proc.stdout is not None
        fakes = Fakes(proc, json.loads(proc.stdout.readline()))
        await bench(fakes, n, latency, rounds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="bench/ack_latency.py")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.latency, max(3, args.rounds)))
