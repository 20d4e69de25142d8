"""Slack glue: the Bolt AsyncApp, its listeners, and the HTTP routes around it.

`build_bolt_app` makes the AsyncApp for one of the three token sources (single workspace,
OAuth install, Socket Mode); `register` attaches the listeners; `web_app` serves
`POST /slack/events`, the OAuth routes and `GET /healthz`. Everything the listeners need
arrives in `SlackDeps`; nothing here reads the environment.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import dispatch
from bot.alerts import BUTTONS as ALERT_BUTTONS
from bot.alerts import Alerts
from bot.blocks import Message
from bot.config import Settings
from bot.errors import PulseError
from bot.messages import sentence
from bot.store import Store
from bot.store.slack_stores import SqliteInstallationStore, SqliteOAuthStateStore
from bot.store.team import Team
from commands import connect
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
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


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


async def attach_charts(client: AsyncWebClient, message: Message) -> Message:
    """Upload the message's charts as private files and show them as image blocks.

    Files uploaded without a channel stay private to the app, so an ephemeral answer's
    chart is seen only by whoever the answer is shown to (or shared with).
    """
    if not message.charts:
        return message
    images = []
    for chart in message.charts:
        try:
            uploaded = await client.files_upload_v2(
                content=chart.png, filename=chart.filename, title=chart.title
            )
            file_id = (uploaded.get("files") or [{}])[0].get("id")
        except SlackApiError as exc:
            log.warning("chart upload failed: %s", slack_error(exc))
            continue
        if file_id:
            images.append(
                {
                    "type": "image",
                    "slack_file": {"id": file_id},
                    "alt_text": chart.title,
                    "title": {"type": "plain_text", "text": chart.title[:150]},
                }
            )
    if not images:
        return message
    blocks = list(message.blocks)
    at = 2 if len(blocks) > 2 else len(blocks)
    return replace(message, blocks=(*blocks[:at], *images, *blocks[at:]), charts=())


async def send(respond: AsyncRespond, message: Message, share_id: str | None = None) -> None:
    payload = message.to_slack(share_id=share_id)
    await respond(
        text=payload["text"],
        blocks=payload["blocks"],
        response_type="in_channel" if message.public else "ephemeral",
    )


def register(app: AsyncApp, deps: SlackDeps) -> None:
    store = deps.store

    @app.middleware
    async def skip_redeliveries(
        body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        """Slack retries events it thinks we missed; act on each event ID once."""
        event_id = body.get("event_id")
        if isinstance(event_id, str) and not store.deliveries.first_time(event_id):
            log.info("skipping redelivery of %s", event_id)
            return BoltResponse(status=200, body="")
        return await next()

    @app.command("/pulse")
    async def pulse(
        ack: Callable[..., Awaitable[None]],
        command: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        team = team_of(command)
        user_id = command["user_id"]
        tz, workspace_admin = await user_profile(deps, client, team, user_id)
        actions = SlackActions(client, command.get("trigger_id"))
        channel = command.get("channel_id", "")
        ctx = deps.make_context(team, user_id, channel, tz, workspace_admin, actions)
        message = await dispatch.answer(deps.router, command.get("text", ""), ctx)
        message = await attach_charts(client, message)
        share_id = None
        if message.wants_share_button:
            share_id = store.answers.remember(team, message.to_slack())
        await send(respond, message, share_id)

    @app.action("pulse_share")
    async def share(
        ack: Callable[..., Awaitable[None]],
        body: dict[str, Any],
        respond: AsyncRespond,
    ) -> None:
        await ack()
        team = team_of(body)
        value = body["actions"][0].get("value", "")
        user_id = body["user"]["id"]
        shared = store.answers.recall(team, value)
        if shared is None:
            await respond(
                text="That answer has expired; run the command again with `--public`.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        payload = shared
        payload.setdefault("blocks", []).append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Shared by <@{user_id}>"}]}
        )
        await respond(
            text=payload["text"],
            blocks=payload["blocks"],
            response_type="in_channel",
            replace_original=False,
        )

    @app.action(re.compile(f"^({'|'.join(ALERT_BUTTONS)})$"))
    async def alert_button(
        ack: Callable[..., Awaitable[None]],
        body: dict[str, Any],
        respond: AsyncRespond,
    ) -> None:
        """Snooze 1h / Snooze 24h / Mute on a firing alert: audited, members only."""
        await ack()
        action = body["actions"][0]
        user = body.get("user") or {}
        answer = (
            deps.alerts.press(
                team_of(body),
                user.get("team_id"),
                action.get("action_id", ""),
                str(action.get("value", "")),
                user.get("id", ""),
            )
            if deps.alerts is not None
            else "Alerts are not available."
        )
        await respond(text=answer, response_type="ephemeral", replace_original=False)

    @app.view(connect.CALLBACK_ID)
    async def connect_submitted(
        ack: Callable[..., Awaitable[None]],
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
    ) -> None:
        """The connect modal: validate, then save or show the reason on the field."""
        team = team_of(body)
        user_id = body["user"]["id"]
        submission = connect.Submission.from_view(view)
        tz, workspace_admin = await user_profile(deps, client, team, user_id)
        ctx = deps.make_context(
            team, user_id, submission.channel_id, tz, workspace_admin, SlackActions(client)
        )
        first_field = next(iter(submission.values), "")
        try:
            result = await connect.submit(ctx, submission)
        except PulseError as err:
            await ack(response_action="errors", errors={first_field: sentence(err)[:150]})
            return
        if isinstance(result, dict):
            await ack(response_action="errors", errors=result)
            return
        await ack()
        if submission.channel_id:
            try:
                await client.chat_postEphemeral(
                    channel=submission.channel_id, user=user_id, text=result
                )
            except SlackApiError as exc:
                log.info("could not confirm the connection in-channel: %s", slack_error(exc))

    @app.event("app_uninstalled")
    async def uninstalled(body: dict[str, Any]) -> None:
        team = team_of(body)
        counts = store.workspaces.delete_everything(team)
        log.info("app uninstalled from %s: deleted %s", team.key, counts)

    @app.event("tokens_revoked")
    async def revoked(body: dict[str, Any]) -> None:
        team = team_of(body)
        counts = store.workspaces.delete_everything(team)
        log.info("tokens revoked in %s: deleted %s", team.key, counts)

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient) -> None:
        overview = deps.router.commands["help"]
        text = f"*Pulse Bot*\nType `/pulse help` in any channel. {overview.summary}"
        try:
            await client.views_publish(
                user_id=event["user"],
                view={
                    "type": "home",
                    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
                },
            )
        except SlackApiError as exc:
            log.warning("views.publish failed: %s", slack_error(exc))

    @app.error
    async def on_error(error: Exception, body: dict[str, Any]) -> None:
        dispatch.unexpected_message(f"Slack listener ({body.get('type', '?')})")


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
