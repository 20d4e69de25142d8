"""Moving an installation: `python -m bot copy-db` copies every row from a SQLite file into
an empty PostgreSQL database (secrets as they are), and refuses a target holding data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.store import Secrets, Store, open_database
from bot.store.copying import TABLES
from bot.team import Team
from tests.fakes.clock import FakeClock
from tests.fakes.postgres import Cluster
from tests.store.support import count
from tests.store.test_workspaces import _fill

TEAM = Team("T0COPY")


def test_every_table_of_the_schema_is_copied(tmp_path: Path) -> None:
    db = open_database(tmp_path / "schema.db")
    try:
        names = db.run_sync(
            lambda: [
                r["name"]
                for r in db.query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' AND name != '_migrations'"
                )
            ]
        )
    finally:
        db.close()
    assert sorted(names) == sorted(TABLES)


async def test_sqlite_to_postgresql_copies_everything_encrypted_as_it_is(
    tmp_path: Path,
    postgres: Cluster,
    migrated_template: str,
    secrets: Secrets,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source_path = tmp_path / "pulsebot.db"
    source = Store(open_database(source_path), secrets, clock)
    await _fill(source, TEAM)
    await source.budgets.try_spend("raygun:abc", 50, datetime(2026, 1, 1, tzinfo=UTC))
    before = {t: await count(source, t) for t in TABLES}
    source.close()
    target_url = postgres.database()  # empty: copy-db migrates it first

    assert main(["copy-db", "--from", f"sqlite:///{source_path}", "--to", target_url]) == 0

    target = Store(open_database(target_url), secrets, clock)
    try:
        assert {t: await count(target, t) for t in TABLES} == before
        assert sum(before.values()) > 10
        assert await target.credentials.get(TEAM, "raygun") == {"api_key": "rg-0123456789abcdef"}
        (old,) = await target.digests.list(TEAM)
        new = await target.digests.add(
            TEAM,
            channel_id="C2",
            schedule_kind="hourly",
            minute=5,
            tz="UTC",
            created_by="U1",
            next_run_at=None,
        )
        assert new.id > old.id  # the identity counter moved past the copied IDs
    finally:
        target.close()
    assert "copied" in capsys.readouterr().out


def test_a_target_holding_data_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = tmp_path / "a.db", tmp_path / "b.db"
    for path in (source, target):
        db = open_database(path)
        db.run_sync(
            lambda db=db: db.execute(  # type: ignore[misc]
                "INSERT INTO deliveries (key, seen_at) VALUES ('x', '2026-01-01T00:00:00+00:00')"
            )
        )
        db.close()
    assert main(["copy-db", "--from", str(source), "--to", str(target)]) == 2
    said = capsys.readouterr().err
    assert "already holds data (1 in deliveries)" in said and "nothing was copied" in said
