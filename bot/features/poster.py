"""Where background messages go: the port the features post through.

Digests and alerts post, update and direct-message through a `Poster`; the Slack side
(`bot.slack.outbound.Outbound`) and the console implement it. Refusals come back as
values (`Posted.ok` False with Slack's error code), never as exceptions.

A post that must be said exactly once carries a `key` (a digest run, an alert's
announcement): the poster tags the message with it, and when `attempted_since` says an
earlier attempt may have reached Slack (a crash, a timeout), it first looks for a message
so tagged and, finding one, answers with it instead of posting again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.team import Team


@dataclass(frozen=True, slots=True)
class Posted:
    """The outcome of one post/update: `ts` when it worked, Slack's error code when not."""

    ok: bool
    ts: str | None = None
    channel: str | None = None
    error: str | None = None
    settled: bool = False  # found already posted (by an earlier attempt), not posted now


class Poster(Protocol):
    """Where background messages go: Slack (`Outbound`) or the console's screen."""

    async def post(
        self,
        team: Team,
        channel: str,
        payload: dict[str, Any],
        *,
        thread_ts: str | None = None,
        key: str | None = None,
        attempted_since: datetime | None = None,
    ) -> Posted: ...

    async def update(
        self, team: Team, channel: str, ts: str, payload: dict[str, Any]
    ) -> Posted: ...

    async def dm(self, team: Team, user_id: str, text: str) -> Posted: ...

    async def close(self) -> None: ...
