"""The connect form: validate the credential, then save it or show why not on the field;
once saved, say so in the channel it was asked from, or on the App Home it was opened from."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import PulseError
from bot.listeners import home
from bot.listeners.deps import deps_of, request_context, seen_before, team_of
from bot.messages import sentence
from bot.slack.lookups import slack_error
from commands import connect

log = logging.getLogger(__name__)


async def connect_submitted(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
    request: AsyncBoltRequest,
) -> None:
    if await seen_before(deps_of(context), body, request):  # a replay: saved already
        await ack()
        return
    team = team_of(body)
    user_id = body["user"]["id"]
    submission = connect.Submission.from_view(view)
    ctx = await request_context(deps_of(context), client, team, user_id, submission.channel_id)
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
    if not submission.channel_id:  # opened from the App Home: show it there
        await home.publish(deps_of(context), client, team, user_id, result, ctx)
        return
    try:
        await client.chat_postEphemeral(channel=submission.channel_id, user=user_id, text=result)
    except SlackApiError as exc:
        log.info("could not confirm the connection in-channel: %s", slack_error(exc))


def register(app: AsyncApp) -> None:
    app.view(connect.CALLBACK_ID)(connect_submitted)
