"""The front door of `POST /slack/events`: what Bolt never sees.

In order, before anything is parsed or logged:

1. A body over `MAX_BODY` (64 KiB — Slack's largest payloads, a modal's state, are far
   smaller) is refused with 413, unread beyond the limit.
2. The signature is checked here (v0 HMAC-SHA256 over the timestamp and the body, the
   timestamp within five minutes). A request that fails is refused with 401 and one log
   line naming only the reason and the size — never the body, which may hold a connect
   form's credentials (Bolt's own check logs the whole body at INFO, so it is switched
   off in `bot.slack.bolt` when this gate runs).
3. A body that is not what Slack sends (not UTF-8, a form whose `payload` is not a JSON
   object, JSON that is not an object, or an object whose `view`, `event`, `user`,
   `team` … are not objects or whose `actions` are not a list of objects — Bolt's own
   matchers fail on those with a 500; a slash command or an interaction without the
   fields Slack always sends — who, where, where to answer) is refused with 400.
Anything Bolt then fails on with an exception is a 400 (one line logged), never a 500.

Replays are caught after the acknowledgement, by the listeners (`replay_key` names a
command or an interaction across deliveries; `bot.listeners.deps.seen_before` remembers
it in the database): a database that is slow or locked must never hold up an ack.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
SIGNING_WINDOW = 5 * 60  # seconds either side of now a signed timestamp may be


@dataclass(frozen=True, slots=True)
class Admitted:
    """A request let in: its body as text, and as parsed here (see `bolt_request`)."""

    body: str
    payload: dict[str, Any]


def _refused(status: int, reason: str, request: web.Request, size: int) -> web.Response:
    log.info("refused %s %s (%d bytes): %s", request.method, request.path, size, reason)
    return web.Response(status=status, text=reason)


class Gate:
    def __init__(self, signing_secret: str | None, *, now: Callable[[], float] = time.time):
        self._secret = signing_secret
        self._now = now

    async def admit(self, request: web.Request) -> Admitted | web.Response:
        declared = request.content_length
        if declared is not None and declared > MAX_BODY:
            return _refused(413, "request body too large", request, declared)
        raw = await request.content.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            return _refused(413, "request body too large", request, len(raw))
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if self._secret is not None and not self._signed(self._secret, raw, timestamp, signature):
            return _refused(401, "invalid or missing signature", request, len(raw))
        try:
            body = raw.decode("utf-8")
            payload = _parse(body, request.content_type)
        except ValueError:
            return _refused(400, "not a Slack request body", request, len(raw))
        return Admitted(body, payload)

    def _signed(self, secret: str, raw: bytes, timestamp: str, signature: str) -> bool:
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
            return False
        if abs(self._now() - int(timestamp)) > SIGNING_WINDOW:
            return False
        base = b"v0:" + timestamp.encode() + b":" + raw
        expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)


#: Parts of a Slack payload that are always objects, and those always lists of objects.
_OBJECTS = ("view", "event", "user", "team", "channel", "container", "message", "enterprise")
_LISTS_OF_OBJECTS = ("actions", "authorizations")
#: What every slash command carries, and the interactions that always name who acted.
_COMMAND_FIELDS = ("command", "team_id", "user_id", "channel_id", "response_url")
_INTERACTIONS = ("block_actions", "view_submission", "view_closed", "shortcut", "message_action")


def _parse(body: str, content_type: str) -> dict[str, Any]:
    """The request as Slack sent it: a JSON object, or a form (with `payload` a JSON
    object when it is there); ValueError for anything else."""
    if content_type == "application/json":
        return _shaped(json.loads(body))
    form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
    if "payload" in form:
        payload = _shaped(json.loads(form["payload"]))
        if not isinstance(payload.get("type"), str):
            raise ValueError("an interaction without a type")
        if payload["type"] in _INTERACTIONS and not (payload.get("user") or {}).get("id"):
            raise ValueError("an interaction without a user")
        return payload
    if "command" in form and not all(form.get(name) for name in _COMMAND_FIELDS):
        raise ValueError("a slash command without the fields Slack always sends")
    return form


def _shaped(data: Any) -> dict[str, Any]:
    """`data` if it has the shape of a Slack payload where Bolt relies on one."""
    if not isinstance(data, dict):
        raise ValueError("not an object")
    for name in _OBJECTS:
        if data.get(name) is not None and not isinstance(data[name], dict):
            raise ValueError(f"{name} is not an object")
    for name in _LISTS_OF_OBJECTS:
        items = data.get(name)
        if items is not None and not (
            isinstance(items, list) and all(isinstance(i, dict) for i in items)
        ):
            raise ValueError(f"{name} is not a list of objects")
    return data


def bolt_request(admitted: Admitted, request: web.Request) -> AsyncBoltRequest:
    """`admitted` as Bolt's request, its body parsed once: here, not again by Bolt (which
    parses a text body in its constructor; a profile of 200 acks showed the second parse
    as a fifth of an acknowledgement's own time)."""
    bolt = AsyncBoltRequest(
        body="",
        query=request.query_string,
        headers=request.headers,  # type: ignore[arg-type]
    )
    bolt.raw_body = admitted.body
    bolt.body = admitted.payload
    bolt.context = build_async_context(AsyncBoltContext({}), admitted.payload)
    return bolt


def replay_key(payload: dict[str, Any], headers: Mapping[str, Any]) -> str | None:
    """What identifies a command or an interaction across deliveries: its `trigger_id`,
    else the timestamp and signature Slack signed it with (None when it has neither)."""
    trigger = payload.get("trigger_id")
    if isinstance(trigger, str) and trigger:
        return f"trigger:{trigger}"
    timestamp = _first(headers.get("x-slack-request-timestamp"))
    signature = _first(headers.get("x-slack-signature"))
    if timestamp and signature:
        return f"signed:{timestamp}:{signature}"
    return None


def _first(value: Any) -> str:
    """A header as Bolt keeps it (a list of values) or as aiohttp does (a string)."""
    if isinstance(value, list | tuple):
        return str(value[0]) if value else ""
    return str(value or "")
