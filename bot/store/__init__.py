"""Storage: SQLite (embedded default) or PostgreSQL, every row scoped by workspace.

`Store` gathers the repositories over one `Database` (`open_database(url)`); every
repository call is awaited and runs off the event loop. Modules:

    db.py            Database (units of work in worker threads), open_database, @unit
    dialect.py       what differs between SQLite and PostgreSQL
    migrations.py    the registered schema migrations
    crypto.py        Secrets (MultiFernet), PULSEBOT_SECRET_KEY parsing, the key file
    team.py          Team, the scope of every user-facing query
    credentials.py   encrypted service credentials + their health
    admins.py, audit.py, workspaces.py, users.py
    digests.py       digests and their once-only runs
    alerts.py        alerts and their persisted state
    budgets.py       daily call budgets; deliveries.py: Slack retry de-duplication
    rate_windows.py  per-minute limits shared by every process
    installations.py, slack_stores.py   Slack OAuth installations, bots and states
    oauth_states.py  the OAuth flow's one-time states
    rotation.py      rotate_keys

Storage knows nothing of commands, services or Slack handlers.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.errors import StorageError
from bot.store._rows import iso
from bot.store.admins import Admin, AdminsRepository
from bot.store.alerts import KEEP, Alert, AlertsRepository
from bot.store.answers import AnswersRepository
from bot.store.audit import AuditEntry, AuditRepository
from bot.store.budgets import BudgetsRepository
from bot.store.credentials import CredentialInfo, CredentialsRepository
from bot.store.crypto import Secrets
from bot.store.db import Database
from bot.store.deliveries import DeliveriesRepository
from bot.store.digests import Digest, DigestRun, DigestsRepository
from bot.store.installations import InstallationsRepository
from bot.store.leases import LeasesRepository
from bot.store.oauth_states import OAuthStatesRepository
from bot.store.opening import open_database
from bot.store.rate_windows import RateWindowsRepository
from bot.store.rotation import rotate_keys
from bot.store.users import CachedUser, UsersRepository
from bot.store.workspaces import Workspace, WorkspacesRepository
from bot.team import Team

__all__ = [
    "KEEP",
    "Admin",
    "Alert",
    "AuditEntry",
    "CachedUser",
    "CredentialInfo",
    "Database",
    "Digest",
    "DigestRun",
    "Secrets",
    "Store",
    "Team",
    "Workspace",
    "open_database",
    "rotate_keys",
]


class Store:
    """The repositories over one database, sharing its connection, keys and clock."""

    def __init__(self, db: Database, secrets: Secrets, clock: Clock):
        self.db = db
        self.secrets = secrets
        self.clock = clock
        self.audit = AuditRepository(db, clock)
        self.credentials = CredentialsRepository(db, secrets, clock)
        self.admins = AdminsRepository(db, clock)
        self.workspaces = WorkspacesRepository(db, clock, self.audit)
        self.digests = DigestsRepository(db, clock)
        self.alerts = AlertsRepository(db, clock)
        self.budgets = BudgetsRepository(db)
        self.deliveries = DeliveriesRepository(db, clock)
        self.users = UsersRepository(db, clock)
        self.installations = InstallationsRepository(db, secrets)
        self.answers = AnswersRepository(db, clock)
        self.leases = LeasesRepository(db, clock)
        self.oauth_states = OAuthStatesRepository(db, clock)
        self.rate_windows = RateWindowsRepository(db, clock)

    async def ping(self) -> bool:
        """True if the database takes a write (for /healthz): a read-only or full database
        answers reads and still cannot keep anything."""

        def probe() -> bool:
            written = self.db.execute(
                """INSERT INTO deliveries (key, seen_at) VALUES ('healthz-probe', ?)
                   ON CONFLICT (key) DO UPDATE SET seen_at = excluded.seen_at""",
                [iso(self.clock.now())],
            )
            return written.rowcount == 1

        try:
            return await self.db.run(probe)
        except StorageError:
            return False

    def close(self) -> None:
        self.db.close()
