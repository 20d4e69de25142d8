"""Whether Slack's Web API can be reached, learned at start-up and kept up to date.

When Slack cannot be reached at start (or `auth.test` fails), the app still serves: a
command is acknowledged with one sentence ("Slack could not be reached; try again in a
minute") instead of an error, and a probe (`api.test`) asks again every `every` seconds until Slack
answers, after which everything works as usual — no restart needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

UNREACHABLE = "Slack could not be reached; try again in a minute."


class Reachability:
    def __init__(self, client: AsyncWebClient, *, every: float = 15.0) -> None:
        self._client = client
        self.every = every
        self.reachable = True
        self._probing: asyncio.Task[None] | None = None

    async def probe(self) -> bool:
        """Ask Slack once (`api.test`, which needs no token); remember and answer whether
        it answered. Any answer short of an HTTP 5xx means Slack is there."""
        try:
            await self._client.api_test()
        except SlackApiError as exc:
            failed = getattr(exc.response, "status_code", 200) >= 500
            self._remember(not failed, exc)
        except (aiohttp.ClientError, OSError) as exc:
            self._remember(False, exc)
        else:
            self._remember(True, None)
        return self.reachable

    def _remember(self, reachable: bool, exc: BaseException | None) -> None:
        if not reachable:
            if self.reachable:
                log.warning(
                    "Slack cannot be reached (%s); asking again every %.0f s",
                    type(exc).__name__,
                    self.every,
                )
            self.reachable = False
            return
        if not self.reachable:
            log.info("Slack can be reached again")
        self.reachable = True

    async def start(self) -> None:
        """Probe now; while Slack cannot be reached, keep probing in the background."""
        if not await self.probe():
            self._probing = asyncio.create_task(self._until_reachable())

    async def _until_reachable(self) -> None:
        while not self.reachable:
            await asyncio.sleep(self.every)
            await self.probe()

    async def stop(self) -> None:
        if self._probing is not None:
            self._probing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probing
