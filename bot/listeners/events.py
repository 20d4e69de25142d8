"""Events: an uninstall forgets the workspace; the App Home tab; redeliveries skipped."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.deps import deps_of, slack_error, team_of

log = logging.getLogger(__name__)


async def skip_redeliveries(
    body: dict[str, Any],
    context: AsyncBoltContext,
    next: Callable[[], Awaitable[BoltResponse]],
) -> BoltResponse | None:
    """Slack retries events it thinks we missed; act on each event ID once."""
    event_id = body.get("event_id")
    deliveries = deps_of(context).store.deliveries
    if isinstance(event_id, str) and not await deliveries.first_time(event_id):
        log.info("skipping redelivery of %s", event_id)
        return BoltResponse(status=200, body="")
    return await next()


async def forget_workspace(body: dict[str, Any], context: AsyncBoltContext) -> None:
    """`app_uninstalled` and `tokens_revoked`: delete everything of the workspace."""
    team = team_of(body)
    counts = await deps_of(context).store.workspaces.delete_everything(team)
    log.info("%s in %s: deleted %s", body.get("event", {}).get("type"), team.key, counts)


async def home(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    overview = deps_of(context).router.commands["help"]
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


def register(app: AsyncApp) -> None:
    app.middleware(skip_redeliveries)
    app.event("app_uninstalled")(forget_workspace)
    app.event("tokens_revoked")(forget_workspace)
    app.event("app_home_opened")(home)
