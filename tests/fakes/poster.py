"""A `Poster` that accepts everything and remembers it: for tests of features whose
posts are not the point (commands that change digests and alerts post nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.features.poster import Posted
from bot.team import Team


@dataclass
class RecordingPoster:
    posts: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)
    updates: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    dms: list[tuple[str, str]] = field(default_factory=list)

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
        self.posts.append((channel, payload, thread_ts))
        return Posted(True, ts=f"{len(self.posts)}.000001", channel=channel)

    async def update(self, team: Team, channel: str, ts: str, payload: dict[str, Any]) -> Posted:
        self.updates.append((channel, ts, payload))
        return Posted(True, ts=ts, channel=channel)

    async def dm(self, team: Team, user_id: str, text: str) -> Posted:
        self.dms.append((user_id, text))
        return Posted(True, channel=f"D{user_id}")

    async def close(self) -> None:
        return None
