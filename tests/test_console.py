"""The local console answers every command with demo data, through the real router."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.app import Runtime
from bot.config import Settings
from bot.console import answer_line, console_runtime, run
from bot.render.limits import problems

LINES = [
    "/pulse help",
    "/pulse stats",
    "/pulse stats last-month",
    "/pulse pages 30d",
    "/pulse referrers",
    "/pulse geo --limit 5",
    "/pulse devices",
    "/pulse events",
    "/pulse realtime",
    "/pulse sites",
    "/pulse timeseries 7d",
    "/pulse sessions ana@example.com 30d",
    "/pulse pulses ana 7d",
    "/pulse apps",
    "/pulse apps --page 2",
    "/pulse inspections 30d",
    "/pulse actions",
    "/pulse actions --overdue",
    "/pulse services",
    "/pulse admins",
    "/pulse digest list",
    "/pulse alert list",
]


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = Settings.from_env(
        {
            "DATABASE_PATH": str(tmp_path / "console.db"),
            "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
        }
    )
    async with console_runtime(settings, out=StringIO()) as rt:
        yield rt


@pytest.mark.parametrize("line", LINES)
async def test_every_command_has_something_true_to_show(runtime: Runtime, line: str) -> None:
    shown = await answer_line(runtime, line)
    assert "Sorry, something went wrong" not in shown
    assert "is not connected" not in shown
    assert "not answering" not in shown
    assert "(only you can see this)" in shown


async def test_session_detail_from_a_listed_id(runtime: Runtime) -> None:
    listing = await answer_line(runtime, "/pulse sessions ana@example.com 30d --limit 1")
    session_id = next(w for w in listing.split() if w.isdigit() and len(w) > 8)
    detail = await answer_line(runtime, f"/pulse session {session_id}")
    assert session_id in detail
    assert "Sorry" not in detail


async def test_a_digest_run_prints_what_the_channel_would_see(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "DATABASE_PATH": str(tmp_path / "c.db"),
            "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
        }
    )
    out = StringIO()
    async with console_runtime(settings, out=out) as rt:
        assert "Digest #1 added" in await answer_line(rt, "/pulse digest add here daily 09:00")
        assert "posted" in await answer_line(rt, "/pulse digest run 1")
    printed = out.getvalue()
    assert "[posted to #C0CONSOLE]" in printed
    assert "Pulse digest — yesterday" in printed


async def test_the_repl_reads_lines_until_exit(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "DATABASE_PATH": str(tmp_path / "r.db"),
            "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
        }
    )
    out = StringIO()
    code = await run(settings, stdin=StringIO("/pulse pgaes\nexit\n"), stdout=out)
    assert code == 0
    assert "Did you mean `/pulse pages`?" in out.getvalue()


async def test_json_prints_the_block_kit_payload(runtime: Runtime) -> None:
    printed = await answer_line(runtime, "/pulse pages 7d --limit 3", as_json=True)
    payload = json.loads(printed)
    assert payload["text"].startswith("Top pages — last 7 days: ")
    assert [b["type"] for b in payload["blocks"]] == ["header", "table", "context"]
    assert problems(payload) == []


async def test_charts_read_as_labelled_sparklines_with_their_values(runtime: Runtime) -> None:
    shown = await answer_line(runtime, "/pulse timeseries 7d")
    lines = shown.splitlines()
    title = lines.index("WeldPulse per day — last 7 days")
    assert lines[title + 1].startswith("  Visitors   ") and " min " in lines[title + 1]
    assert lines[title + 4].split() == ["Visitors", "Pageviews", "Sessions"]


class Typist:
    """A person at the console: types `lines`, then waits until the console has printed
    `until` (the scheduler at work) before typing `exit`."""

    def __init__(self, out: StringIO, lines: list[str], until: str) -> None:
        self.out, self.lines, self.until = out, list(lines), until

    def readline(self) -> str:
        if self.lines:
            return self.lines.pop(0) + "\n"
        for _ in range(300):  # the alerts job's first round is a second after start
            if self.until in self.out.getvalue():
                break
            threading.Event().wait(0.05)
        return "exit\n"


async def test_alerts_fire_in_the_console_as_they_would_in_a_channel(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "DATABASE_PATH": str(tmp_path / "alerts.db"),
            "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
        }
    )
    out = StringIO()
    typist = Typist(out, ["/pulse alert add pulsepro.open_actions > 0"], "[posted to #C0CONSOLE]")
    assert await run(settings, stdin=typist, stdout=out) == 0  # type: ignore[arg-type]
    printed = out.getvalue()
    assert "Alert #1 added" in printed
    assert "[posted to #C0CONSOLE]" in printed
    assert "pulsepro.open_actions > 0" in printed.split("[posted to #C0CONSOLE]")[1]
