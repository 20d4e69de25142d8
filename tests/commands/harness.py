"""Running /pulse lines against real storage and real clients, without Slack.

`CommandHarness.run("pages 30d")` goes through the same router, dispatcher and error
handler as Slack, with a FakeClock at a fixed moment and the caller's zone, and returns
the `Message`; `text(message)` renders it as the console would. Service calls go to the
`base_urls` given: respx-mocked hosts (`http://weldpulse.test`) or a running SimServer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from cryptography.fernet import Fernet

from bot.clients.pool import ClientPool
from bot.clients.registry import KEYS
from bot.features.alerts import Alerts
from bot.features.digests import Digests
from bot.features.poster import Poster
from bot.render.chart import series_of
from bot.render.message import Message
from bot.render.table import rows_of
from bot.render.text import render
from bot.store import Secrets, Store
from bot.store.opening import open_database
from bot.team import Team
from commands import build_router, dispatch
from commands.context import Access, ChannelCheck, Context, UserCheck, WorkspaceAdmins
from commands.router import Router
from tests.fakes.clock import FakeClock
from tests.fakes.poster import RecordingPoster

MOCK_BASE_URLS = {s: f"http://{s}.test/{s}" for s in KEYS}
NOW = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # a Monday


@dataclass
class RecordingSurface:
    """Slack as a command sees it: the forms it opened are kept; channels are postable,
    user IDs people and nobody a workspace admin unless the harness says otherwise (its
    `channels`, `people` and `workspace_admins`); the channels checked are kept."""

    modals: list[dict[str, Any]]
    has_forms: bool = True
    channels: dict[str, ChannelCheck] = field(default_factory=dict)
    people: dict[str, UserCheck] = field(default_factory=dict)
    admins: WorkspaceAdmins = field(default_factory=lambda: WorkspaceAdmins(()))
    checked: list[str] = field(default_factory=list)

    async def open_modal(self, view: dict[str, Any]) -> bool:
        self.modals.append(view)
        return True

    async def check_channel(self, channel: str) -> ChannelCheck:
        self.checked.append(channel)
        return self.channels.get(channel, ChannelCheck("postable"))

    async def check_user(self, user_id: str) -> UserCheck:
        return self.people.get(user_id, UserCheck("person"))

    async def workspace_admins(self) -> WorkspaceAdmins:
        return self.admins


@dataclass
class CommandHarness:
    store: Store
    pool: ClientPool
    clock: FakeClock
    router: Router
    digests: Digests
    alerts: Alerts
    team: Team = field(default_factory=lambda: Team("T0TEST01"))
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Berlin"))
    user_id: str = "U0ADMIN"
    admin: bool = True
    modals: list[dict[str, Any]] = field(default_factory=list)
    operators: frozenset[str] = frozenset({"U0OPERATOR"})
    channels: dict[str, ChannelCheck] = field(default_factory=dict)
    people: dict[str, UserCheck] = field(default_factory=dict)
    workspace_admins: WorkspaceAdmins = field(default_factory=lambda: WorkspaceAdmins(()))
    checked: list[str] = field(default_factory=list)  # channels asked about, in order

    async def connect(
        self, service: str, credential: dict[str, str], team: Team | None = None
    ) -> None:
        await self.store.credentials.save(team or self.team, service, credential, self.user_id)

    async def context(self, team: Team | None = None, user_id: str | None = None) -> Context:
        """The caller's context, its credentials read now; a Slack admin when `admin` is set."""
        team = team or self.team
        return Context(
            team=team,
            user_id=user_id or self.user_id,
            channel_id="C0TEST",
            tz=self.tz,
            clock=self.clock,
            store=self.store,
            directory=await self.pool.directory(team),
            access=Access(workspace_admin=self.admin, operators=self.operators),
            slack=RecordingSurface(
                self.modals,
                channels=self.channels,
                people=self.people,
                admins=self.workspace_admins,
                checked=self.checked,
            ),
            digests=self.digests,
            alerts=self.alerts,
            commands=self.router,
        )

    async def run(self, line: str, team: Team | None = None) -> Message:
        return await dispatch.answer(self.router, line, await self.context(team))


def text(message: Message) -> str:
    return render(message.to_slack())


def table(message: Message | dict[str, Any]) -> list[list[str]]:
    """The rows (header first) of the answer's one table block, as the cells' texts."""
    blocks = message.to_slack()["blocks"] if isinstance(message, Message) else message["blocks"]
    found = [b for b in blocks if b["type"] == "table"]
    assert len(found) == 1, f"{len(found)} table blocks"
    return rows_of(found[0])


def charts(message: Message) -> list[tuple[str, list[str], dict[str, list[float]]]]:
    """Every chart block of the answer: (title, categories, {series name: values})."""
    out = []
    for block in message.to_slack()["blocks"]:
        if block["type"] == "data_visualization":
            categories, series = series_of(block)
            out.append((block["title"], categories, dict(series)))
    return out


def make_harness(
    tmp_path: Path,
    http: httpx.AsyncClient,
    base_urls: dict[str, str],
    poster: Callable[[FakeClock], Poster] | None = None,
) -> CommandHarness:
    """Real storage and clients; features posting through what `poster` makes of the
    harness's clock (by default a poster that only records: most commands post nothing)."""
    clock = FakeClock(NOW)
    store = Store(open_database(tmp_path / "cmd.db"), Secrets([Fernet.generate_key()]), clock)
    pool = ClientPool(http, base_urls, clock, store.credentials, store.budgets)
    posts = poster(clock) if poster else RecordingPoster()
    return CommandHarness(
        store,
        pool,
        clock,
        build_router(),
        Digests(store, pool, posts, clock),
        Alerts(store, pool, posts, clock, interval=60),
    )
