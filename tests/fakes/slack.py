"""A small recording fake of the Slack Web API on loopback, for tests and benchmarks.

Modelled on bolt-python's `tests/mock_web_api_server`: it answers the Web API methods
Pulse Bot uses, records every call (method, arguments, token), receives `response_url`
posts, and can enforce Slack's ~1 message/second/channel limit with 429 + Retry-After or
fail chosen channels with `not_in_channel`, `channel_not_found`, `is_archived`.

Slack's bad minutes are planned with `fail(method, *answers)`: the next calls of `method`
get those answers in turn (HTTP 500, `internal_error`, 429 with Retry-After…), and
`lose(method, n)` makes the next `n` accepted messages be kept while their answer is an
HTTP 500 (the post went through, the response did not). Accepted messages are kept per
channel with their `metadata`, and `conversations.history` / `.replies` read them back.
`down = True` answers every Web API call with HTTP 503.

Channels and people are as a bot token sees them. A channel the fake was not told about
(`channels`) is a public one the bot is in, and any user ID a person (`users` adds to or
changes what `users.info` says): tests name only what matters to them. `conversations.info`
and `.join` take a conversation ID only; a private channel the bot is not in is invisible
(`channel_not_found`, as for one in `no_such_channels`); joining works for public channels
only (`method_not_supported_for_channel_type` for a DM or private channel, `is_archived`).
`chat.*` refuses an archived or invisible channel; a public one the bot is not in takes
posts (`chat:write.public`). `users.info` says `user_not_found` for `no_such_users`, and
`users.list` pages through `users` by `limit` and `response_metadata.next_cursor`.

Every message (chat.postMessage, chat.update, chat.postEphemeral, a `response_url` post)
and every view (views.publish, views.open) is checked as Slack checks it
(`tests.fakes.slack_rules`): what Slack would refuse is refused, with `invalid_blocks`
and its messages, or HTTP 400 and the code on a `response_url`. `refused_types` makes
block types refused as not enabled, as during a phased roll-out.

`signed_headers` signs a request body exactly as Slack does (v0 HMAC-SHA256).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.fakes.slack_rules import refusal


def signed_headers(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    ok: bool = True


@dataclass
class FakeChannel:
    """A conversation as the fake's Slack knows it (see the module docstring); `im` with
    `member` is the bot's own DM, without it a DM between people."""

    private: bool = False
    member: bool = True
    archived: bool = False
    im: bool = False


def conversation_id(channel: str) -> bool:
    """Whether `channel` is shaped like a conversation ID (`C…`, `G…`, `D…`), not a name."""
    return len(channel) > 1 and channel[0] in "CGD" and channel.isalnum() and channel.isupper()


