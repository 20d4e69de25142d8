"""Fixtures for the storage tests: a real SQLite file in tmp_path, one key, a fake clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.store import Secrets, Store
from bot.team import Team
from tests.fakes.clock import FakeClock


@pytest.fixture
def key() -> bytes:
    return Fernet.generate_key()


@pytest.fixture
def secrets(key: bytes) -> Secrets:
    return Secrets([key])


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pulsebot.db"


@pytest.fixture
def store(db_path: Path, secrets: Secrets, clock: FakeClock) -> Iterator[Store]:
    opened = Store.open(db_path, secrets, clock)
    yield opened
    opened.close()


@pytest.fixture
def open_store(db_path: Path, secrets: Secrets, clock: FakeClock) -> Iterator[Callable[[], Store]]:
    """Opens further Store instances on the same file (a restart, or a second process)."""
    opened: list[Store] = []

    def _open() -> Store:
        s = Store.open(db_path, secrets, clock)
        opened.append(s)
        return s

    yield _open
    for s in opened:
        s.close()


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
