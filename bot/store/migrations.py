"""The schema, as an ordered list of registered migration functions.

Each migration is a plain function taking the database, registered with ``@migration`` in
the order it must run, and written once for both engines (`Database.script` puts its
statements in the engine's column types). `apply_migrations` runs every one not yet
recorded in the ``_migrations`` table, each as its own unit of work together with the row
that records it, so a migration that fails leaves nothing behind (DDL is transactional on
both engines) and is retried on the next start. Processes starting at once are safe: each
migration holds the write lock (SQLite) or the `migrations` advisory lock (PostgreSQL)
while it checks whether it is still pending. Never edit a migration that has shipped: add
a new one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial

from bot.store._rows import iso
from bot.store.db import Database

MigrationFn = Callable[[Database], None]
LOCK = "migrations"


class MigrationRegistry:
    """An ordered set of named migrations."""

    def __init__(self) -> None:
        self._items: list[tuple[str, MigrationFn]] = []

    def migration(self, fn: MigrationFn) -> MigrationFn:
        """Decorator: register `fn` under its function name, after those registered so far."""
        name = fn.__name__
        if any(existing == name for existing, _ in self._items):
            raise ValueError(f"migration {name!r} is registered twice")
        self._items.append((name, fn))
        return fn

    def __iter__(self) -> Iterator[tuple[str, MigrationFn]]:
        return iter(list(self._items))

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self._items]


registry = MigrationRegistry()
migration = registry.migration


def apply_migrations(db: Database, migrations: MigrationRegistry | None = None) -> list[str]:
    """Apply every pending migration of `migrations` (default: the app's); return their
    names. Each is one unit of work: call this outside one."""

    def ledger() -> None:
        with db.transaction(lock=LOCK):
            db.script(
                "CREATE TABLE IF NOT EXISTS _migrations "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )

    def apply(name: str, fn: MigrationFn) -> bool:
        with db.transaction(lock=LOCK):
            # Checked inside the lock: another process may have just applied it.
            done = db.execute("SELECT 1 FROM _migrations WHERE name = ?", [name]).fetchone()
            if done is not None:
                return False
            fn(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [name, iso(datetime.now(UTC))],
            )
            return True

    db.run_sync(ledger)
    return [name for name, fn in migrations or registry if db.run_sync(partial(apply, name, fn))]


def _run(db: Database, *statements: str) -> None:
    for statement in statements:
        db.script(statement)


@migration
def m001_initial(db: Database) -> None:
    """Every table of the first release."""
    _run(
        db,
        """CREATE TABLE workspaces (
            team_key TEXT PRIMARY KEY,
            team_id TEXT NOT NULL,
            enterprise_id TEXT,
            team_name TEXT,
            installed_at TEXT NOT NULL,
            uninstalled_at TEXT
        )""",
        # Slack OAuth: one row per installer (enterprise_id, team_id, user_id), replaced on
        # each save; '' stands for "none" as in slack_sdk's own SQLite store. *_enc columns
        # hold Fernet tokens.
        """CREATE TABLE installations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            app_id TEXT,
            enterprise_id TEXT NOT NULL DEFAULT '',
            enterprise_name TEXT,
            enterprise_url TEXT,
            team_id TEXT NOT NULL DEFAULT '',
            team_name TEXT,
            bot_token_enc TEXT,
            bot_id TEXT,
            bot_user_id TEXT,
            bot_scopes TEXT,
            bot_refresh_token_enc TEXT,
            bot_token_expires_at TEXT,
            user_id TEXT NOT NULL,
            user_token_enc TEXT,
            user_scopes TEXT,
            user_refresh_token_enc TEXT,
            user_token_expires_at TEXT,
            incoming_webhook_url_enc TEXT,
            incoming_webhook_channel TEXT,
            incoming_webhook_channel_id TEXT,
            incoming_webhook_configuration_url TEXT,
            is_enterprise_install INTEGER NOT NULL DEFAULT 0,
            token_type TEXT,
            installed_at TEXT NOT NULL,
            custom_values_enc TEXT,
            UNIQUE (enterprise_id, team_id, user_id)
        )""",
        """CREATE TABLE bots (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            app_id TEXT,
            enterprise_id TEXT NOT NULL DEFAULT '',
            enterprise_name TEXT,
            team_id TEXT NOT NULL DEFAULT '',
            team_name TEXT,
            bot_token_enc TEXT NOT NULL,
            bot_id TEXT NOT NULL,
            bot_user_id TEXT NOT NULL,
            bot_scopes TEXT,
            bot_refresh_token_enc TEXT,
            bot_token_expires_at TEXT,
            is_enterprise_install INTEGER NOT NULL DEFAULT 0,
            installed_at TEXT NOT NULL,
            custom_values_enc TEXT,
            UNIQUE (enterprise_id, team_id)
        )""",
        """CREATE TABLE oauth_states (
            state TEXT PRIMARY KEY,
            expires_at TEXT NOT NULL
        )""",
        """CREATE TABLE credentials (
            team_key TEXT NOT NULL,
            service TEXT NOT NULL,
            secret_enc TEXT NOT NULL,
            last4 TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_success_at TEXT,
            last_error TEXT,
            last_error_at TEXT,
            PRIMARY KEY (team_key, service)
        )""",
        """CREATE TABLE admins (
            team_key TEXT NOT NULL,
            user_id TEXT NOT NULL,
            added_by TEXT NOT NULL,
            added_at TEXT NOT NULL,
            PRIMARY KEY (team_key, user_id)
        )""",
        """CREATE TABLE digests (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            team_key TEXT NOT NULL,
            channel_id TEXT NOT NULL,
            schedule_kind TEXT NOT NULL
                CHECK (schedule_kind IN ('daily', 'weekdays', 'weekly', 'hourly')),
            weekday INTEGER CHECK (weekday BETWEEN 0 AND 6),
            hour INTEGER CHECK (hour BETWEEN 0 AND 23),
            minute INTEGER NOT NULL CHECK (minute BETWEEN 0 AND 59),
            tz TEXT NOT NULL,
            services TEXT NOT NULL DEFAULT '[]',
            "range" TEXT,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            paused INTEGER NOT NULL DEFAULT 0,
            paused_reason TEXT,
            last_run_at TEXT
        )""",
        "CREATE INDEX digests_team ON digests (team_key)",
        """CREATE TABLE digest_runs (
            digest_id INTEGER NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
            scheduled_for TEXT NOT NULL,
            team_key TEXT NOT NULL,
            claimed_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'skipped', 'failed')),
            detail TEXT,
            posted_ts TEXT,
            finished_at TEXT,
            PRIMARY KEY (digest_id, scheduled_for)
        )""",
        "CREATE INDEX digest_runs_team ON digest_runs (team_key)",
        """CREATE TABLE alerts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            team_key TEXT NOT NULL,
            metric TEXT NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('>', '>=', '<', '<=')),
            value REAL NOT NULL,
            over_seconds INTEGER NOT NULL,
            for_seconds INTEGER NOT NULL DEFAULT 0,
            channel_id TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'ok'
                CHECK (state IN ('ok', 'pending', 'firing', 'unknown')),
            state_since TEXT NOT NULL,
            pending_since TEXT,
            last_value REAL,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            message_ts TEXT,
            message_channel TEXT,
            last_reminder_at TEXT,
            snoozed_until TEXT,
            muted INTEGER NOT NULL DEFAULT 0,
            unknown_announced INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX alerts_team ON alerts (team_key)",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            team_key TEXT NOT NULL,
            user_id TEXT,
            action TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}',
            at TEXT NOT NULL
        )""",
        "CREATE INDEX audit_team ON audit (team_key, id)",
        """CREATE TABLE call_budgets (
            budget_key TEXT NOT NULL,
            day TEXT NOT NULL,
            calls INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (budget_key, day)
        )""",
        """CREATE TABLE deliveries (
            key TEXT PRIMARY KEY,
            seen_at TEXT NOT NULL
        )""",
        "CREATE INDEX deliveries_seen ON deliveries (seen_at)",
        """CREATE TABLE user_cache (
            team_key TEXT NOT NULL,
            user_id TEXT NOT NULL,
            tz TEXT,
            is_admin INTEGER NOT NULL DEFAULT 0,
            fetched_at TEXT NOT NULL,
            PRIMARY KEY (team_key, user_id)
        )""",
    )


@migration
def m002_answers(db: Database) -> None:
    """Answers kept for a day so their "Share in channel" button can repost them."""
    db.script(
        """
        CREATE TABLE answers (
            id TEXT PRIMARY KEY,
            team_key TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
    db.script("CREATE INDEX answers_by_team ON answers (team_key, created_at)")


@migration
def m003_leases(db: Database) -> None:
    """Named leases, so only one process at a time runs the scheduler's jobs."""
    db.script(
        """
        CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )
        """
    )


@migration
def m004_digest_next_run(db: Database) -> None:
    """When each digest is next due (ISO UTC), so the scheduler's sweep asks the table what
    is due instead of keeping a job per digest. NULL until first computed: the sweep then
    works it out from the digest's last run or creation."""
    _run(
        db,
        "ALTER TABLE digests ADD COLUMN next_run_at TEXT",
        "CREATE INDEX digests_due ON digests (paused, next_run_at)",
    )


@migration
def m005_rate_windows(db: Database) -> None:
    """Requests sent per credential in the last window, shared by every process, so N
    processes together keep a service's per-minute limit (not N times it)."""
    _run(
        db,
        """CREATE TABLE rate_windows (
            bucket TEXT NOT NULL,
            at REAL NOT NULL
        )""",
        "CREATE INDEX rate_windows_bucket ON rate_windows (bucket, at)",
    )


@migration
def m006_announcements(db: Database) -> None:
    """What is still to be said, so nothing is lost or said twice across crashes: an
    alert's outbox of announcements not yet accepted by Slack (with a counter naming each
    one), the moment a digest run's post was first attempted (it may have reached Slack),
    and since when a digest has been failing to post (its creator is told once)."""
    _run(
        db,
        "ALTER TABLE alerts ADD COLUMN outbox TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE alerts ADD COLUMN announced INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE digest_runs ADD COLUMN attempted_at TEXT",
        "ALTER TABLE digests ADD COLUMN failing_since TEXT",
    )


@migration
def m007_numbers_per_workspace(db: Database) -> None:
    """Digests and alerts are numbered per workspace (a workspace's first digest is #1), so
    the number a person sees says nothing about other workspaces. The row `id` stays the
    internal key (runs, buttons already posted); `numbering` hands out each workspace's
    next number, never reusing one, even after a removal."""
    _run(
        db,
        "ALTER TABLE digests ADD COLUMN number INTEGER",
        "ALTER TABLE alerts ADD COLUMN number INTEGER",
        """UPDATE digests SET number = (
            SELECT COUNT(*) FROM digests AS d
            WHERE d.team_key = digests.team_key AND d.id <= digests.id
        )""",
        """UPDATE alerts SET number = (
            SELECT COUNT(*) FROM alerts AS a
            WHERE a.team_key = alerts.team_key AND a.id <= alerts.id
        )""",
        "CREATE UNIQUE INDEX digests_team_number ON digests (team_key, number)",
        "CREATE UNIQUE INDEX alerts_team_number ON alerts (team_key, number)",
        """CREATE TABLE numbering (
            team_key TEXT NOT NULL,
            kind TEXT NOT NULL,
            last_number INTEGER NOT NULL,
            PRIMARY KEY (team_key, kind)
        )""",
        """INSERT INTO numbering (team_key, kind, last_number)
           SELECT team_key, 'digest', MAX(number) FROM digests GROUP BY team_key""",
        """INSERT INTO numbering (team_key, kind, last_number)
           SELECT team_key, 'alert', MAX(number) FROM alerts GROUP BY team_key""",
    )


@migration
def m008_alert_keep_firing_and_who_quieted(db: Database) -> None:
    """Alerts resolve at the first good value unless added with `--keep-firing`
    (`keep_firing_seconds`; `clear_since` is when the condition stopped holding while it
    is kept firing), and remember who snoozed or muted them, to say so in their message.
    Alerts snoozed or muted before this are attributed from the audit trail."""
    _run(
        db,
        "ALTER TABLE alerts ADD COLUMN keep_firing_seconds INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE alerts ADD COLUMN clear_since TEXT",
        "ALTER TABLE alerts ADD COLUMN snoozed_by TEXT",
        "ALTER TABLE alerts ADD COLUMN muted_by TEXT",
    )
    columns = {"alert.snooze": "snoozed_by", "alert.mute": "muted_by"}
    latest: dict[tuple[str, int, str], str] = {}
    for row in db.query(
        "SELECT team_key, user_id, action, detail FROM audit "
        "WHERE action IN ('alert.snooze', 'alert.mute') AND user_id IS NOT NULL ORDER BY id"
    ):
        alert = json.loads(row["detail"] or "{}").get("alert")
        if isinstance(alert, int):
            latest[(str(row["team_key"]), alert, columns[row["action"]])] = str(row["user_id"])
    for (team_key, alert, column), user_id in latest.items():
        db.execute(
            f"UPDATE alerts SET {column} = ? WHERE team_key = ? AND id = ?",
            [user_id, team_key, alert],
        )


@migration
def m009_call_refusals(db: Database) -> None:
    """Each daily budget's last refusal: the service's own 429 (`upstream`: no call goes,
    from any process, until `ends_at`) or a local one (the day's calls were counted spent),
    so `/pulse services` can say when calls stopped and until when."""
    _run(
        db,
        """CREATE TABLE call_refusals (
            budget_key TEXT PRIMARY KEY,
            at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            upstream INTEGER NOT NULL DEFAULT 0
        )""",
    )
