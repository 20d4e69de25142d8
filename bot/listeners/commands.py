"""The `/pulse` slash command: ack first, answer through `response_url`, checked."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import PulseError, StorageError
from bot.listeners.deps import deps_of, request_context, seen_before, team_of
from bot.listeners.respond import deliver
from bot.render.message import Message
from bot.slack.bolt import PULSE_COMMAND
from bot.slack.reachability import UNREACHABLE
from commands import dispatch

log = logging.getLogger(__name__)


async def send(respond: AsyncRespond, message: Message, share_id: str | None = None) -> bool:
    """The answer, ephemeral unless public; resent in plain text if Slack refuses its
    blocks (see `bot.listeners.respond`)."""
    payload = message.to_slack(share_id=share_id)
    kind = "in_channel" if message.public else "ephemeral"
    return await deliver(respond, payload, response_type=kind)


async def pulse(
    ack: Callable[..., Awaitable[None]],
    command: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: AsyncBoltContext,
    request: AsyncBoltRequest,
) -> None:
    """Acknowledge at once, then answer within `deps.inflight` (bounded, and waited for
    by a deploy) — unless the same command was acted on already (a replay). Whatever goes
    wrong on the way, the person reads one sentence."""
    deps = deps_of(context)
    if not deps.reachable:  # the answer could not be delivered: say so in the ack itself
        await ack(text=UNREACHABLE)
        return
    await ack()
    async with deps.inflight.slot():
        if await seen_before(deps, command, request):
            return
        team = team_of(command)
        try:
            ctx = await request_context(
                deps,
                client,
                team,
                command["user_id"],
                command.get("channel_id", ""),
                command.get("trigger_id"),
            )
        except PulseError as err:  # the database cannot be read, say
            await send(respond, dispatch.error_message(err))
            return
        message = await dispatch.answer(deps.router, command.get("text", ""), ctx)
        share_id = None
        if message.wants_share_button:
            try:  # the Share button is a nicety: without storage, the answer goes without it
                share_id = await deps.store.answers.remember(team, message.to_slack())
            except StorageError:
                log.warning("answer not kept for sharing: the database cannot be written")
        await send(respond, message, share_id)


def register(app: AsyncApp) -> None:
    app.command(PULSE_COMMAND)(pulse)
