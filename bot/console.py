"""The local console: `/pulse …` lines answered as text, with no Slack at all.

It runs the same router and handlers as Slack, against the simulated services started
in-process on loopback with demo credentials connected to a console workspace, so a
newcomer sees real answers from `make run` alone. Answers are the same Block Kit as in
Slack, rendered as text (`bot.render.text`: tables aligned, charts as labelled
sparklines with their values); `console --once LINE --json` prints the payload itself,
for Slack's Block Kit Builder.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.app import Runtime
from bot.clients.registry import KEYS
from bot.config import Settings
from bot.features.poster import Posted
from bot.render.message import Message
from bot.render.text import render
from bot.sim.demo import DEMO_CREDENTIALS
from bot.sim.server import SimServer
from bot.team import Team
from commands import dispatch
from commands.context import ChannelCheck, UserCheck, WorkspaceAdmins

CONSOLE_TEAM = Team("T0CONSOLE")
CONSOLE_USER = "U0CONSOLE"
CONSOLE_CHANNEL = "C0CONSOLE"
PROMPT = "pulse> "
BANNER = (
    "Pulse Bot local console — simulated services with demo data.\n"
    "Type `/pulse help` (the `/pulse` is optional); `exit` or Ctrl-D leaves."
)


class NoSlack:
    """The console has no Slack: forms cannot open; every channel takes posts (they are
    printed), every user ID is a person, and the console's user is the workspace admin."""

    has_forms = False

    async def open_modal(self, view: dict[str, Any]) -> bool:
        return False

    async def check_channel(self, channel: str) -> ChannelCheck:
        return ChannelCheck("postable")

    async def check_user(self, user_id: str) -> UserCheck:
        return UserCheck("person")

    async def workspace_admins(self) -> WorkspaceAdmins:
        return WorkspaceAdmins((CONSOLE_USER,))


class ConsolePoster:
    """What the scheduler would post into Slack, printed instead."""

    def __init__(self, out: TextIO):
        self.out = out
        self.posted: list[tuple[str, dict[str, Any]]] = []

    async def post(
        self,
        team: Team,
        channel: str,
        payload: dict[str, Any],
        *,
        thread_ts: str | None = None,
        key: str | None = None,
        attempted_since: datetime | None = None,
    ) -> Posted:
        self.posted.append((channel, payload))
        where = f"#{channel.lstrip('#')}" + (" (in thread)" if thread_ts else "")
        print(f"\n[posted to {where}]\n{render(payload)}", file=self.out)
        return Posted(True, ts=f"{len(self.posted)}.000000", channel=channel)

    async def update(self, team: Team, channel: str, ts: str, payload: dict[str, Any]) -> Posted:
        print(f"\n[edited message {ts} in #{channel}]\n{render(payload)}", file=self.out)
        return Posted(True, ts=ts, channel=channel)

    async def dm(self, team: Team, user_id: str, text: str) -> Posted:
        print(f"\n[direct message to {user_id}]\n{text}", file=self.out)
        return Posted(True, channel=user_id)

    async def close(self) -> None:
        return None


@contextlib.asynccontextmanager
async def console_runtime(
    settings: Settings,
    *,
    announce: Callable[[str], None] | None = None,
    out: TextIO = sys.stdout,
) -> AsyncIterator[Runtime]:
    """A Runtime pointed at an in-process simulator, demo credentials connected."""
    async with SimServer() as sim:
        local = replace(settings, base_urls={**settings.base_urls, **sim.base_urls})
        runtime = Runtime.build(local, announce=announce, outbound=ConsolePoster(out))
        try:
            for service in KEYS:
                if await runtime.store.credentials.get(CONSOLE_TEAM, service) is None:
                    await runtime.store.credentials.save(
                        CONSOLE_TEAM, service, dict(DEMO_CREDENTIALS[service]), CONSOLE_USER
                    )
            yield runtime
        finally:
            await runtime.close()


async def answer(runtime: Runtime, line: str, tz: ZoneInfo | None = None) -> Message:
    text = line.strip()
    if text.startswith("/pulse"):
        text = text[len("/pulse") :].strip()
    ctx = await runtime.context(
        CONSOLE_TEAM,
        CONSOLE_USER,
        CONSOLE_CHANNEL,
        tz or ZoneInfo("UTC"),
        workspace_admin=True,
        slack=NoSlack(),
    )
    return await dispatch.answer(runtime.router, text, ctx)


async def answer_line(
    runtime: Runtime, line: str, tz: ZoneInfo | None = None, *, as_json: bool = False
) -> str:
    """The answer as the console shows it: tables aligned, charts as labelled sparklines;
    with `as_json`, the Block Kit payload Slack would get (for the Block Kit Builder)."""
    message = await answer(runtime, line, tz)
    payload = message.to_slack()
    if as_json:
        return json.dumps(payload, indent=2, ensure_ascii=False)
    where = "(visible to the channel)" if message.public else "(only you can see this)"
    return f"{render(payload)}\n  {where}"


async def run(
    settings: Settings,
    *,
    once: str | None = None,
    as_json: bool = False,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> int:
    def announce(text: str) -> None:
        print(text, file=sys.stderr)

    async with console_runtime(settings, announce=announce, out=stdout) as runtime:
        if once is not None:
            print(await answer_line(runtime, once, as_json=as_json), file=stdout)
            return 0
        print(BANNER, file=stdout)
        # digests and alerts fire here too, against the simulator, printed as posts
        await runtime.start_background(force_scheduler=True)
        loop = asyncio.get_running_loop()
        try:
            while True:
                print(PROMPT, end="", file=stdout, flush=True)
                line = await loop.run_in_executor(None, stdin.readline)
                if not line or line.strip() in {"exit", "quit"}:
                    print(file=stdout)
                    return 0
                if line.strip():
                    print(await answer_line(runtime, line), file=stdout)
        finally:
            await runtime.stop_background()
