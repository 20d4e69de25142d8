"""A slow or locked database delays only what waits on it: Slack's acknowledgement never
does. Another connection holds the database (SQLite's write lock; a PostgreSQL table lock)
until every command has been acknowledged; only then are the answers written and sent."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.e2e.harness import PulseHarness


@contextmanager
def held(database_url: str) -> Iterator[None]:
    """Another process's hold on what every command writes first (the caller's profile)."""
    if database_url.startswith("sqlite:///"):
        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    import psycopg

    with psycopg.connect(database_url) as pg:
        pg.execute("LOCK TABLE user_cache IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            pg.rollback()


async def test_commands_are_acknowledged_while_the_database_is_held(
    harness: PulseHarness, database_url: str
) -> None:
    h = harness
    with held(database_url):
        sent = [h.command("help", user_id=f"U0STALL{n}") for n in range(10)]
        acks: list[tuple[httpx.Response, str]] = await asyncio.gather(*sent)
        assert [response.status_code for response, _ in acks] == [200] * 10
        assert h.slack.state.responses == []  # nothing answered while the database is held
    answers = await asyncio.gather(*(h.response(rid) for _, rid in acks))
    assert all("Pulse Bot commands" in a["text"] for a in answers)
