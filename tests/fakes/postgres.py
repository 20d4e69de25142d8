"""A throwaway PostgreSQL cluster for the tests: `initdb` in a temporary folder, served on
a loopback port, stopped afterwards. Nothing outside the folder is touched.

`find_bin()` looks for PostgreSQL's server binaries (Debian keeps them outside PATH, in
/usr/lib/postgresql/N/bin). Where they are installed the cluster must start — a failure
is an error, not a skip — so CI, whose image ships PostgreSQL, always runs the PostgreSQL
half of the suites; where they are not, those tests skip and say why. PostgreSQL refuses
to run as root: as root, the server runs as the `postgres` system user.

Each database's clock can be a test's `FakeClock` (`Cluster.follow`): there, the leases
judged by the database's clock (`now()`) lapse when the test moves its clock, exactly as
they do on SQLite, where the application's clock judges them. Every database made here
resolves `now()` and `clock_timestamp()` to `fakeclock`'s versions first, which answer
the followed clock's time, or the server's own when no clock is followed.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

    from tests.fakes.clock import FakeClock

NOT_INSTALLED = "PostgreSQL's server (initdb, pg_ctl) is not installed on this machine"


def find_bin() -> Path | None:
    """The folder holding initdb and pg_ctl, newest version first; None if not installed."""
    on_path = shutil.which("initdb")
    candidates = [str(Path(on_path).parent)] if on_path else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


#: The fake clock of a test database: its time, when a test's clock is followed.
_FAKE_CLOCK = (
    "CREATE SCHEMA fakeclock",
    "CREATE TABLE fakeclock.moment (at TIMESTAMPTZ NOT NULL)",
    """CREATE FUNCTION fakeclock.now() RETURNS TIMESTAMPTZ LANGUAGE sql STABLE
       AS 'SELECT coalesce((SELECT at FROM fakeclock.moment LIMIT 1), pg_catalog.now())'""",
    """CREATE FUNCTION fakeclock.clock_timestamp() RETURNS TIMESTAMPTZ LANGUAGE sql VOLATILE
       AS 'SELECT coalesce((SELECT at FROM fakeclock.moment LIMIT 1),
                           pg_catalog.clock_timestamp())'""",
)


def _memory() -> str | None:
    """A RAM-backed folder for the cluster if there is one (making a database on disk takes
    ten times as long); None: the default temporary folder."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """One PostgreSQL server for a test session; `database()` makes a fresh database."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="pulsebot-pg-", dir=_memory()))
        self.data = self.root / "data"
        self.port = _free_port()
        self._names = itertools.count(1)
        self._as: list[str] = []
        self._admin_conn: psycopg.Connection[Any] | None = None
        self._dropped: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [*self._as, *args], capture_output=True, text=True, timeout=120, cwd=self.root
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stderr.strip() or result.stdout}")

    def start(self) -> Cluster:
        self._run(
            str(self.bindir / "initdb"),
            "-D", str(self.data),
            "-U", "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        )  # fmt: skip
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.root}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
            ]
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D", str(self.data),
            "-o", options,
            "-l", str(self.root / "server.log"),
            "-w",
            "start",
        )  # fmt: skip
        import psycopg

        # Every database is made from template1: each gets the fake clock from here.
        with psycopg.connect(self._url("template1"), autocommit=True) as conn:
            for statement in _FAKE_CLOCK:
                conn.execute(statement)
        return self

    @property
    def admin_url(self) -> str:
        return self._url("postgres")

    def _url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection[Any]:
        import psycopg

        if self._admin_conn is None:
            self._admin_conn = psycopg.connect(self.admin_url, autocommit=True)
        return self._admin_conn

    def database(self, template: str | None = None) -> str:
        """The URL of a new database: empty (but for the `fakeclock` schema), or a copy of
        the database `template` (see `template`)."""
        self._drop_dropped()
        name = f"t{os.getpid()}_{next(self._names)}"
        admin = self._admin()
        admin.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        # `fakeclock` before `pg_catalog`: `now()` is fakeclock.now(); tables go to `public`.
        admin.execute(f"ALTER DATABASE {name} SET search_path = public, fakeclock, pg_catalog")
        return self._url(name)

    def drop(self, url: str) -> None:
        """Remove the database at `url` soon: when the next one is made, by which time the
        server has seen its connections go (dropping at once waits 100 ms for them)."""
        self._dropped.append(url.rsplit("/", 1)[1])

    def _drop_dropped(self) -> None:
        while self._dropped:
            self._admin().execute(f"DROP DATABASE IF EXISTS {self._dropped.pop()} WITH (FORCE)")

    def template(self, prepare: Callable[[str], None]) -> str:
        """A new database made ready by `prepare(url)` (which must leave no connection
        open), for `database(template=…)` to copy: copying is faster than preparing."""
        url = self.database()
        prepare(url)
        return url.rsplit("/", 1)[1]

    @contextmanager
    def follow(self, url: str, clock: FakeClock) -> Iterator[None]:
        """While inside, the database at `url` tells the time by `clock`."""
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:

            def moved(now: datetime) -> None:
                with conn.transaction():
                    conn.execute("DELETE FROM fakeclock.moment")
                    conn.execute("INSERT INTO fakeclock.moment (at) VALUES (%s)", [now])

            stop = clock.follow(moved)
            try:
                yield
            finally:
                stop()

    def stop(self) -> None:
        if self._admin_conn is not None:
            self._admin_conn.close()
            self._admin_conn = None
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
