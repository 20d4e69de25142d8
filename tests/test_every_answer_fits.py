"""Every answer of every command fits Slack's limits — for the demo data and for a large,
unicode-heavy workspace — as `bot.render.limits` sees it and as the fake Slack (written
apart from it) sees it; and so does its fallback rendering, should Slack refuse the
blocks."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from io import StringIO
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from cryptography.fernet import Fernet

from bot.app import Runtime
from bot.config import Settings
from bot.console import answer, console_runtime
from bot.render.fallback import fallback
from bot.render.limits import problems
from bot.team import Team
from commands import build_router
from tests.commands.big_world import BIG_CREDENTIALS, mock_big_world
from tests.commands.harness import MOCK_BASE_URLS, CommandHarness, make_harness
from tests.fakes.poster import RecordingPoster
from tests.fakes.slack_rules import refusal

#: One or more lines per command, in an order that leaves something to act on.
LINES = [
    "help",
    "help sessions",
    "stats",
    "stats 90d",
    "stats today",
    "pages 30d --limit 100",
    "referrers --limit 100",
    "geo 90d --limit 100",
    "devices --limit 100",
    "events 30d",
    "realtime",
    "sites",
    "timeseries 24h",
    "timeseries 7d --interval 1h",
    "timeseries 90d",
    "timeseries 2025-12-01..2026-11-22",
    "sessions ana@example.com 30d --limit 100",
    "session {session}",
    "pulses {user} 30d",
    "pulses {user} 2025-11-23..2026-11-22",
    "apps",
    "apps --page 2",
    "apps show {app}",
    "apps create Nüe app 🚀 <script>",
    "apps rename {app} Ñame & co",
    "inspections 90d",
    "actions",
    "actions --overdue",
    "connect weldpulse",
    "services",
    "digest add here daily 09:00",
    "digest add #ops weekly mon 08:00 --services weldpulse,whatpulse",
    "digest list",
    "digest preview 1",
    "digest run 1",
    "digest pause 1",
    "digest resume 1",
    "alert add weldpulse.realtime > 50",
    "alert list",
    "alert snooze 1 2h",
    "alert mute 1",
    "alert unmute 1",
    "admins",
    "admins add <@U0ANA>",
    "admins remove <@U0ANA>",
    "digest remove 2",
    "alert remove 1",
    "disconnect pulsepro",
]


def test_every_command_has_a_line() -> None:
    covered = {
        build_router().parse(line.format(session="1", user="u", app="k"))[0].name for line in LINES
    }
    assert sorted(set(build_router().commands) - covered) == []


def fits(line: str, payload: dict[str, Any]) -> None:
    assert payload["text"].strip(), line
    assert problems(payload) == [], line
    assert refusal(payload) is None, line
    plain = fallback(payload)
    assert problems(plain) == [], line
    assert refusal(plain, refused_types={"table", "data_visualization"}) is None, line


# ---- the demo data, through the console's simulator -----------------------------------------


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Runtime]:
    env = {
        "DATABASE_PATH": str(tmp_path / "demo.db"),
        "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
    }
    async with console_runtime(Settings.from_env(env), out=StringIO()) as runtime:
        yield runtime


async def test_every_answer_for_the_demo_data_fits(demo: Runtime) -> None:
    listing = await answer(demo, "sessions ana@example.com 30d --limit 1")
    session = re.findall(r"\d{10,}", str(listing.blocks))[0]
    apps = await answer(demo, "apps")
    app = re.findall(r"[0-9a-f]{8}…", str(apps.to_slack()))[0]
    for template in LINES:
        line = template.format(session=session, user="ana", app=app)
        message = await answer(demo, line)
        assert "Sorry, something went wrong" not in message.text, line
        fits(line, message.to_slack(share_id="share-1"))


# ---- a large, unicode-heavy workspace -------------------------------------------------------


@pytest.fixture
async def big(tmp_path: Path) -> AsyncIterator[tuple[CommandHarness, RecordingPoster]]:
    poster = RecordingPoster()
    async with httpx.AsyncClient() as http:
        harness = make_harness(tmp_path, http, MOCK_BASE_URLS, poster=lambda clock: poster)
        for service, credential in BIG_CREDENTIALS.items():
            await harness.connect(service, credential)
        yield harness, poster
        harness.store.close()


async def test_every_answer_for_a_large_unicode_workspace_fits(
    big: tuple[CommandHarness, RecordingPoster],
) -> None:
    cmd, poster = big
    for i in range(120):  # more alerts and digests than any list or table holds
        await cmd.store.alerts.add(
            cmd.team,
            metric="weldpulse.realtime",
            op=">",
            value=i,
            over_seconds=0,
            channel_id=f"C{i:08d}",
            created_by="U0SOMEONE",
        )
    other = Team("T0OTHER")
    assert await cmd.store.alerts.list(other) == []
    with respx.mock(assert_all_called=False) as router:
        mock_big_world(router)
        for template in LINES:
            line = template.format(session="2507720788000001", user="alice", app="00000007…")
            message = await cmd.run(line)
            assert "Sorry, something went wrong" not in message.text, line
            fits(line, message.to_slack(share_id="share-1"))
    assert poster.posts, "digest run posted the digest"
    for _, payload, _ in poster.posts:
        fits("the posted digest", payload)
