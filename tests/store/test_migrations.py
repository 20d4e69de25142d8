"""Opening the database: pragmas, migrations applied once, failing migrations roll back —
on SQLite and on PostgreSQL (`empty_database_url`), but for SQLite's own pragmas."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.store import Secrets, Store
from bot.store.db import (
    Database,
    PostgresDatabase,
    SQLiteDatabase,
    is_postgres_url,
    sqlite_path,
)
from bot.store.migrations import MigrationRegistry, apply_migrations, registry
from bot.store.opening import open_database
from bot.team import Team
from tests.fakes.clock import FakeClock

EXPECTED_TABLES = {
    "_migrations",
    "workspaces",
    "installations",
    "bots",
    "oauth_states",
    "credentials",
    "admins",
    "digests",
    "digest_runs",
    "alerts",
    "audit",
    "call_budgets",
    "deliveries",
    "user_cache",
}


def applied(db: Database) -> list[str]:
    """The migrations recorded as applied, in the order they were."""
    return db.run_sync(
        lambda: [
            r["name"] for r in db.query("SELECT name FROM _migrations ORDER BY applied_at, name")
        ]
    )


def tables(db: Database) -> set[str]:
    if db.dialect.name == "postgresql":
        sql = (
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    return db.run_sync(lambda: {str(r["name"]) for r in db.query(sql)})


def columns(db: Database, table: str) -> dict[str, str]:
    """Column name -> its type, lower case."""
    if db.dialect.name == "postgresql":
        sql = (
            "SELECT column_name AS name, data_type AS type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = ?"
        )
        params: list[object] = [table]
    else:
        sql, params = f"SELECT name, type FROM pragma_table_info('{table}')", []
    return db.run_sync(
        lambda: {str(r["name"]): str(r["type"]).lower() for r in db.query(sql, params)}
    )


@pytest.fixture
def bare(empty_database_url: str) -> Iterator[Database]:
    """The test's database, opened without applying the app's migrations."""
    db: Database
    if is_postgres_url(empty_database_url):
        db = PostgresDatabase(empty_database_url)
    else:
        db = SQLiteDatabase(sqlite_path(empty_database_url))
    yield db
    db.close()


def test_open_creates_every_table(empty_database_url: str) -> None:
    db = open_database(empty_database_url)
    try:
        assert tables(db) >= EXPECTED_TABLES
        assert applied(db) == registry.names
    finally:
        db.close()


def test_pragmas(db_path: Path) -> None:
    db = open_database(db_path)

    def pragmas() -> tuple[object, ...]:
        return tuple(
            db.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "busy_timeout", "foreign_keys")
        )

    try:
        assert db.run_sync(pragmas) == ("wal", 5000, 1)
    finally:
        db.close()


def test_reopen_applies_nothing_again(empty_database_url: str) -> None:
    first = open_database(empty_database_url)

    def ledger(db: Database) -> list[dict[str, object]]:
        return db.run_sync(
            lambda: db.query("SELECT name, applied_at FROM _migrations ORDER BY name")
        )

    applied_at = ledger(first)
    first.close()
    second = open_database(empty_database_url)
    try:
        assert apply_migrations(second) == []
        assert ledger(second) == applied_at
    finally:
        second.close()


def test_new_migrations_run_in_order_once(bare: Database) -> None:
    calls: list[str] = []
    steps = MigrationRegistry()

    @steps.migration
    def m1(db: Database) -> None:
        calls.append("m1")
        db.script("CREATE TABLE t (a INTEGER)")

    @steps.migration
    def m2(db: Database) -> None:
        calls.append("m2")
        db.script("ALTER TABLE t ADD COLUMN b TEXT")

    assert apply_migrations(bare, steps) == ["m1", "m2"]
    assert apply_migrations(bare, steps) == []
    assert calls == ["m1", "m2"]
    assert columns(bare, "t") == {"a": "integer", "b": "text"}


def test_failing_migration_leaves_nothing_half_applied(
    empty_database_url: str, bare: Database
) -> None:
    steps = MigrationRegistry()

    @steps.migration
    def good(db: Database) -> None:
        db.script("CREATE TABLE kept (a INTEGER)")

    @steps.migration
    def bad(db: Database) -> None:
        db.script("CREATE TABLE half (a INTEGER)")
        db.execute("INSERT INTO kept (a) VALUES (1)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        apply_migrations(bare, steps)
    assert "half" not in tables(bare)
    assert bare.run_sync(lambda: bare.query("SELECT count(*) AS n FROM kept")) == [{"n": 0}]
    assert applied(bare) == ["good"]
    # No transaction was left open holding the migrations lock: another process migrates.
    later = MigrationRegistry()

    @later.migration
    def after(db: Database) -> None:
        db.script("CREATE TABLE later (a INTEGER)")

    other = open_database(empty_database_url)  # the app's migrations take the same lock
    try:
        assert apply_migrations(other, later) == ["after"]
    finally:
        other.close()


def test_failed_migration_is_retried_next_time(bare: Database) -> None:
    attempts: list[int] = []
    steps = MigrationRegistry()

    @steps.migration
    def flaky(db: Database) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first time fails")
        db.script("CREATE TABLE done (a INTEGER)")

    with pytest.raises(RuntimeError):
        apply_migrations(bare, steps)
    assert apply_migrations(bare, steps) == ["flaky"]
    assert "done" in tables(bare)


async def test_digests_stored_before_next_run_at_existed_are_due(
    empty_database_url: str, bare: Database
) -> None:
    """m004 leaves their next run unknown (NULL), and the scheduler's sweep works it out."""
    before = MigrationRegistry()
    for name, fn in registry:
        if name == "m004_digest_next_run":
            break
        before.migration(fn)
    apply_migrations(bare, before)
    bare.run_sync(
        lambda: bare.execute(
            """INSERT INTO digests (team_key, channel_id, schedule_kind, hour, minute, tz,
                   created_by, created_at) VALUES ('-:T0OLD', 'C1', 'daily', 9, 0, 'UTC', 'U1',
                   '2026-01-01T00:00:00+00:00')"""
        )
    )
    bare.close()
    store = Store(open_database(empty_database_url), Secrets([Fernet.generate_key()]), FakeClock())
    try:
        [digest] = await store.digests.due(datetime(2026, 1, 1, tzinfo=UTC), limit=10)
        assert digest.next_run_at is None
    finally:
        store.close()


