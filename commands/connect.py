"""`/pulse connect`, `disconnect` and `services`: the workspace's service accounts.

`connect SERVICE` opens a modal with one input per credential field; the submission is
validated against the service (one cheap call) before anything is saved, and a rejection
is shown inside the modal as a field error. Secrets are never echoed: `services` shows
only the last four characters of a credential.
"""

from __future__ import annotations

import asyncio
import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import messages
from bot.clients import registry
from bot.clients.budget import day_ends
from bot.clients.spec import ServiceSpec
from bot.domain.values import echo
from bot.errors import AuthFailed, InvalidRequest, ServiceError, UsageError
from bot.render.blocks import context, header, section, slack_date
from bot.render.message import Message
from bot.render.text import dates_as_text
from bot.store.credentials import CredentialInfo
from commands.context import Context
from commands.parsing import Args
from commands.router import Router

CALLBACK_ID = "pulse_connect"
VALIDATE_TIMEOUT = 2.5  # Slack wants the modal's answer within 3 seconds
router = Router(group="Settings")
SERVICE_LIST = ", ".join(registry.KEYS)


def service_arg(args: Args, command: str) -> str:
    """The one service named after `command` (`connect`, `disconnect`)."""
    if len(args.words) != 1:
        raise UsageError(f"Name one service: {SERVICE_LIST}.")
    name = args.words[0].lower()
    if name not in registry.BY_KEY:
        close = difflib.get_close_matches(name, registry.KEYS, n=1, cutoff=0.6)
        raise UsageError(
            f"`{echo(args.words[0])}` is not a service I know ({SERVICE_LIST}).",
            suggestion=f"{command} {close[0]}" if close else None,
        )
    return name


