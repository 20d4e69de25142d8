"""Each workspace's own numbers for its digests and alerts (a workspace's first digest is
#1), handed out in one statement so two processes adding at once never get the same one,
and never reused after a removal, so an old `#3` never comes to mean another digest."""

from __future__ import annotations

from typing import Literal

from bot.store._rows import integer
from bot.store.db import Database

Kind = Literal["digest", "alert"]


def next_number(db: Database, team_key: str, kind: Kind) -> int:
    """The workspace's next number for `kind`; call inside the unit of work that inserts."""
    row = db.execute(
        """INSERT INTO numbering (team_key, kind, last_number) VALUES (?, ?, 1)
           ON CONFLICT (team_key, kind) DO UPDATE SET last_number = numbering.last_number + 1
           RETURNING last_number""",
        [team_key, kind],
    ).fetchone()
    return integer(row[0])
