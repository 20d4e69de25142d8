"""Running /pulse lines against real storage and real clients, without Slack.

`CommandHarness.run("pages 30d")` goes through the same router, dispatcher and error
handler as Slack, with a FakeClock at a fixed moment and the caller's zone, and returns
the `Message`; `text(message)` renders it as the console would. Service calls go to the
`base_urls` given: respx-mocked hosts (`http://weldpulse.test`) or a running SimServer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from cryptography.fernet import Fernet

from bot.clients.pool import ClientPool, Directory
from bot.clients.registry import KEYS
from bot.render.blocks import Message
from bot.render.text import render
from bot.store import Secrets, Store
from bot.store.db import open_database
from bot.team import Team
from commands import build_router, dispatch
from commands.context import Context
from commands.router import Router
from tests.fakes.clock import FakeClock

MOCK_BASE_URLS = {s: f"http://{s}.test/{s}" for s in KEYS}
NOW = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # a Monday


@dataclass
class CommandHarness:
    store: Store
    pool: ClientPool
    clock: FakeClock
    router: Router
    team: Team = field(default_factory=lambda: Team("T0TEST01"))
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Berlin"))
    user_id: str = "U0ADMIN"
    admin: bool = True
    modals: list[dict[str, object]] = field(default_factory=list)

    def connect(self, service: str, credential: dict[str, str], team: Team | None = None) -> None:
        self.store.credentials.save(team or self.team, service, credential, self.user_id)

    def context(self, team: Team | None = None, user_id: str | None = None) -> Context:
        admin = self.admin

        async def is_admin() -> bool:
            return admin

        async def open_modal(view: dict[str, object]) -> None:
            self.modals.append(view)

        team = team or self.team
        return Context(
            team=team,
            user_id=user_id or self.user_id,
            channel_id="C0TEST",
            clock=self.clock,
            store=self.store,
            tz=self.tz,
            is_admin=is_admin,
            services=Directory(self.pool, team),
            open_modal=open_modal,
        )

    async def run(self, line: str, team: Team | None = None) -> Message:
        return await dispatch.answer(self.router, line, self.context(team))


def text(message: Message) -> str:
    return render(message.to_slack())


def make_harness(
    tmp_path: Path, http: httpx.AsyncClient, base_urls: dict[str, str]
) -> CommandHarness:
    clock = FakeClock(NOW)
    store = Store(open_database(tmp_path / "cmd.db"), Secrets([Fernet.generate_key()]), clock)
    pool = ClientPool(http, base_urls, clock, store.credentials, store.budgets)
    return CommandHarness(store, pool, clock, build_router(frozenset({"U0OPERATOR"})))
