"""The Bolt listeners: /pulse, the Share and alert buttons, the connect modal, events.

Each listener acks first, then does its work; everything it needs arrives in `SlackDeps`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import PulseError
from bot.features.alerts import BUTTONS as ALERT_BUTTONS
from bot.messages import sentence
from bot.render.blocks import SHARE_ACTION, Message
from bot.slack.bolt import SlackActions, SlackDeps, slack_error, team_of, user_profile
from commands import connect, dispatch

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

    @app.action(SHARE_ACTION)
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
        shared.setdefault("blocks", []).append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Shared by <@{user_id}>"}]}
        )
        await respond(
            text=shared["text"],
            blocks=shared["blocks"],
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
