"""Fixtures for the storage tests: one key, a fake clock, and a `store` on each engine.

`store` and `open_store` use `database_url` (tests/conftest.py), so every storage test runs
once on a SQLite file and once on a PostgreSQL database. What only a SQLite file has — its
bytes on disk, its pragmas, its file modes — is tested through `sqlite_store`, `db_path`
and `file_bytes`, on SQLite alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.store import Secrets, Store, open_database
from bot.team import Team
from tests.fakes.clock import FakeClock
from tests.store.support import OpenStore


@pytest.fixture
def key() -> bytes:
    return Fernet.generate_key()


@pytest.fixture
def secrets(key: bytes) -> Secrets:
    return Secrets([key])


@pytest.fixture
def open_store(database_url: str, secrets: Secrets, clock: FakeClock) -> Iterator[OpenStore]:
    """Opens Store instances on the test's database (a restart, or a second process),
    with the test's keys unless told others; all are closed at the end."""
    opened: list[Store] = []

    def _open(keys: Secrets | None = None) -> Store:
        s = Store(open_database(database_url), keys or secrets, clock)
        opened.append(s)
        return s

    yield _open
    for s in opened:
        s.close()


@pytest.fixture
def store(open_store: OpenStore) -> Store:
    return open_store()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """The SQLite file of `sqlite_store`."""
    return tmp_path / "pulsebot.db"


@pytest.fixture
def sqlite_store(db_path: Path, secrets: Secrets, clock: FakeClock) -> Iterator[Store]:
    """A store on a SQLite file, for what only a file has (its bytes, its modes)."""
    opened = Store(open_database(db_path), secrets, clock)
    yield opened
    opened.close()


@pytest.fixture
def team_a() -> Team:
    return Team("T0AAAAAAA")


@pytest.fixture
def team_b() -> Team:
    return Team("T0BBBBBBB", enterprise_id="E0ENTERPRISE")


@pytest.fixture
def file_bytes(db_path: Path) -> Callable[[], bytes]:
    """Every byte SQLite has written: the database file, its WAL and shared memory."""

    def _read() -> bytes:
        parts = [db_path, db_path.with_name(db_path.name + "-wal")]
        parts.append(db_path.with_name(db_path.name + "-shm"))
        return b"".join(p.read_bytes() for p in parts if p.exists())

    return _read
