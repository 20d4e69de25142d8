"""Events: an uninstall forgets the workspace; the App Home tab (`bot.listeners.home`);
redeliveries skipped."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.deps import deps_of, team_of
from bot.listeners.home import publish

log = logging.getLogger(__name__)


class SkipRedeliveries(AsyncMiddleware):
    """Slack retries events it thinks we missed; act on each event ID once. (A class: Bolt
    works out a function middleware's arguments on every request, commands included.)"""

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse | None:
        event_id = req.body.get("event_id")
        if isinstance(event_id, str):
            deliveries = deps_of(req.context).store.deliveries
            if not await deliveries.first_time(event_id):
                log.info("skipping redelivery of %s", event_id)
                return BoltResponse(status=200, body="")
        return await next()


async def forget_workspace(body: dict[str, Any], context: AsyncBoltContext) -> None:
    """`app_uninstalled` and `tokens_revoked`: delete everything of the workspace."""
    team = team_of(body)
    counts = await deps_of(context).store.workspaces.delete_everything(team)
    log.info("%s in %s: deleted %s", body.get("event", {}).get("type"), team.key, counts)


async def home(
    event: dict[str, Any],
    body: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    """`app_home_opened`: publish the dashboard for the person who opened the Home tab."""
    if event.get("tab", "home") != "home":
        return
    await publish(deps_of(context), client, team_of(body), event["user"])


def register(app: AsyncApp) -> None:
    app.middleware(SkipRedeliveries())
    app.event("app_uninstalled")(forget_workspace)
    app.event("tokens_revoked")(forget_workspace)
    app.event("app_home_opened")(home)
