"""The Bolt AsyncApp and the HTTP routes around it.

`build_bolt_app` makes the AsyncApp for one of the three token sources (single workspace,
OAuth install, Socket Mode); `bot.listeners.register` attaches the listeners; `web_app`
serves `POST /slack/events`, the OAuth routes, `GET /healthz` and `GET /metrics`. Nothing
here reads the environment: it is given `Settings`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.web.async_client import AsyncWebClient

from bot import telemetry
from bot.config import Settings
from bot.slack.gate import Gate, bolt_request
from bot.slack.inflight import InFlight
from bot.slack.outbound import BotTokens
from bot.slack.reachability import UNREACHABLE
from bot.store import Store
from bot.store.slack_stores import StoreInstallationStore, StoreOAuthStateStore
from bot.team import Team

log = logging.getLogger(__name__)

#: The slash command, as the manifest declares it.
PULSE_COMMAND = "/pulse"

BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:join",
    "channels:read",  # conversations.info: can a digest or alert post into the channel named
    "groups:read",
    "im:read",
    "mpim:read",
    "users:read",
    "im:write",
    "channels:history",  # finding a post that may have gone through before a crash
    "groups:history",
)


class InstalledBot(AsyncAuthorize):
    """OAuth installs: the workspace's stored bot, its token rotated when it is about to
    expire, and no `auth.test` on the way in. (Bolt's own authorize calls `auth.test` on
    every request; while Slack cannot be reached that makes every command a 500, or
    "please reinstall", instead of letting the app say what is wrong.)"""

    def __init__(self, installations: StoreInstallationStore, tokens: BotTokens) -> None:
        self._installations = installations
        self._tokens = tokens

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: str | None,
    ) -> AuthorizeResult | None:
        bot = await self._installations.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=context.is_enterprise_install,
        )
        if bot is None:
            return None
        token = bot.bot_token
        try:  # a token about to expire is rotated; if Slack cannot be asked, the old one
            token = await self._tokens.token(Team(team_id or "", enterprise_id)) or token
        except (SlackApiError, SlackTokenRotationError, aiohttp.ClientError, OSError) as exc:
            log.warning("bot token of %s not rotated: %s", team_id, type(exc).__name__)
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_token=token,
            bot_scopes=bot.bot_scopes,
        )


class OneBot(AsyncAuthorize):
    """One workspace, one token: no `auth.test` on the way in. (Bolt's own check calls it
    on the first request and, while Slack is unreachable, answers every command 500 or
    "please reinstall" instead of letting the app say what is wrong.) A class, as
    `InstalledBot` is: Bolt works out a function's arguments on every request."""

    def __init__(self, token: str | None) -> None:
        self._token = token

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: str | None,
    ) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, bot_token=self._token
        )


def web_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    """Every Slack Web API call, OAuth exchange included, goes to SLACK_API_URL."""
    return AsyncWebClient(token=token, base_url=settings.slack_api_url)


def build_bolt_app(settings: Settings, store: Store) -> AsyncApp:
    client = web_client(settings, settings.bot_token)
    if settings.oauth and not settings.bot_token:
        installations = StoreInstallationStore(store)
        oauth = AsyncOAuthSettings(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            scopes=list(BOT_SCOPES),
            installation_store=installations,
            state_store=StoreOAuthStateStore(store),
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
        )
        return AsyncApp(
            signing_secret=settings.signing_secret,
            request_verification_enabled=False,  # bot.slack.gate checks, without logging bodies
            client=client,
            installation_store=installations,
            # Bolt takes an AsyncAuthorize as it is, though its hint names only functions
            authorize=InstalledBot(installations, BotTokens(settings, store)),  # type: ignore[arg-type]
            oauth_settings=oauth,
            logger=logging.getLogger("slack_bolt"),
        )
    return AsyncApp(
        signing_secret=settings.signing_secret,
        client=client,
        authorize=OneBot(settings.bot_token),
        request_verification_enabled=False,  # bot.slack.gate checks, without logging bodies
        logger=logging.getLogger("slack_bolt"),
    )


def web_app(
    app: AsyncApp,
    health: Callable[[], Awaitable[dict[str, Any]]],
    gate: Gate,
    inflight: InFlight,
    reachable: Callable[[], bool],
) -> web.Application:
    """The aiohttp application: Slack endpoints plus `GET /healthz`. Requests on their way
    to an acknowledgement are counted in `inflight` (the listeners' own), so answers wait
    for them.

    `/pulse` is acknowledged here as soon as the gate lets it in, and Bolt runs its listener
    after (tracked in `inflight`, so a deploy waits for it): all Bolt would add to the
    acknowledgement is an empty body, after building the request's context and client,
    running the middleware and waiting for the listener's `ack()` — most of an
    acknowledgement's time. While Slack cannot be reached the acknowledgement says so,
    and nothing more is done (the answer could not be delivered)."""

    async def events(request: web.Request) -> web.Response:
        async with inflight.arriving():
            return await acknowledge(request)

    async def dispatch_acknowledged(bolt: AsyncBoltRequest) -> None:
        try:
            answer = await app.async_dispatch(bolt)
        except Exception as exc:  # acknowledged already: nothing more to tell Slack
            log.warning("an acknowledged command failed in Bolt: %s", type(exc).__name__)
            return
        if answer.status != 200:
            log.warning("Bolt answered %d to an acknowledged command", answer.status)

    async def acknowledge(request: web.Request) -> web.Response:
        started = time.perf_counter()
        admitted = await gate.admit(request)
        if isinstance(admitted, web.Response):
            response = admitted
        elif admitted.payload.get("command") == PULSE_COMMAND:
            if reachable():
                inflight.start(dispatch_acknowledged(bolt_request(admitted, request)))
                response = web.Response(status=200)
            else:
                response = web.Response(status=200, text=UNREACHABLE)
        else:
            try:
                bolt_response = await app.async_dispatch(bolt_request(admitted, request))
            except Exception as exc:  # a body Slack would never send: the sender's fault
                log.info("refused a request Bolt could not read: %s", type(exc).__name__)
                bolt_response = BoltResponse(status=400, body="not a Slack request body")
            response = await to_aiohttp_response(bolt_response)
        telemetry.ACK_SECONDS.observe(time.perf_counter() - started)
        telemetry.acks(response.status).inc()
        return response

    async def oauth(request: web.Request) -> web.Response:
        flow = app.oauth_flow
        if flow is None:
            return web.Response(status=404, text="OAuth install is not enabled")
        bolt_request = await to_bolt_request(request)
        if request.path == flow.install_path:
            return await to_aiohttp_response(await flow.handle_installation(bolt_request))
        return await to_aiohttp_response(await flow.handle_callback(bolt_request))

    async def healthz(request: web.Request) -> web.Response:
        report = await health()
        checks = {"database", "scheduler", "secrets"}
        ok = all(v is True for k, v in report.items() if k in checks)
        return web.json_response(report, status=200 if ok else 503)

    async def metrics(request: web.Request) -> web.Response:
        body, content_type = telemetry.exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    web_application = web.Application()
    web_application.router.add_post("/slack/events", events)
    web_application.router.add_get("/healthz", healthz)
    web_application.router.add_get("/metrics", metrics)
    if app.oauth_flow is not None:
        web_application.router.add_get(app.oauth_flow.install_path, oauth)
        web_application.router.add_get(app.oauth_flow.redirect_uri_path, oauth)
    return web_application
