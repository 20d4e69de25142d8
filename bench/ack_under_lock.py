"""Acks while another connection holds the database for 10 seconds.

The app runs as its own process (`python -m tests.e2e.launch web`, i.e. `python -m bot
serve`) on a SQLite file — or on PostgreSQL with `--database-url`. This bench takes the
database's write lock from a second connection (SQLite `BEGIN EXCLUSIVE`; PostgreSQL
`LOCK TABLE user_cache, answers IN ACCESS EXCLUSIVE MODE`) and holds it for `--hold`
seconds while it sends signed `/pulse help` and `/pulse digest list` commands, 10 a
second, from this process. It prints the time to each HTTP acknowledgement (Slack gives
up after 3 s) and how many answers reached the `response_url` in the end.

    .venv/bin/python bench/ack_under_lock.py [--hold 10] [--rate 10] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests.*

from bench.ack_latency import percentile
from tests.e2e.processes import ROOT, free_port, launch
from tests.fakes.slack import FakeSlackServer, signed_headers

SECRET = "lock-bench-secret"


@contextlib.contextmanager
def held(database: str) -> Iterator[None]:
    if not database.startswith("postgresql"):
        conn = sqlite3.connect(database, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    import psycopg

    with psycopg.connect(database) as pg:
        pg.execute("LOCK TABLE user_cache, answers IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            pg.rollback()


async def main(hold: float, rate: float, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        database = database_url or str(Path(workdir) / "lock.db")
        where = {"DATABASE_URL": database} if database_url else {"DATABASE_PATH": database}
        async with FakeSlackServer() as slack:
            env = {
                **os.environ,
                **where,
                "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_BOT_TOKEN": "xoxb-lock",
                "SLACK_API_URL": slack.api_url,
                "PORT": str(free_port()),
                "PYTHONPATH": str(ROOT),
            }
            app = await launch("web", "web", env, 0.0)
            await app.ready()
            url = f"http://127.0.0.1:{app.port}/slack/events"
            acks: list[float] = []
            statuses: list[int] = []
            sent = 0
            async with httpx.AsyncClient(timeout=30) as http:

                async def one(n: int) -> None:
                    text = "help" if n % 2 else "digest list"
                    body = urlencode(
                        {
                            "team_id": "T0LOCK",
                            "channel_id": "C0LOCK",
                            "user_id": f"U{n:05d}",
                            "command": "/pulse",
                            "text": text,
                            "response_url": slack.response_url(f"l{n}"),
                        }
                    )
                    started = time.perf_counter()
                    response = await http.post(
                        url, content=body, headers=signed_headers(SECRET, body)
                    )
                    acks.append(time.perf_counter() - started)
                    statuses.append(response.status_code)

                with held(database):
                    tasks = []
                    until = time.monotonic() + hold
                    while time.monotonic() < until:
                        tasks.append(asyncio.create_task(one(sent)))
                        sent += 1
                        await asyncio.sleep(1 / rate)
                    await asyncio.gather(*tasks)
                    answered_during = len(slack.state.responses)
                for _ in range(300):  # the answers go out once the lock is released
                    if len(slack.state.responses) >= sent:
                        break
                    await asyncio.sleep(0.1)
            app.proc.terminate()
            await app.proc.wait()
    over = sum(1 for a in acks if a >= 3.0)
    print(f"lock held {hold:.0f} s on {'PostgreSQL' if database_url else 'SQLite'}")
    print(
        f"{sent} commands: acks p50 {percentile(acks, 50) * 1000:.0f} ms, "
        f"p99 {percentile(acks, 99) * 1000:.0f} ms, max {max(acks) * 1000:.0f} ms; "
        f"{over} at or over 3 s; HTTP {sorted(set(statuses))}"
    )
    print(
        f"answers: {answered_during} while held, {len(slack.state.responses)} of {sent} in the end"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="bench/ack_under_lock.py")
    parser.add_argument("--hold", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    asyncio.run(main(args.hold, args.rate, args.database_url))
