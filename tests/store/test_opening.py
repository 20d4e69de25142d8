"""The SQLite database holds encrypted secrets, the audit trail and remembered answers: it
is readable by its owner only — its WAL and shared-memory files too, whatever the umask,
and whatever mode a file left from before had."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.opening import open_database

PARTS = ("", "-wal", "-shm")


@pytest.fixture
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process umask set to the test's parameter while it runs."""
    before = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(before)


def modes(path: Path) -> dict[str, int]:
    return {
        suffix or "db": stat.S_IMODE(Path(f"{path}{suffix}").stat().st_mode) for suffix in PARTS
    }


@pytest.mark.parametrize(
    "umask", [0o000, 0o002, 0o022, 0o077], indirect=True, ids=lambda m: f"umask {m:03o}"
)
def test_a_new_database_and_its_wal_and_shm_are_0600(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "pulsebot.db"
    db = open_database(path)  # migrated, and kept open: the WAL is there, as it is in use
    try:
        assert modes(path) == {"db": 0o600, "-wal": 0o600, "-shm": 0o600}
    finally:
        db.close()


@pytest.mark.parametrize("umask", [0o022], indirect=True, ids=lambda m: f"umask {m:03o}")
def test_a_database_left_readable_by_others_is_made_private_on_opening(
    tmp_path: Path, umask: int
) -> None:
    path = tmp_path / "pulsebot.db"
    open_database(path).close()
    for suffix in PARTS:
        part = Path(f"{path}{suffix}")
        part.touch()
        os.chmod(part, 0o644)
    db = open_database(path)
    try:
        assert modes(path) == {"db": 0o600, "-wal": 0o600, "-shm": 0o600}
    finally:
        db.close()
