"""Workspaces that installed the app, and forgetting one completely on uninstall.

`delete_everything` is what `app_uninstalled` / `tokens_revoked` lead to: the workspace's
Slack tokens, service credentials, admins, digests (and their runs), alerts, cached users
and audit history go, in one transaction; one ``uninstalled`` audit row is then written so
the deletion itself stays on record. Call budgets are keyed by service credential, not by
workspace, and are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.store._rows import iso, opt_iso, opt_text, parse_iso
from bot.store.audit import AuditRepository
from bot.store.db import Database, Repository, unit
from bot.team import Team


@dataclass(frozen=True, slots=True)
class Workspace:
    team: Team
    team_name: str | None
    installed_at: datetime
    uninstalled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.uninstalled_at is None


#: (table, label) pairs deleted by `delete_everything`, in order; all keyed by team_key.
_TEAM_TABLES = (
    ("credentials", "credentials"),
    ("admins", "admins"),
    ("digest_runs", "digest_runs"),
    ("digests", "digests"),
    ("alerts", "alerts"),
    ("user_cache", "user_cache"),
    ("answers", "answers"),
    ("audit", "audit"),
)


class WorkspacesRepository(Repository):
    def __init__(self, db: Database, clock: Clock, audit: AuditRepository):
        super().__init__(db)
        self._clock = clock
        self._audit = audit

    @unit
    def upsert(self, team: Team, team_name: str | None) -> None:
        """Record an install; a reinstall after uninstalling starts a new `installed_at`."""
        now = iso(self._clock.now())
        self._db.execute(
            """INSERT INTO workspaces (team_key, team_id, enterprise_id, team_name,
                   installed_at, uninstalled_at)
               VALUES (?, ?, ?, ?, ?, NULL)
               ON CONFLICT (team_key) DO UPDATE SET
                   team_name = COALESCE(excluded.team_name, workspaces.team_name),
                   installed_at = CASE WHEN workspaces.uninstalled_at IS NULL
                       THEN workspaces.installed_at ELSE excluded.installed_at END,
                   uninstalled_at = NULL""",
            [team.key, team.team_id, team.enterprise_id, team_name, now],
        )

    @unit
    def get(self, team: Team) -> Workspace | None:
        rows = list(
            self._db.query(
                """SELECT team_name, installed_at, uninstalled_at FROM workspaces
                   WHERE team_key = ?""",
                [team.key],
            )
        )
        if not rows:
            return None
        r = rows[0]
        return Workspace(
            team=team,
            team_name=opt_text(r["team_name"]),
            installed_at=parse_iso(r["installed_at"]),
            uninstalled_at=opt_iso(r["uninstalled_at"]),
        )

    @unit
    def delete_everything(self, team: Team, reason: str = "app_uninstalled") -> dict[str, int]:
        """Forget the workspace; returns how many rows each table lost.

        The workspace row stays, marked uninstalled, with one audit row saying so.
        """
        deleted: dict[str, int] = {}
        enterprise_id = team.enterprise_id or ""
        with self._db.transaction():
            for table in ("installations", "bots"):
                cursor = self._db.execute(
                    f"DELETE FROM {table} WHERE enterprise_id = ? AND team_id = ?",
                    [enterprise_id, team.team_id],
                )
                deleted[table] = cursor.rowcount
            for table, label in _TEAM_TABLES:
                cursor = self._db.execute(f"DELETE FROM {table} WHERE team_key = ?", [team.key])
                deleted[label] = cursor.rowcount
            self._db.execute(
                "UPDATE workspaces SET uninstalled_at = ? WHERE team_key = ?",
                [iso(self._clock.now()), team.key],
            )
            counts = {k: v for k, v in deleted.items() if k != "audit"}
            self._audit._record(team, None, "uninstalled", {"reason": reason, "deleted": counts})
        return deleted
