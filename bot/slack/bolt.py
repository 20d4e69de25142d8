"""Slack glue: the Bolt AsyncApp and the HTTP routes around it.

`build_bolt_app` makes the AsyncApp for one of the three token sources (single workspace,
OAuth install, Socket Mode); `bot.listeners.register` attaches the listeners; `web_app`
serves `POST /slack/events`, the OAuth routes and `GET /healthz`. Everything the listeners
need arrives in `SlackDeps`; nothing here reads the environment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.features.alerts import Alerts
from bot.store import Store
from bot.store.slack_stores import SqliteInstallationStore, SqliteOAuthStateStore
from bot.team import Team
from commands.context import Context
from commands.router import Router

log = logging.getLogger(__name__)

BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:join",
    "users:read",
    "files:write",
    "im:write",
)
USER_CACHE_SECONDS = 3600

MakeContext = Callable[[Team, str, str, ZoneInfo, bool, "SlackActions"], Context]


@dataclass
class SlackDeps:
    settings: Settings
    store: Store
    router: Router
    make_context: MakeContext
    health: Callable[[], dict[str, Any]] = field(default_factory=lambda: dict)
    alerts: Alerts | None = None


@dataclass
class SlackActions:
    """What a command may ask of Slack for the current request."""

    client: AsyncWebClient
    trigger_id: str | None = None

    async def open_modal(self, view: dict[str, Any]) -> None:
        if self.trigger_id:
            await self.client.views_open(trigger_id=self.trigger_id, view=view)


def slack_error(exc: SlackApiError) -> str:
    """The `error` code of a failed Web API call, whatever shape the answer had."""
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error", "unknown_error"))
    return f"HTTP {getattr(exc.response, 'status_code', '?')}"


def web_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    """Every Slack Web API call, OAuth exchange included, goes to SLACK_API_URL."""
    return AsyncWebClient(token=token, base_url=settings.slack_api_url)


def build_bolt_app(settings: Settings, store: Store) -> AsyncApp:
    client = web_client(settings, settings.bot_token)
    if settings.oauth and not settings.bot_token:
        installations = SqliteInstallationStore(store)
        oauth = AsyncOAuthSettings(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            scopes=list(BOT_SCOPES),
            installation_store=installations,
            state_store=SqliteOAuthStateStore(store),
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
        )
        return AsyncApp(
            signing_secret=settings.signing_secret,
            client=client,
            installation_store=installations,
            oauth_settings=oauth,
            logger=logging.getLogger("slack_bolt"),
        )
    return AsyncApp(
        signing_secret=settings.signing_secret,
        client=client,
        request_verification_enabled=bool(settings.signing_secret),
        logger=logging.getLogger("slack_bolt"),
    )


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
    deps: SlackDeps, client: AsyncWebClient, team: Team, user_id: str
) -> tuple[ZoneInfo, bool]:
    """The user's Slack time zone and whether they are a workspace admin/owner (cached)."""
    cached = deps.store.users.get(team, user_id, USER_CACHE_SECONDS)
    if cached is not None:
        tz_name, is_admin = cached.tz or "UTC", cached.is_admin
    else:
        try:
            info = await client.users_info(user=user_id)
            user = info.get("user") or {}
            tz_name = user.get("tz") or "UTC"
            is_admin = bool(user.get("is_admin") or user.get("is_owner"))
            deps.store.users.put(team, user_id, tz=tz_name, is_admin=is_admin)
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, slack_error(exc))
            tz_name, is_admin = "UTC", False
    try:
        return ZoneInfo(tz_name), is_admin
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC"), is_admin


def web_app(app: AsyncApp, deps: SlackDeps) -> web.Application:
    """The aiohttp application: Slack endpoints plus `GET /healthz`."""

    async def events(request: web.Request) -> web.Response:
        bolt_response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def oauth(request: web.Request) -> web.Response:
        flow = app.oauth_flow
        if flow is None:
            return web.Response(status=404, text="OAuth install is not enabled")
        bolt_request = await to_bolt_request(request)
        if request.path == flow.install_path:
            return await to_aiohttp_response(await flow.handle_installation(bolt_request))
        return await to_aiohttp_response(await flow.handle_callback(bolt_request))

    async def healthz(request: web.Request) -> web.Response:
        report = deps.health()
        ok = all(v is True for k, v in report.items() if k in {"database", "scheduler"})
        return web.json_response(report, status=200 if ok else 503)

    web_application = web.Application()
    web_application.router.add_post("/slack/events", events)
    web_application.router.add_get("/healthz", healthz)
    if app.oauth_flow is not None:
        web_application.router.add_get(app.oauth_flow.install_path, oauth)
        web_application.router.add_get(app.oauth_flow.redirect_uri_path, oauth)
    return web_application
