"""Everything the scheduler posts goes through here: tokens, pacing, Slack's answers.

- `BotTokens` finds a workspace's bot token (single-workspace token, or the stored OAuth
  installation) and rotates an expiring one itself: Bolt only rotates on incoming requests,
  and digests and alerts are posted when nobody is typing.
- `Outbound` keeps at most about one message a second per channel, honours Slack's
  `Retry-After` on 429, joins a public channel it is not in, and reports the other errors
  (`channel_not_found`, `is_archived`, `token_revoked`, …) to the caller as a value —
  they are logged and acted on, never posted back into Slack.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bot import telemetry
from bot.clock import Clock
from bot.config import Settings
from bot.features.poster import Posted
from bot.store import Store
from bot.store.slack_stores import StoreInstallationStore
from bot.team import Team

log = logging.getLogger(__name__)

MAX_RATE_LIMIT_RETRIES = 3
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


def _error_code(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error", "unknown_error"))
    return "unknown_error"


class Outbound:
    """Per-channel paced posting for background messages."""

    def __init__(
        self,
        tokens: Callable[[Team], Awaitable[str | None]],
        clock: Clock,
        *,
        api_url: str,
        per_channel_interval: float = 1.1,
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
            client = AsyncWebClient(token=token, base_url=self._api_url, session=self._session)
            self._clients[token] = client
        return client

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._clients.clear()

    async def post(
        self, team: Team, channel: str, payload: dict[str, Any], *, thread_ts: str | None = None
    ) -> Posted:
        args = dict(payload, channel=channel)
        if thread_ts:
            args["thread_ts"] = thread_ts
        return await self._call(team, channel, "chat_postMessage", args)

    async def update(self, team: Team, channel: str, ts: str, payload: dict[str, Any]) -> Posted:
        return await self._call(team, channel, "chat_update", dict(payload, channel=channel, ts=ts))

    async def dm(self, team: Team, user_id: str, text: str) -> Posted:
        """A direct message to `user_id` (e.g. a digest's creator), paced like any post."""
        token = await self._tokens(team)
        if token is None:
            return Posted(False, error="not_installed")
        try:
            opened = await self._client(token).conversations_open(users=user_id)
        except SlackApiError as exc:
            return Posted(False, error=_error_code(exc))
        channel = str((opened.get("channel") or {}).get("id", ""))
        return await self._call(
            team, channel, "chat_postMessage", {"channel": channel, "text": text}
        )

    async def _call(self, team: Team, channel: str, method: str, args: dict[str, Any]) -> Posted:
        posted = await self._send(team, channel, method, args)
        telemetry.SLACK_POSTS.labels(method, "ok" if posted.ok else posted.error or "error").inc()
        return posted

    async def _send(self, team: Team, channel: str, method: str, args: dict[str, Any]) -> Posted:
        token = await self._tokens(team)
        if token is None:
            return Posted(False, error="not_installed")
        client = self._client(token)
        key = f"{team.key}/{channel}"
        async with self._locks[key]:
            joined = False
            for _attempt in range(MAX_RATE_LIMIT_RETRIES + 1):
                wait = self._last.get(key, float("-inf")) + self._interval - self._clock.monotonic()
                if wait > 0:
                    await self._clock.sleep(wait)
                self._last[key] = self._clock.monotonic()
                try:
                    response = await getattr(client, method)(**args)
                except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                    log.warning(
                        "Slack could not be reached for %s in %s: %s",
                        method,
                        key,
                        type(exc).__name__,
                    )
                    return Posted(False, channel=channel, error="slack_unreachable")
                except SlackApiError as exc:
                    status = getattr(exc.response, "status_code", 200)
                    code = _error_code(exc)
                    if status == 429 or code == "ratelimited":
                        delay = _retry_after(exc)
                        log.info("Slack asked us to wait %.0fs before posting to %s", delay, key)
                        await self._clock.sleep(delay)
                        continue
                    if code == "not_in_channel" and not joined:
                        joined = await self._join(client, channel)
                        if joined:
                            continue
                    log.warning("Slack refused %s in %s: %s", method, key, code)
                    return Posted(False, channel=channel, error=code)
                return Posted(True, ts=response.get("ts"), channel=response.get("channel", channel))
            return Posted(False, channel=channel, error="ratelimited")

    async def _join(self, client: AsyncWebClient, channel: str) -> bool:
        """Join a public channel by ourselves; private channels need an invitation."""
        try:
            await client.conversations_join(channel=channel)
        except SlackApiError as exc:
            log.info("could not join %s: %s", channel, _error_code(exc))
            return False
        return True
