"""Shared fixtures: a clean environment for every test, one fake `clock`, one `http` client,
and `database_url`, which runs a test once on SQLite and once on PostgreSQL.

Sample service bodies come from `tests.samples.sample`."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.clock import FakeClock
from tests.fakes.postgres import NOT_INSTALLED, Cluster, find_bin

PREFIXES = (
    "SLACK_",
    "PULSEBOT_",
    "WELDPULSE_",
    "RAYGUN_",
    "WHATPULSE_",
    "PULSETRACKER_",
    "PULSEPRO_",
)
NAMES = ("PORT", "DATABASE_PATH", "LOG_LEVEL")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's Slack or service settings."""
    for name in list(os.environ):
        if name.startswith(PREFIXES) or name in NAMES:
            monkeypatch.delenv(name)
    yield


@pytest.fixture
def clock() -> FakeClock:
    """Monday 2026-11-23 12:00 UTC, moving only when told to (or slept on)."""
    return FakeClock()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """One HTTP client for a test; services are respx mocks or simulators on loopback."""
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """One throwaway PostgreSQL server for the session. Skipped where PostgreSQL is not
    installed (a failure under CI, or with PULSEBOT_REQUIRE_POSTGRES set); where it is, a
    server that does not start is an error, not a skip."""
    bindir = find_bin()
    if bindir is None and (os.environ.get("CI") or os.environ.get("PULSEBOT_REQUIRE_POSTGRES")):
        pytest.fail(f"{NOT_INSTALLED} — and CI must run the PostgreSQL half of the suites")
    if bindir is None:
        pytest.skip(NOT_INSTALLED)
    cluster = Cluster(bindir)
    try:
        cluster.start()
    except BaseException:
        with contextlib.suppress(Exception):
            cluster.stop()  # removes the half-made folder
        raise
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def migrated_template(postgres: Cluster) -> str:
    """A PostgreSQL database with every migration applied, copied by `database_url`."""
    from bot.store.opening import open_database

    return postgres.template(lambda url: open_database(url).close())


ENGINES = pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])


def _database(request: pytest.FixtureRequest, tmp_path: Path, migrated: bool) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pulsebot.db'}"
    cluster: Cluster = request.getfixturevalue("postgres")
    template = request.getfixturevalue("migrated_template") if migrated else None
    return cluster.database(template)


@ENGINES
def database_url(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[str]:
    """Where a test's store lives, once on each engine: a SQLite file in tmp_path, or a new
    PostgreSQL database — a copy of `migrated_template`, being faster than migrating anew —
    whose own clock (which judges leases there) is the test's `clock`.
    `open_database(database_url)` opens it, as often as the test likes."""
    url = _database(request, tmp_path, migrated=True)
    if request.param == "sqlite":
        yield url
        return
    cluster: Cluster = request.getfixturevalue("postgres")
    with cluster.follow(url, clock):
        yield url
    cluster.drop(url)


@ENGINES
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """As `database_url`, but a database without any table: for the migrations' tests."""
    url = _database(request, tmp_path, migrated=False)
    yield url
    if request.param == "postgresql":
        request.getfixturevalue("postgres").drop(url)