@dataclass
class FakeSlack:
    """State of the fake: users, failures, limits and everything it was sent."""

    team_id: str = "T0000001"
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channel_errors: dict[str, str] = field(default_factory=dict)
    channels: dict[str, FakeChannel] = field(default_factory=dict)
    no_such_channels: set[str] = field(default_factory=set)
    no_such_users: set[str] = field(default_factory=set)
    per_channel_interval: float = 0.0
    oauth_team: dict[str, str] = field(default_factory=lambda: {"id": "T0OAUTH1", "name": "Acme"})
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _last_post: dict[str, float] = field(default_factory=lambda: defaultdict(lambda: -1e9))
    url: str = ""
    rotations: int = 0
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)
    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time  # Slack's clock, which message ts are made of
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    refused_types: set[str] = field(default_factory=set)
    refusals: list[tuple[str, str, list[str]]] = field(default_factory=list)
    history: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    planned: dict[str, list[tuple[int, str, dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    lost: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    down: bool = False

    def fail(
        self, method: str, *answers: tuple[int, str] | tuple[int, str, dict[str, str]]
    ) -> None:
        """The next calls of `method` answer (HTTP status, error[, headers]) in turn."""
        for answer in answers:
            status, error, *rest = answer
            self.planned[method].append((status, error, rest[0] if rest else {}))

    def lose(self, method: str, times: int = 1) -> None:
        """The next `times` accepted `method` calls take effect but answer HTTP 500."""
        self.lost[method] += times

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def posts(self, channel: str | None = None) -> list[Call]:
        """Messages Slack accepted (refused attempts are in `calls` with ok=False)."""
        return [
            c
            for c in self.called("chat.postMessage")
            if c.ok and (channel is None or c.args.get("channel") == channel)
        ]

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        """Wait until `predicate()` is true (for end-to-end tests of background work)."""

        async def loop() -> None:
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(loop(), timeout)

    def refuse(self, where: str, payload: Mapping[str, Any], surface: str) -> str | None:
        """Slack's error for blocks it would not take (recorded), or None."""
        found = refusal(payload, surface=surface, refused_types=self.refused_types)
        if found is None:
            return None
        self.refusals.append((where, found[0], found[1]))
        return found[0]

    def _read(
        self, channel: str, args: Mapping[str, Any], thread: str | None
    ) -> list[dict[str, Any]]:
        """A channel's messages newest first (a thread's replies oldest first), as Slack
        returns them: after `oldest`, with `metadata` only when it is asked for."""
        oldest = float(args.get("oldest") or 0)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in {"1", "true"}
        found = [
            {k: v for k, v in m.items() if v is not None and (with_metadata or k != "metadata")}
            for m in self.history.get(channel, [])
            if float(m["ts"]) > oldest
            and (thread in {m.get("thread_ts"), m["ts"]} if thread else not m.get("thread_ts"))
        ]
        return found if thread else found[::-1]

    def _visible(self, channel: str) -> FakeChannel | None:
        """The conversation as the bot sees it: None when Slack would say channel_not_found."""
        if not conversation_id(channel) or channel in self.no_such_channels:
            return None
        found = self.channels.get(channel, FakeChannel())
        if (found.private or found.im) and not found.member:
            return None  # a private channel or someone else's DM: the bot cannot see it
        return found

    def _conversation(self, channel: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """conversations.info, as for a bot token with channels/groups/im/mpim:read."""
        found = self._visible(channel)
        if found is None:
            return 200, {"ok": False, "error": "channel_not_found"}, {}
        if found.im:
            return 200, {"ok": True, "channel": {"id": channel, "is_im": True, "user": "U0"}}, {}
        body = {
            "id": channel,
            "name": channel.lower(),
            "is_channel": not found.private,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": found.private,
            "is_archived": found.archived,
            "is_member": found.member,
        }
        return 200, {"ok": True, "channel": body}, {}

    def _join(self, channel: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """conversations.join: public channels only; the bot is a member afterwards."""
        found = self._visible(channel)
        if found is None:
            return 200, {"ok": False, "error": "channel_not_found"}, {}
        if found.im or found.private:
            return 200, {"ok": False, "error": "method_not_supported_for_channel_type"}, {}
        if found.archived:
            return 200, {"ok": False, "error": "is_archived"}, {}
        already = found.member
        found.member = True
        self.channels[channel] = found
        body: dict[str, Any] = {"ok": True, "channel": {"id": channel, "is_member": True}}
        if already:
            body["warning"] = "already_in_channel"
        return 200, body, {}

    def _post_refusal(self, channel: str) -> str | None:
        """What chat.* says for a channel the bot cannot post into (IDs only: Slack also
        takes a public channel's name there, which the fake lets through)."""
        if not conversation_id(channel):
            return None
        found = self._visible(channel)
        if found is None:
            return "channel_not_found"
        return "is_archived" if found.archived else None

    def _user(self, user_id: str) -> dict[str, Any]:
        user = {
            "id": user_id,
            "tz": "Europe/Berlin",
            "is_admin": False,
            "is_owner": False,
            "is_bot": False,
            "deleted": False,
        }
        user.update(self.users.get(user_id, {}))
        return user

    def _members(self, args: Mapping[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        """users.list: the known users, `limit` a page (at most 1,000), by cursor."""
        everyone = [self._user(u) for u in sorted(self.users) if u not in self.no_such_users]
        limit = min(int(args.get("limit") or 0) or 1000, 1000)
        cursor = str(args.get("cursor") or "")
        start = 0
        if cursor:
            if not cursor.startswith("next:") or not cursor[5:].isdigit():
                return 200, {"ok": False, "error": "invalid_cursor"}, {}
            start = int(cursor[5:])
        end = start + limit
        following = f"next:{end}" if end < len(everyone) else ""
        body = {
            "ok": True,
            "members": everyone[start:end],
            "response_metadata": {"next_cursor": following},
        }
        return 200, body, {}

    def _next_ts(self) -> str:
        return f"{int(self.wall())}.{next(self._ts):06d}"

    def answer(
        self, method: str, args: Mapping[str, Any], token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        channel = str(args.get("channel", ""))
        if self.down:
            return 503, {"ok": False, "error": "service_unavailable"}, {}
        if self.planned[method]:
            status, planned, headers = self.planned[method].pop(0)
            return status, {"ok": False, "error": planned}, headers
        if method == "conversations.history":
            return 200, {"ok": True, "messages": self._read(channel, args, None)}, {}
        if method == "conversations.replies":
            thread = str(args.get("ts", ""))
            return 200, {"ok": True, "messages": self._read(channel, args, thread)}, {}
        if method in {
            "chat.postMessage",
            "chat.update",
            "chat.postEphemeral",
            "conversations.join",
        }:
            error = self.channel_errors.get(channel)
            if error:
                return 200, {"ok": False, "error": error}, {}
        if method == "chat.postMessage" and self.per_channel_interval:
            now = self.monotonic()
            wait = self._last_post[channel] + self.per_channel_interval - now
            if wait > 0:
                return (
                    429,
                    {"ok": False, "error": "ratelimited"},
                    {"Retry-After": str(max(1, round(wait)))},
                )
            self._last_post[channel] = now
        if token is not None and "revoked" in token:
            return 200, {"ok": False, "error": "token_revoked"}, {}
        if method == "conversations.info":
            return self._conversation(channel)
        if method == "conversations.join":
            return self._join(channel)
        if method == "users.list":
            return self._members(args)
        if method in {"chat.postMessage", "chat.update", "chat.postEphemeral"}:
            refused = self._post_refusal(channel)
            if refused is not None:
                return 200, {"ok": False, "error": refused}, {}
        surface = {"views.publish": "home", "views.open": "modal"}.get(method, "message")
        if method in {"chat.postMessage", "chat.update", "chat.postEphemeral"} or (
            method in {"views.publish", "views.open"} and isinstance(args.get("view"), dict)
        ):
            checked = args["view"] if surface != "message" else args
            error = self.refuse(method, checked, surface)
            if error is not None:
                meta = {"messages": self.refusals[-1][2]}
                return 200, {"ok": False, "error": error, "response_metadata": meta}, {}
        if method == "auth.test":
            return (
                200,
                {
                    "ok": True,
                    "team_id": self.team_id,
                    "user_id": "UBOT",
                    "bot_id": "BBOT",
                    "team": "Test",
                    "url": "https://test.slack.com/",
                },
                {},
            )
        if method == "users.info":
            user_id = str(args.get("user", ""))
            if not user_id or user_id in self.no_such_users:
                return 200, {"ok": False, "error": "user_not_found"}, {}
            return 200, {"ok": True, "user": self._user(user_id)}, {}
        if method in {"chat.postMessage", "chat.update"}:
            ts = str(args.get("ts") or self._next_ts())
            if method == "chat.postMessage":
                self.history[channel].append(
                    {
                        "ts": ts,
                        "text": args.get("text", ""),
                        "thread_ts": args.get("thread_ts"),
                        "metadata": args.get("metadata"),
                    }
                )
            if self.lost[method]:
                self.lost[method] -= 1
                return 500, {"ok": False, "error": "internal_error"}, {}
            return (
                200,
                {
                    "ok": True,
                    "channel": channel,
                    "ts": ts,
                    "message": {"text": args.get("text", "")},
                },
                {},
            )
        if method == "conversations.open":
            return 200, {"ok": True, "channel": {"id": "D" + str(args.get("users", "X"))}}, {}
        if method == "oauth.v2.access" and args.get("grant_type") == "refresh_token":
            self.rotations += 1
            return (
                200,
                {
                    "ok": True,
                    "token_type": "bot",
                    "access_token": f"xoxb-rotated-{self.rotations}",
                    "refresh_token": f"xoxe-1-refresh-{self.rotations}",
                    "expires_in": 43200,
                },
                {},
            )
        if method == "oauth.v2.access":
            return (
                200,
                {
                    "ok": True,
                    "app_id": "A0PULSE",
                    "access_token": "xoxb-oauth-issued-token-1",
                    "token_type": "bot",
                    "scope": "commands,chat:write",
                    "bot_user_id": "UBOT",
                    "team": self.oauth_team,
                    "enterprise": None,
                    "is_enterprise_install": False,
                    "authed_user": {"id": "U0INSTALLER"},
                },
                {},
            )
        if method == "apps.connections.open":
            return 200, {"ok": True, "url": self.url.replace("http://", "ws://") + "/link"}, {}
        return 200, {"ok": True, "ts": self._next_ts(), "channel": channel}, {}


async def _read_args(request: web.Request) -> dict[str, Any]:
    raw = await request.text()
    if request.content_type == "application/json" and raw:
        data = json.loads(raw)
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(raw, keep_blank_values=True))


def build_app(state: FakeSlack) -> web.Application:
    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _read_args(request)
        args.update(request.query)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.get("token")
        for key in ("blocks", "view", "attachments", "metadata"):
            if isinstance(args.get(key), str):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(args[key])
        status, body, headers = state.answer(method, args, token)
        ok = status == 200 and bool(body.get("ok"))
        state.calls.append(Call(method, args, token, state.monotonic(), ok))
        state.changed.set()
        return web.json_response(body, status=status, headers=headers)

    async def response_url(request: web.Request) -> web.Response:
        """Like Slack's: HTTP 400 with the error code as the body for blocks it refuses."""
        body = await request.json()
        error = state.refuse(request.path, body, "message")
        body["_path"] = request.path
        if error is None:
            state.responses.append(body)
        state.changed.set()
        return web.Response(text="ok") if error is None else web.Response(status=400, text=error)

    async def link(request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: the app connects here; envelopes go down, acks come back."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        state.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        state.changed.set()
        async for frame in ws:
            if frame.type == WSMsgType.TEXT:
                state.acks.append(json.loads(frame.data))
                state.changed.set()
        return ws

    app = web.Application()
    app.router.add_get("/link", link)
    app.router.add_post("/api/{method}", api)
    app.router.add_get("/api/{method}", api)
    app.router.add_post("/response/{id}", response_url)
    return app


class FakeSlackServer:
    """`async with FakeSlackServer() as slack:` → `slack.api_url`, `slack.response_url(id)`."""

    def __init__(self, state: FakeSlack | None = None):
        self.state = state or FakeSlack()
        self._runner: web.AppRunner | None = None
        self.url = ""

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, ident: str = "1") -> str:
        return f"{self.url}/response/{ident}"

    async def __aenter__(self) -> FakeSlackServer:
        self._runner = web.AppRunner(build_app(self.state), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{port}"
        self.state.url = self.url
        return self

    async def send_envelope(self, kind: str, payload: dict[str, Any], envelope_id: str) -> None:
        """Deliver a Socket Mode envelope (e.g. `slash_commands`) to the connected app."""
        await self.state.sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
            }
        )

    async def __aexit__(self, *exc: object) -> None:
        for ws in self.state.sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
