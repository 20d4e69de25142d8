"""Buttons: "Share in channel" under an answer, Snooze/Mute/Unmute on an alert, and the
App Home's buttons (each runs the `/pulse` line it carries, then the tab is published
again with what happened)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.features.alert_messages import BUTTONS as ALERT_BUTTONS
from bot.listeners import home
from bot.listeners.deps import deps_of, request_context, seen_before, team_of
from bot.listeners.respond import deliver
from bot.render.blocks import context as context_line
from bot.render.home import HOME_ACTION
from bot.render.limits import fit
from bot.render.message import SHARE_ACTION
from commands import dispatch


async def share(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    respond: AsyncRespond,
    context: AsyncBoltContext,
    request: AsyncBoltRequest,
) -> None:
    """Repost a remembered ephemeral answer visibly, saying who shared it."""
    await ack()
    if await seen_before(deps_of(context), body, request):
        return
    team = team_of(body)
    value = body["actions"][0].get("value", "")
    user_id = body["user"]["id"]
    shared = await deps_of(context).store.answers.recall(team, value)
    if shared is None:
        expired = "That answer has expired; run the command again with `--public`."
        await deliver(respond, {"text": expired}, response_type="ephemeral", replace_original=False)
        return
    blocks = [*shared.get("blocks", []), context_line(f"Shared by <@{user_id}>")]
    payload = fit({"text": shared.get("text", ""), "blocks": blocks})
    await deliver(respond, payload, response_type="in_channel", replace_original=False)


async def alert_button(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    respond: AsyncRespond,
    context: AsyncBoltContext,
    request: AsyncBoltRequest,
) -> None:
    """Snooze 1h / Snooze 24h / Mute on a firing alert, Unmute on a muted one: audited,
    members of the owning workspace only, and said in the alert's message."""
    await ack()
    if await seen_before(deps_of(context), body, request):
        return
    action = body["actions"][0]
    user = body.get("user") or {}
    answer = await deps_of(context).alerts.press(
        team_of(body),
        user.get("team_id"),
        action.get("action_id", ""),
        str(action.get("value", "")),
        user.get("id", ""),
    )
    await deliver(respond, {"text": answer}, response_type="ephemeral", replace_original=False)


async def home_button(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
    request: AsyncBoltRequest,
) -> None:
    """A button on the Home tab: run its `/pulse` line as the person who pressed it (so
    the same permissions apply), then publish their tab again saying what happened."""
    await ack()
    deps = deps_of(context)
    if await seen_before(deps, body, request):
        return
    team = team_of(body)
    user_id = body["user"]["id"]
    line = str(body["actions"][0].get("value", ""))
    ctx = await request_context(deps, client, team, user_id, "", body.get("trigger_id"))
    if home.allowed(line):
        notice = (await dispatch.answer(deps.router, line, ctx)).text
    else:
        notice = "That button is not one I know."
    await home.publish(deps, client, team, user_id, notice, ctx)


def register(app: AsyncApp) -> None:
    app.action(SHARE_ACTION)(share)
    app.action(re.compile(f"^({'|'.join(ALERT_BUTTONS)})$"))(alert_button)
    app.action(re.compile(f"^{HOME_ACTION}_"))(home_button)
