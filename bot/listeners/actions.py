"""Buttons: "Share in channel" under an answer, and Snooze/Mute on a firing alert."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext

from bot.features.alert_messages import BUTTONS as ALERT_BUTTONS
from bot.listeners.deps import deps_of, team_of
from bot.render.blocks import SHARE_ACTION


async def share(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    respond: AsyncRespond,
    context: AsyncBoltContext,
) -> None:
    """Repost a remembered ephemeral answer visibly, saying who shared it."""
    await ack()
    team = team_of(body)
    value = body["actions"][0].get("value", "")
    user_id = body["user"]["id"]
    shared = await deps_of(context).store.answers.recall(team, value)
    if shared is None:
        await respond(
            text="That answer has expired; run the command again with `--public`.",
            response_type="ephemeral",
            replace_original=False,
        )
        return
    shared.setdefault("blocks", []).append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Shared by <@{user_id}>"}]}
    )
    await respond(
        text=shared["text"],
        blocks=shared["blocks"],
        response_type="in_channel",
        replace_original=False,
    )


async def alert_button(
    ack: Callable[..., Awaitable[None]],
    body: dict[str, Any],
    respond: AsyncRespond,
    context: AsyncBoltContext,
) -> None:
    """Snooze 1h / Snooze 24h / Mute on a firing alert: audited, members only."""
    await ack()
    action = body["actions"][0]
    user = body.get("user") or {}
    answer = await deps_of(context).alerts.press(
        team_of(body),
        user.get("team_id"),
        action.get("action_id", ""),
        str(action.get("value", "")),
        user.get("id", ""),
    )
    await respond(text=answer, response_type="ephemeral", replace_original=False)


def register(app: AsyncApp) -> None:
    app.action(SHARE_ACTION)(share)
    app.action(re.compile(f"^({'|'.join(ALERT_BUTTONS)})$"))(alert_button)
