"""Opening the database at a URL, its schema brought up to date."""

from __future__ import annotations

from pathlib import Path

from bot.store.db import (
    POSTGRES_POOL,
    SQLITE_WORKERS,
    Database,
    PostgresDatabase,
    SQLiteDatabase,
    is_postgres_url,
    private_file,
    sqlite_path,
)
from bot.store.migrations import apply_migrations


def open_database(url: str | Path, *, workers: int | None = None) -> Database:
    """The database at `url` (PostgreSQL URL, `sqlite:///…` or a path), schema up to date."""
    text = str(url)
    db: Database
    if is_postgres_url(text):
        db = PostgresDatabase(text, workers or POSTGRES_POOL)
    else:
        path = sqlite_path(text)
        private_file(path)
        db = SQLiteDatabase(path, workers or SQLITE_WORKERS)
    try:
        db.run_sync(lambda: apply_migrations(db))
    except BaseException:
        db.close()
        raise
    return db
