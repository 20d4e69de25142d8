"""A short-lived cache of what `users.info` said about a user: time zone and whether they
are a workspace admin/owner. Saves a Slack call on every command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.store._rows import iso, opt_text, parse_iso
from bot.store.db import Database, Repository, unit
from bot.team import Team


@dataclass(frozen=True, slots=True)
class CachedUser:
    user_id: str
    tz: str | None
    is_admin: bool
    fetched_at: datetime


class UsersRepository(Repository):
    def __init__(self, db: Database, clock: Clock):
        super().__init__(db)
        self._clock = clock

    @unit
    def put(self, team: Team, user_id: str, *, tz: str | None, is_admin: bool) -> None:
        self._db.execute(
            """INSERT INTO user_cache (team_key, user_id, tz, is_admin, fetched_at)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (team_key, user_id) DO UPDATE SET
                   tz = excluded.tz, is_admin = excluded.is_admin,
                   fetched_at = excluded.fetched_at""",
            [team.key, user_id, tz, int(is_admin), iso(self._clock.now())],
        )

    @unit
    def get(self, team: Team, user_id: str, max_age_seconds: float) -> CachedUser | None:
        """The cached entry if fetched at most `max_age_seconds` ago, else None."""
        row = self._db.execute(
            "SELECT tz, is_admin, fetched_at FROM user_cache WHERE team_key = ? AND user_id = ?",
            [team.key, user_id],
        ).fetchone()
        if row is None:
            return None
        fetched_at = parse_iso(row[2])
        if self._clock.now() - fetched_at > timedelta(seconds=max_age_seconds):
            return None
        return CachedUser(
            user_id=user_id, tz=opt_text(row[0]), is_admin=bool(row[1]), fetched_at=fetched_at
        )

    @unit
    def forget(self, team: Team, user_id: str) -> None:
        self._db.execute(
            "DELETE FROM user_cache WHERE team_key = ? AND user_id = ?", [team.key, user_id]
        )
