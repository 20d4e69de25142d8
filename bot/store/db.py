"""Opening the one SQLite file, and the write transaction every repository uses.

`open_database` returns a `sqlite_utils.Database` in WAL mode with a 5 s busy timeout and
foreign keys on, with every registered migration applied. `transaction` is
``BEGIN IMMEDIATE … COMMIT`` (a savepoint when already inside one): taking the write lock
up front means two processes sharing the file queue on the busy timeout instead of failing
half-way through a read-then-write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 5000


def connect(path: str | Path) -> sqlite_utils.Database:
    """A configured connection to `path`, without applying migrations."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    db.enable_wal()
    return db


def open_database(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the database at `path` and bring its schema up to date."""
    from bot.store.migrations import apply_migrations

    db = connect(path)
    try:
        apply_migrations(db)
    except BaseException:
        db.close()
        raise
    return db


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """All statements in the block commit together or not at all."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
