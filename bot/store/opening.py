"""Opening the database at a URL, its schema brought up to date."""

from __future__ import annotations

from pathlib import Path

from bot.errors import ConfigError, StorageError
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
        try:
            db = PostgresDatabase(text, workers or POSTGRES_POOL)
        except StorageError as err:
            raise ConfigError(f"The database at DATABASE_URL cannot be reached: {err}") from None
    else:
        path = sqlite_path(text)
        if not path.parent.is_dir():
            raise ConfigError(
                f"The folder {path.parent} for DATABASE_PATH does not exist: create it, or "
                "point DATABASE_PATH at a file in a folder that does."
            )
        try:
            private_file(path)
        except OSError as exc:
            raise ConfigError(
                f"Pulse Bot cannot create its database {path} ({exc.strerror}): point "
                "DATABASE_PATH at a file it may write."
            ) from None
        db = SQLiteDatabase(path, workers or SQLITE_WORKERS)
    try:
        db.run_sync(lambda: apply_migrations(db))
    except StorageError as err:
        db.close()
        raise ConfigError(f"The database cannot be opened: {err}") from None
    except BaseException:
        db.close()
        raise
    return db