def connect_view(service: str, channel_id: str) -> dict[str, Any]:
    """The modal asking for `service`'s credential fields."""
    name = messages.service_name(service)
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"Pulse Bot checks the credential with {name} before saving it, "
                "stores it encrypted, and never shows it again.",
            },
        }
    ]
    for field in registry.spec(service).credential_fields:
        blocks.append(
            {
                "type": "input",
                "block_id": field.name,
                "label": {"type": "plain_text", "text": field.label},
                "hint": {"type": "plain_text", "text": field.hint[:150]},
                "element": {"type": "plain_text_input", "action_id": field.name},
                "optional": not field.required,
            }
        )
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": json.dumps({"service": service, "channel": channel_id}),
        "title": {"type": "plain_text", "text": f"Connect {name}"[:24]},
        "submit": {"type": "plain_text", "text": "Check and save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


@dataclass(frozen=True, slots=True)
class Submission:
    """What the modal sent: the service, where to confirm, and the field values."""

    service: str
    channel_id: str
    values: dict[str, str]

    @classmethod
    def from_view(cls, view: Mapping[str, Any]) -> Submission:
        meta = json.loads(view.get("private_metadata") or "{}")
        state = view.get("state", {}).get("values", {})
        values = {}
        for block_id, actions in state.items():
            for action in actions.values():
                values[block_id] = (action.get("value") or "").strip()
        return cls(str(meta.get("service", "")), str(meta.get("channel", "")), values)


def field_errors(service: str, err: ServiceError | TimeoutError) -> dict[str, str]:
    """Map a validation failure onto the modal's inputs (block IDs = field names)."""
    fields = registry.spec(service).credential_fields
    secret = next((f.name for f in fields if f.secret), fields[0].name)
    if isinstance(err, TimeoutError):
        name = messages.service_name(service)
        return {secret: f"{name} did not answer within 3 seconds; nothing was saved. Try again."}
    if isinstance(err, InvalidRequest) and err.field_errors:
        known = {f.name for f in fields}
        mapped = {k: " ".join(v) for k, v in err.field_errors.items() if k in known}
        if mapped:
            return mapped
    if isinstance(err, AuthFailed):
        name = messages.service_name(service)
        return {secret: f"{name} rejected this credential: check it and try again."}
    return {secret: dates_as_text(messages.sentence(err))[:150]}  # a form shows plain text


async def submit(ctx: Context, submission: Submission) -> dict[str, str] | str:
    """Validate and save; field errors for the modal, or the confirmation sentence."""
    await ctx.require_admin("connect services")
    service = submission.service
    if service not in registry.BY_KEY:
        raise UsageError(f"unknown service {service!r}")
    spec = registry.spec(service)
    fields = spec.credential_fields
    missing = {
        f.name: "Required." for f in fields if f.required and not submission.values.get(f.name)
    }
    if missing:
        return missing
    credential = {f.name: value for f in fields if (value := submission.values.get(f.name))}
    try:
        described = await asyncio.wait_for(
            ctx.directory.validate(spec, credential), VALIDATE_TIMEOUT
        )
    except (ServiceError, TimeoutError) as err:
        return field_errors(service, err)
    await ctx.store.credentials.save(ctx.team, service, credential, ctx.user_id)
    ctx.directory.forget(service)
    # the optional fields are settings (a default user, an allowance): said, unless secret
    settings = {
        f.name: credential.get(f.name, "") for f in fields if not f.required and not f.secret
    }
    await ctx.audit("credentials.connect", service=service, **settings)
    name = messages.service_name(service)
    return f"{name} is connected ({described}). Try `/pulse stats`."


def _when(value: datetime | None, ctx: Context) -> str:
    if value is None:
        return "never"
    return value.astimezone(ctx.tz).strftime("%d %b %H:%M")


@router.command("connect")
async def connect(ctx: Context, args: Args) -> Message:
    """connect SERVICE

    Connect a service account (admins only): opens a form for its credentials.

    /pulse connect weldpulse
    /pulse connect raygun
    """
    service = service_arg(args, "connect")
    await ctx.require_admin("connect services")
    if not await ctx.slack.open_modal(connect_view(service, ctx.channel_id)):
        text = (
            f"The form could not be opened (Slack allows a command only a few seconds to "
            f"open one); run `/pulse connect {service}` again."
            if ctx.slack.has_forms
            else "Connecting needs Slack's forms. In the local console every service is "
            "already connected to the simulator's demo accounts."
        )
        return Message(text, (section(text),), shareable=False)
    text = f"Opened the form to connect {messages.service_name(service)}."
    return Message(text, (section(text),), shareable=False)


@router.command("disconnect")
async def disconnect(ctx: Context, args: Args) -> Message:
    """disconnect SERVICE

    Remove a service's credential from this workspace (admins only).

    /pulse disconnect pulsepro
    """
    service = service_arg(args, "disconnect")
    await ctx.require_admin("disconnect services")
    name = messages.service_name(service)
    if await ctx.store.credentials.delete(ctx.team, service):
        ctx.directory.forget(service)
        await ctx.audit("credentials.disconnect", service=service)
        text = f"{name} is disconnected; its credential is deleted."
    else:
        text = f"{name} was not connected."
    return Message(text, (section(text),), shareable=False)


async def daily_headroom(ctx: Context, spec: ServiceSpec[Any], credential: dict[str, str]) -> str:
    """A daily budget (Raygun's 50) as the database keeps it for every process: the calls
    used and left today, when the day starts again, and the last refusal — the service's
    own 429 (no call goes until it ends) or the count being spent."""
    per_day, zone = spec.limits.per_day_allowance(), spec.limits.day_zone
    key, now = spec.budget_key(credential), ctx.now()
    used = await ctx.store.budgets.used(key, now, zone)
    last = await ctx.store.budgets.refusal(key)
    stopped = last is not None and last.upstream and last.until > now
    left = 0 if stopped else max(0, per_day - used)
    text = (
        f"{left} of {per_day} calls left today ({used} used; the day starts again "
        f"{slack_date(day_ends(now, zone))})"
    )
    if last is None:
        return f"{text}\nlast refusal: none"
    why = (
        f"{spec.name} answered 429, its daily quota used up"
        if last.upstream
        else f"the day's {per_day} calls were used"
    )
    then = "no calls until" if last.until > now else "calls resumed"
    return f"{text}\nlast refusal: {slack_date(last.at)}: {why}; {then} {slack_date(last.until)}"


async def headroom_of(ctx: Context, service: str) -> str:
    """How many calls the service has left: a daily budget (Raygun's 50) as counted in the
    database, whichever process spent it (`daily_headroom`); else this process's window."""
    spec = registry.spec(service)
    if spec.limits.per_day is not None:
        credential = await ctx.store.credentials.get(ctx.team, service)
        if credential is not None:
            return await daily_headroom(ctx, spec, credential)
    room = ctx.directory.headroom(service)
    if room is None:
        return spec.limits.describe()
    return f"{room.remaining}/{room.limit} calls left this {room.per}"


def service_line(ctx: Context, service: str, info: CredentialInfo | None, headroom: str) -> str:
    """A service's state in mrkdwn: connected or not, by whom, last success and error,
    and how many calls it has left (`headroom_of`)."""
    name = messages.service_name(service)
    if info is None:
        return f"*{name}* — not connected · `/pulse connect {service}`"
    tail = f"…{info.last4}" if info.last4 else "(hidden)"
    error = f"{info.last_error} ({_when(info.last_error_at, ctx)})" if info.last_error else "none"
    return (
        f"*{name}* — connected {tail} by <@{info.created_by}>\n"
        f"last success: {_when(info.last_success_at, ctx)} · last error: {error}\n"
        f"headroom: {headroom}"
    )


@router.command("services")
async def services(ctx: Context, args: Args) -> Message:
    """services

    Every service: connected or not, last success, last error, rate-limit headroom.
    """
    if args.words:
        raise UsageError(f"I don't know what `{echo(args.words[0])}` means here.")
    infos = {i.service: i for i in await ctx.store.credentials.list(ctx.team)}
    blocks: list[dict[str, Any]] = [header("Connected services")]
    for service in registry.KEYS:
        info = infos.get(service)
        headroom = await headroom_of(ctx, service) if info else ""
        blocks.append(section(service_line(ctx, service, info, headroom)))
    blocks.append(context("Only admins can connect or disconnect services."))
    connected = len(infos)
    return Message(f"{connected} of {len(registry.KEYS)} services connected", tuple(blocks))
