"""What the listeners need, and the small Slack helpers they share.

`Deps` is built once by the wiring and handed to every listener through Bolt's context
(`context["deps"]`, put there by `Provide`), so listeners are plain module-level
functions. `team_of` reads the workspace of a verified payload; `user_profile` the
caller's zone and admin flag (cached); `BoltSurface` is what a command may ask of Slack.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import StorageError
from bot.features.alerts import Alerts
from bot.slack import lookups
from bot.slack.gate import replay_key
from bot.slack.inflight import InFlight
from bot.slack.lookups import slack_error
from bot.slack.reachability import Reachability
from bot.store import Store
from bot.team import Team
from commands.context import ChannelCheck, Context, SlackSurface, UserCheck, WorkspaceAdmins
from commands.router import Router

log = logging.getLogger(__name__)

USER_CACHE_SECONDS = 3600


class ContextFactory(Protocol):
    """Builds the `Context` of one request (the wiring's `Runtime.context`)."""

    async def context(
        self,
        team: Team,
        user_id: str,
        channel_id: str,
        tz: ZoneInfo,
        *,
        workspace_admin: bool,
        slack: SlackSurface,
    ) -> Context: ...


@dataclass(frozen=True, slots=True)
class Deps:
    store: Store
    router: Router
    alerts: Alerts
    contexts: ContextFactory
    inflight: InFlight
    slack_watch: Callable[[], Reachability | None] = lambda: None  # None: not watched

    @property
    def reachable(self) -> bool:
        watch = self.slack_watch()
        return watch is None or watch.reachable


class Provide(AsyncMiddleware):
    """A global middleware putting `deps` into every request's context. A class rather
    than a function: Bolt works out a function middleware's arguments on every request,
    which profiling showed as a fifth of an acknowledgement's time."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        req.context["deps"] = self._deps
        return await next()


def deps_of(context: AsyncBoltContext) -> Deps:
    return cast(Deps, context["deps"])


@dataclass(frozen=True, slots=True)
class BoltSurface:
    """A command's way to Slack for the current request: forms need its trigger ID;
    channels and people are looked up with the request's bot token (`bot.slack.lookups`)."""

    client: AsyncWebClient
    trigger_id: str | None = None
    has_forms: bool = True

    async def open_modal(self, view: dict[str, Any]) -> bool:
        """Open a form; False when it could not be (no trigger, an expired one — Slack
        gives three seconds — or Slack out of reach), so the command says what to do."""
        if not self.trigger_id:
            return False
        try:
            await self.client.views_open(trigger_id=self.trigger_id, view=view)
        except SlackApiError as exc:
            log.warning("views.open failed: %s", slack_error(exc))
            return False
        except (aiohttp.ClientError, OSError) as exc:
            log.warning("views.open did not reach Slack: %s", type(exc).__name__)
            return False
        return True

    async def check_channel(self, channel: str) -> ChannelCheck:
        return await lookups.check_channel(self.client, channel)

    async def check_user(self, user_id: str) -> UserCheck:
        return await lookups.check_user(self.client, user_id)

    async def workspace_admins(self) -> WorkspaceAdmins:
        return await lookups.workspace_admins(self.client)


def team_of(body: dict[str, Any]) -> Team:
    """The workspace a verified payload comes from (slash command, action or event)."""
    team = body.get("team")
    team_id = body.get("team_id") or (team.get("id") if isinstance(team, dict) else None)
    enterprise = body.get("enterprise")
    enterprise_id = body.get("enterprise_id") or (
        enterprise.get("id") if isinstance(enterprise, dict) else None
    )
    if body.get("is_enterprise_install") and not team_id:
        team_id = enterprise_id
    return Team(team_id=str(team_id or ""), enterprise_id=enterprise_id or None)


async def user_profile(
    store: Store, client: AsyncWebClient, team: Team, user_id: str
) -> tuple[ZoneInfo, bool]:
    """The user's Slack time zone and whether they are a workspace admin/owner (cached;
    a cache that cannot be read or written is only slower)."""
    try:
        cached = await store.users.get(team, user_id, USER_CACHE_SECONDS)
    except StorageError:
        cached = None
    if cached is not None:
        tz_name, is_admin = cached.tz or "UTC", cached.is_admin
    else:
        try:
            info = await client.users_info(user=user_id)
            user = info.get("user") or {}
            tz_name = user.get("tz") or "UTC"
            is_admin = bool(user.get("is_admin") or user.get("is_owner"))
            with contextlib.suppress(StorageError):
                await store.users.put(team, user_id, tz=tz_name, is_admin=is_admin)
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, slack_error(exc))
            tz_name, is_admin = "UTC", False
    try:
        return ZoneInfo(tz_name), is_admin
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC"), is_admin


async def seen_before(deps: Deps, body: dict[str, Any], request: AsyncBoltRequest) -> bool:
    """Whether this command or interaction was acted on already (a replay, or a retry that
    reached this or another process): remembered in the database by `replay_key`. Called
    after the acknowledgement; a database that cannot answer lets the request through."""
    key = replay_key(body, request.headers)
    if key is None:
        return False
    try:
        first = await deps.store.deliveries.first_time(key)
    except StorageError:
        return False
    if not first:
        log.info("acknowledged a replayed request without acting on it again")
    return not first


async def request_context(
    deps: Deps,
    client: AsyncWebClient,
    team: Team,
    user_id: str,
    channel_id: str,
    trigger_id: str | None = None,
) -> Context:
    """The command `Context` of the person behind a Slack request."""
    tz, workspace_admin = await user_profile(deps.store, client, team, user_id)
    return await deps.contexts.context(
        team,
        user_id,
        channel_id,
        tz,
        workspace_admin=workspace_admin,
        slack=BoltSurface(client, trigger_id),
    )