def test_duplicate_names_are_refused() -> None:
    steps = MigrationRegistry()

    def same(db: Database) -> None:
        pass

    steps.migration(same)
    with pytest.raises(ValueError, match="twice"):
        steps.migration(same)


async def test_store_ping(empty_database_url: str) -> None:
    store = Store(open_database(empty_database_url), Secrets([Fernet.generate_key()]), FakeClock())
    assert await store.ping()
    store.close()
    assert not await store.ping()


async def test_existing_digests_and_alerts_are_numbered_per_workspace(bare: Database) -> None:
    """A database from before per-workspace numbers: each workspace's rows are numbered
    1, 2, … in the order they were made, and new ones continue from there."""
    before = MigrationRegistry()
    for name, fn in registry:
        if name == "m007_numbers_per_workspace":
            break
        before.migration(fn)
    apply_migrations(bare, before)
    A, B = Team("T0A").key, Team("T0B").key
    now = "2026-11-01T00:00:00+00:00"

    def old_rows() -> None:
        with bare.transaction():
            for team in (A, B, A, A, B):
                bare.execute(
                    """INSERT INTO digests (team_key, channel_id, schedule_kind, hour, minute,
                           tz, services, created_by, created_at, paused)
                       VALUES (?, 'C1', 'daily', 9, 0, 'UTC', '[]', 'U1', ?, 0)""",
                    [team, now],
                )
                bare.execute(
                    """INSERT INTO alerts (team_key, metric, op, value, over_seconds,
                           for_seconds, channel_id, created_by, created_at, state, state_since)
                       VALUES (?, 'weldpulse.visitors', '>', 1, 3600, 0, 'C1', 'U1', ?, 'ok', ?)""",
                    [team, now, now],
                )

    bare.run_sync(old_rows)
    assert apply_migrations(bare)[0] == "m007_numbers_per_workspace"
    for table in ("digests", "alerts"):
        rows = bare.run_sync(
            partial(bare.query, f"SELECT team_key, number FROM {table} ORDER BY id")
        )
        assert [(r["team_key"], r["number"]) for r in rows] == [
            (A, 1),
            (B, 1),
            (A, 2),
            (A, 3),
            (B, 2),
        ]
    store = Store(bare, Secrets([Fernet.generate_key()]), FakeClock())
    digest = await store.digests.add(
        Team("T0A"),
        channel_id="C1",
        schedule_kind="daily",
        hour=9,
        minute=0,
        tz="UTC",
        created_by="U1",
        next_run_at=None,
    )
    assert digest.number == 4


async def test_alerts_snoozed_or_muted_before_are_attributed_from_the_audit(
    bare: Database,
) -> None:
    """A database from before alerts remembered who quieted them: the latest snooze and
    mute of each alert in the audit trail name who did it; new columns have defaults."""
    before = MigrationRegistry()
    for name, fn in registry:
        if name == "m008_alert_keep_firing_and_who_quieted":
            break
        before.migration(fn)
    apply_migrations(bare, before)
    team, now = Team("T0A"), "2026-11-01T00:00:00+00:00"

    def old_rows() -> None:
        with bare.transaction():
            for number in (1, 2):  # ids 1 and 2 too: a fresh database
                bare.execute(
                    """INSERT INTO alerts (team_key, number, metric, op, value, over_seconds,
                           channel_id, created_by, created_at, state, state_since, muted)
                       VALUES (?, ?, 'weldpulse.realtime', '>', 1, 0, 'C1', 'U1', ?, 'ok', ?, 1)""",
                    [team.key, number, now, now],
                )
            for user, action, alert in [
                ("U0ANA", "alert.mute", 1),
                ("U0BEN", "alert.snooze", 2),
                ("U0CEM", "alert.mute", 1),  # the latest wins
                (None, "alert.mute", 2),  # nobody's: not attributed
            ]:
                bare.execute(
                    "INSERT INTO audit (team_key, user_id, action, detail, at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [team.key, user, action, f'{{"alert": {alert}}}', now],
                )

    bare.run_sync(old_rows)
    apply_migrations(bare)
    store = Store(bare, Secrets([Fernet.generate_key()]), FakeClock())
    first, second = await store.alerts.list(team)
    assert (first.muted_by, first.snoozed_by) == ("U0CEM", None)
    assert (second.muted_by, second.snoozed_by) == (None, "U0BEN")
    assert (first.keep_firing_seconds, first.clear_since) == (0, None)
