"""The `/pulse` slash command: ack first, answer through `response_url`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.deps import deps_of, request_context, slack_error, team_of
from bot.render.blocks import Message
from commands import dispatch

log = logging.getLogger(__name__)


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


async def pulse(
    ack: Callable[..., Awaitable[None]],
    command: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    await ack()
    deps = deps_of(context)
    team = team_of(command)
    ctx = await request_context(
        deps,
        client,
        team,
        command["user_id"],
        command.get("channel_id", ""),
        command.get("trigger_id"),
    )
    message = await dispatch.answer(deps.router, command.get("text", ""), ctx)
    message = await attach_charts(client, message)
    share_id = None
    if message.wants_share_button:
        share_id = await deps.store.answers.remember(team, message.to_slack())
    await send(respond, message, share_id)


def register(app: AsyncApp) -> None:
    app.command("/pulse")(pulse)
