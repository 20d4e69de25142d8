"""Everything the scheduler posts goes through here: tokens, pacing, Slack's answers.

- `BotTokens` finds a workspace's bot token (single-workspace token, or the stored OAuth
  installation) and rotates an expiring one itself: Bolt only rotates on incoming requests,
  and digests and alerts are posted when nobody is typing.
- `Outbound` keeps at most about one message a second per channel, tries again through
  Slack's bad minutes (5xx, broken connections, `internal_error`, 429 after its
  `Retry-After`) with backoff, joins a public channel it is not in, and reports the other
  errors (`channel_not_found`, `is_archived`, `token_revoked`, …) to the caller as a
  value — they are logged and acted on, never posted back into Slack.
- A message refused for its blocks (a table or chart block the workspace does not take
  yet, say) is sent again at once with tables and charts as plain text, and if that is
  refused too, as its text alone: the reader gets the answer in plainer clothes.
- A post with a key (a digest run, an alert's announcement) is tagged with it in the
  message's `metadata`. Before trying again after a failure that may have reached Slack
  (a timeout, a 5xx), and before a post its caller may have attempted already (after a
  crash), Outbound looks for a message so tagged (`conversations.history`, or `.replies`
  in a thread) and answers with it instead of posting twice. That lookup needs the
  `channels:history` and `groups:history` scopes; without them it finds nothing and the
  post goes out (a message said twice is better than one lost).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bot import telemetry
from bot.clock import Clock
from bot.config import Settings
from bot.features.poster import Posted
from bot.render.fallback import fallback, has_rich_blocks, refused_for_blocks, refused_types
from bot.store import Store
from bot.store.slack_stores import StoreInstallationStore
from bot.team import Team

log = logging.getLogger(__name__)

ATTEMPTS = 6  # a post is tried this often before it is given up (for now)
BACKOFF = 1.0  # seconds before the second attempt; doubled for each one after it
MAX_DELAY = 60.0  # a Retry-After longer than this is a failure, not a wait
#: Slack's own words for "not now": worth trying again (as are 5xx and broken connections).
TRANSIENT = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
METADATA_TYPE = "pulsebot_post"
ROTATE_MINUTES_BEFORE = 10


class BotTokens:
    """The bot token of each workspace, rotated before use when it is about to expire."""

    def __init__(self, settings: Settings, store: Store):
        self._settings = settings
        self._installations = StoreInstallationStore(store)
        self._rotator = (
            AsyncTokenRotator(
                client_id=settings.client_id or "",
                client_secret=settings.client_secret or "",
                client=AsyncWebClient(base_url=settings.slack_api_url),
            )
            if settings.oauth
            else None
        )

    async def token(self, team: Team) -> str | None:
        if self._settings.bot_token:
            return self._settings.bot_token
        bot = await self._installations.async_find_bot(
            enterprise_id=team.enterprise_id, team_id=team.team_id
        )
        if bot is None:
            return None
        if self._rotator is not None and bot.bot_refresh_token:
            rotated = await self._rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=ROTATE_MINUTES_BEFORE
            )
            if rotated is not None:
                await self._installations.async_save_bot(rotated)
                log.info("rotated the bot token of %s", team.key)
                bot = rotated
        return bot.bot_token


def _retry_after(exc: SlackApiError) -> float:
    headers = getattr(exc.response, "headers", {}) or {}
    raw = headers.get("Retry-After") or headers.get("retry-after") or "1"
    try:
        return max(1.0, float(raw))
    except ValueError:
        return 1.0


def _error_code(exc: BaseException) -> str:
    if not isinstance(exc, SlackApiError):
        return "slack_unreachable"
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error", "unknown_error"))
    return "unknown_error"


def _refusal_messages(exc: SlackApiError) -> list[str]:
    data = getattr(exc.response, "data", None)
    meta = data.get("response_metadata") if isinstance(data, dict) else None
    found = meta.get("messages") if isinstance(meta, dict) else None
    return [str(m) for m in found] if isinstance(found, list) else []


def _name(exc: BaseException) -> str:
    return type(exc).__name__


class Outbound:
    """Per-channel paced posting for background messages."""

    def __init__(
        self,
        tokens: Callable[[Team], Awaitable[str | None]],
        clock: Clock,
        *,
        api_url: str,
        per_channel_interval: float = 1.0,
    ):
        self._tokens = tokens
        self._clock = clock
        self._api_url = api_url
        self._interval = per_channel_interval
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._last: dict[str, float] = {}
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[str, AsyncWebClient] = {}

    def _client(self, token: str) -> AsyncWebClient:
        """One Web API client per token, sharing one HTTP session for all posts."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        client = self._clients.get(token)
        if client is None:
            client = AsyncWebClient(
                token=token,
                base_url=self._api_url,
                session=self._session,
                retry_handlers=[],  # tries again itself, on the injected clock, with backoff
            )
            self._clients[token] = client
        return client

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._clients.clear()

    async def post(
        self,
        team: Team,
        channel: str,
        payload: dict[str, Any],
        *,
        thread_ts: str | None = None,
        key: str | None = None,
        attempted_since: datetime | None = None,
    ) -> Posted:
        args = dict(payload, channel=channel)
        if thread_ts:
            args["thread_ts"] = thread_ts
        if key is not None:  # the tag an earlier attempt is found by
            args["metadata"] = {"event_type": METADATA_TYPE, "event_payload": {"key": key}}
        return await self._call(team, channel, "chat_postMessage", args, key, attempted_since)

    async def update(self, team: Team, channel: str, ts: str, payload: dict[str, Any]) -> Posted:
        args = dict(payload, channel=channel, ts=ts)
        return await self._call(team, channel, "chat_update", args, None, None)

    async def dm(self, team: Team, user_id: str, text: str) -> Posted:
        """A direct message to `user_id` (e.g. a digest's creator), paced like any post."""
        token = await self._tokens(team)
        if token is None:
            return Posted(False, error="not_installed")
        try:
            opened = await self._client(token).conversations_open(users=user_id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Posted(False, error=_error_code(exc))
        channel = str((opened.get("channel") or {}).get("id", ""))
        args = {"channel": channel, "text": text}
        return await self._call(team, channel, "chat_postMessage", args, None, None)

    async def _call(
        self,
        team: Team,
        channel: str,
        method: str,
        args: dict[str, Any],
        key: str | None,
        attempted_since: datetime | None,
    ) -> Posted:
        posted = await self._send(team, channel, method, args, key, attempted_since)
        outcome = "settled" if posted.settled else "ok" if posted.ok else posted.error or "error"
        telemetry.SLACK_POSTS.labels(method, outcome).inc()
        return posted

    async def _send(
        self,
        team: Team,
        channel: str,
        method: str,
        args: dict[str, Any],
        key: str | None,
        attempted_since: datetime | None,
    ) -> Posted:
        token = await self._tokens(team)
        if token is None:
            return Posted(False, error="not_installed")
        client = self._client(token)
        where = f"{team.key}/{channel}"
        thread_ts = args.get("thread_ts")
        async with self._locks[where]:
            if key is not None and attempted_since is not None:
                found = await self._find(client, channel, key, attempted_since, thread_ts)
                if found is not None:
                    return Posted(True, ts=found, channel=channel, settled=True)
            joined = plainer = False
            since = self._clock.now()
            for attempt in range(ATTEMPTS):
                try:
                    response = await self._paced(where, getattr(client, method), args)
                except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                    code, delay = "slack_unreachable", BACKOFF * 2**attempt
                    log.warning("Slack not reached for %s in %s: %s", method, where, _name(exc))
                except SlackApiError as exc:
                    code = _error_code(exc)
                    status = getattr(exc.response, "status_code", 200)
                    if status == 429 or code == "ratelimited":
                        delay = _retry_after(exc)
                        log.info("Slack asked us to wait %.0fs before posting to %s", delay, where)
                    elif status >= 500 or code in TRANSIENT:
                        delay = BACKOFF * 2**attempt
                        log.warning("Slack failed %s in %s: %s", method, where, code)
                    elif refused_for_blocks(code, _refusal_messages(exc)) and not plainer:
                        if has_rich_blocks(args):
                            kinds = refused_types(args, _refusal_messages(exc))
                            log.warning(
                                "Slack refused %s blocks in %s (%s); sending them as text",
                                ", ".join(kinds) or "the",
                                where,
                                code,
                            )
                            args = fallback(args)
                        else:
                            log.warning("Slack refused the blocks in %s (%s)", where, code)
                            args = {k: v for k, v in args.items() if k != "blocks"}
                            plainer = True
                        continue
                    elif code == "not_in_channel" and not joined:
                        joined = await self._join(client, channel)
                        if joined:
                            continue
                        return Posted(False, channel=channel, error=code)
                    else:
                        log.warning("Slack refused %s in %s: %s", method, where, code)
                        return Posted(False, channel=channel, error=code)
                else:
                    ts, at = response.get("ts"), response.get("channel", channel)
                    return Posted(True, ts=ts, channel=at)
                if attempt + 1 == ATTEMPTS or delay > MAX_DELAY:
                    return Posted(False, channel=channel, error=code)
                await self._clock.sleep(delay)
                if key is not None and code != "ratelimited":  # it may have gone through
                    found = await self._find(client, channel, key, since, thread_ts)
                    if found is not None:
                        return Posted(True, ts=found, channel=channel, settled=True)
            return Posted(False, channel=channel, error="unknown_error")

    async def _paced(
        self, where: str, call: Callable[..., Awaitable[Any]], args: dict[str, Any]
    ) -> Any:
        """`call(**args)` at most once a second per channel, the second counted from
        Slack's answer to the previous one, not from when that was sent: a request slowed
        on its way (the network, a busy event loop) cannot bring the next one within the
        second at Slack's end. The caller holds the channel's lock."""
        wait = self._last.get(where, float("-inf")) + self._interval - self._clock.monotonic()
        if wait > 0:
            await self._clock.sleep(wait)
        try:
            return await call(**args)
        finally:
            self._last[where] = self._clock.monotonic()

    async def _find(
        self,
        client: AsyncWebClient,
        channel: str,
        key: str,
        since: datetime,
        thread_ts: str | None,
    ) -> str | None:
        """The ts of a message tagged `key` posted since `since` (a minute's margin), if
        Slack has one; None when there is none, or when it cannot be asked."""
        oldest = f"{since.timestamp() - 60:.6f}"
        try:
            if thread_ts:
                found = await client.conversations_replies(
                    channel=channel, ts=thread_ts, oldest=oldest, include_all_metadata=True
                )
            else:
                found = await client.conversations_history(
                    channel=channel, oldest=oldest, include_all_metadata=True, limit=200
                )
        except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("could not look for an earlier post in %s: %s", channel, _error_code(exc))
            return None
        for message in found.get("messages") or []:
            meta = message.get("metadata") or {}
            if (
                meta.get("event_type") == METADATA_TYPE
                and (meta.get("event_payload") or {}).get("key") == key
            ):
                return str(message.get("ts"))
        return None

    async def _join(self, client: AsyncWebClient, channel: str) -> bool:
        """Join a public channel by ourselves; private channels need an invitation."""
        try:
            await client.conversations_join(channel=channel)
        except SlackApiError as exc:
            log.info("could not join %s: %s", channel, _error_code(exc))
            return False
        return True
