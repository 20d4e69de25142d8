"""Opening the database: pragmas, migrations applied once, failing migrations roll back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils
from cryptography.fernet import Fernet

from bot.store import Secrets, Store
from bot.store.db import connect, open_database
from bot.store.migrations import (
    MigrationRegistry,
    applied_migrations,
    apply_migrations,
    registry,
)
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


def test_open_creates_every_table(db_path: Path) -> None:
    db = open_database(db_path)
    try:
        assert set(db.table_names()) >= EXPECTED_TABLES
        assert applied_migrations(db) == registry.names
    finally:
        db.close()


def test_pragmas(db_path: Path) -> None:
    db = open_database(db_path)
    try:
        assert db.journal_mode == "wal"
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        db.close()


def test_reopen_applies_nothing_again(db_path: Path) -> None:
    first = open_database(db_path)
    applied_at = list(first.query("SELECT name, applied_at FROM _migrations"))
    first.close()
    second = open_database(db_path)
    try:
        assert apply_migrations(second) == []
        assert list(second.query("SELECT name, applied_at FROM _migrations")) == applied_at
    finally:
        second.close()


def test_new_migrations_run_in_order_once(db_path: Path) -> None:
    calls: list[str] = []
    steps = MigrationRegistry()

    @steps.migration
    def m1(db: sqlite_utils.Database) -> None:
        calls.append("m1")
        db.execute("CREATE TABLE t (a INTEGER)")

    @steps.migration
    def m2(db: sqlite_utils.Database) -> None:
        calls.append("m2")
        db.execute("ALTER TABLE t ADD COLUMN b TEXT")

    db = connect(db_path)
    try:
        assert apply_migrations(db, steps) == ["m1", "m2"]
        assert apply_migrations(db, steps) == []
        assert calls == ["m1", "m2"]
        assert db.table("t").columns_dict == {"a": int, "b": str}
    finally:
        db.close()


def test_failing_migration_leaves_nothing_half_applied(db_path: Path) -> None:
    steps = MigrationRegistry()

    @steps.migration
    def good(db: sqlite_utils.Database) -> None:
        db.execute("CREATE TABLE kept (a INTEGER)")

    @steps.migration
    def bad(db: sqlite_utils.Database) -> None:
        db.execute("CREATE TABLE half (a INTEGER)")
        db.execute("INSERT INTO kept (a) VALUES (1)")
        raise RuntimeError("boom")

    db = connect(db_path)
    try:
        with pytest.raises(RuntimeError, match="boom"):
            apply_migrations(db, steps)
        assert not db.conn.in_transaction
        assert "half" not in db.table_names()
        assert db.execute("SELECT count(*) FROM kept").fetchone()[0] == 0
        assert applied_migrations(db) == ["good"]
    finally:
        db.close()


def test_failed_migration_is_retried_next_time(db_path: Path) -> None:
    attempts: list[int] = []
    steps = MigrationRegistry()

    @steps.migration
    def flaky(db: sqlite_utils.Database) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first time fails")
        db.execute("CREATE TABLE done (a INTEGER)")

    db = connect(db_path)
    try:
        with pytest.raises(RuntimeError):
            apply_migrations(db, steps)
        assert apply_migrations(db, steps) == ["flaky"]
        assert "done" in db.table_names()
    finally:
        db.close()


def test_digests_stored_before_next_run_at_existed_are_due(db_path: Path) -> None:
    """m004 leaves their next run unknown (NULL), and the scheduler's sweep works it out."""
    before = MigrationRegistry()
    for name, fn in registry:
        if name == "m004_digest_next_run":
            break
        before.migration(fn)
    db = connect(db_path)
    try:
        apply_migrations(db, before)
        db.execute(
            """INSERT INTO digests (team_key, channel_id, schedule_kind, hour, minute, tz,
                   created_by, created_at) VALUES ('-:T0OLD', 'C1', 'daily', 9, 0, 'UTC', 'U1',
                   '2026-01-01T00:00:00+00:00')"""
        )
        db.conn.commit()
    finally:
        db.close()
    store = Store.open(db_path, Secrets([Fernet.generate_key()]), FakeClock())
    try:
        [digest] = store.digests.due(datetime(2026, 1, 1, tzinfo=UTC), limit=10)
        assert digest.next_run_at is None
    finally:
        store.close()


def test_duplicate_names_are_refused() -> None:
    steps = MigrationRegistry()

    def same(db: sqlite_utils.Database) -> None:
        pass

    steps.migration(same)
    with pytest.raises(ValueError, match="twice"):
        steps.migration(same)


def test_store_ping(db_path: Path) -> None:
    store = Store.open(db_path, Secrets([Fernet.generate_key()]), FakeClock())
    assert store.ping()
    store.close()
    assert not store.ping()
