"""The database: SQLite (the embedded default) or PostgreSQL, always off the event loop.

`Database` runs every unit of work — one repository call — in a worker thread with a
connection of its own, so a slow or locked database delays only the request waiting on
it, never the event loop (Slack's 3-second ack holds). Repository methods are written as
plain functions over `execute`/`query`/`transaction` and made awaitable with `@unit`.

- SQLite (`sqlite:///path` or a path): one file through sqlite-utils, WAL, foreign keys,
  a busy timeout; each worker thread has its own connection (WAL lets readers go on while
  a writer waits), and `transaction()` is ``BEGIN IMMEDIATE`` (a savepoint when nested).
- PostgreSQL (`postgresql://…`): a small psycopg pool; every unit of work is one
  transaction (committed when it returns, rolled back when it raises), and
  `transaction(lock=…)` also holds a transaction-scoped advisory lock.

The dialect differences live in `bot.store.dialect`; the schema in `bot.store.migrations`;
`bot.store.open_database` opens one and brings its schema up to date.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

import sqlite_utils

from bot.errors import StorageError
from bot.store.dialect import POSTGRESQL, SQLITE, Dialect

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
SQLITE_WORKERS = 4
POSTGRES_POOL = 8

T = TypeVar("T")
P = ParamSpec("P")


class Result(Protocol):
    """What `execute` answers: a DB-API cursor."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str | Path) -> Path:
    """`sqlite:///relative.db`, `sqlite:////absolute.db` or a plain path."""
    text = str(url)
    return Path(text.removeprefix("sqlite:///")) if text.startswith("sqlite:///") else Path(text)


class _Rows:
    """A finished statement's rows (SQLite)."""

    def __init__(self, rows: list[Any], rowcount: int, description: Any) -> None:
        self._rows = rows
        self.rowcount = rowcount
        self.description = description

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return list(self._rows)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


class Database:
    """Units of work on one database, each in a worker thread with its own connection."""

    def __init__(self, dialect: Dialect, workers: int, label: str) -> None:
        self.dialect = dialect
        self.label = label
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix=f"db-{dialect.name}")
        self._local = threading.local()
        self.closed = False

    # ---- running work -----------------------------------------------------------------

    async def run(self, work: Callable[[], T]) -> T:
        """Run `work` (which uses `execute`/`query`) as one unit, off the event loop. A
        database that cannot be read or written raises `StorageError` (one sentence for
        the person waiting; the cause is logged)."""
        if self.closed:
            raise StorageError("the database is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, self._unit, work)
        except self.failures as exc:
            raise _storage_error(exc) from exc

    def run_sync(self, work: Callable[[], T]) -> T:
        """The same, waited for in the calling thread (start-up, operator commands)."""
        try:
            return self._executor.submit(self._unit, work).result()
        except self.failures as exc:
            raise _storage_error(exc) from exc

    #: The driver's errors that mean "the database cannot do this now".
    failures: tuple[type[BaseException], ...] = (OSError,)

    def _unit(self, work: Callable[[], T]) -> T:
        if getattr(self._local, "conn", None) is not None:  # a unit inside a unit
            return work()
        with self._connection() as conn:
            self._local.conn = conn
            try:
                return work()
            finally:
                self._local.conn = None

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        raise NotImplementedError

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            raise RuntimeError("database work must run through Database.run")
        return conn

    # ---- inside a unit ----------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[object] = ()) -> Result:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def script(self, ddl: str) -> None:
        """A migration's statement, in this engine's column types."""
        raise NotImplementedError

    @contextmanager
    def transaction(self, lock: str | None = None) -> Iterator[None]:
        raise NotImplementedError
        yield

    def close(self) -> None:
        self.closed = True
        self._executor.shutdown(wait=True)


class SQLiteDatabase(Database):
    failures = (sqlite3.Error, OSError)

    def __init__(self, path: Path, workers: int = SQLITE_WORKERS) -> None:
        super().__init__(SQLITE, workers, str(path))
        self.path = path
        self._opened: list[sqlite_utils.Database] = []
        self._guard = threading.Lock()

    @contextmanager
    def _connection(self) -> Iterator[sqlite_utils.Database]:
        db = getattr(self._local, "db", None)
        if db is None:
            db = _connect(self.path)
            self._local.db = db
            with self._guard:
                self._opened.append(db)
        yield db

    def execute(self, sql: str, params: Sequence[object] = ()) -> Result:
        # Rows are read at once, so a statement (`… RETURNING`) is finished, and its
        # autocommit done, before the next one starts.
        cursor = self._conn().conn.execute(sql, list(params))
        return _Rows(cursor.fetchall(), cursor.rowcount, cursor.description)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        result = self.execute(sql, params)
        assert isinstance(result, _Rows)
        names = [d[0] for d in result.description or ()]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    def script(self, ddl: str) -> None:
        self._conn().execute(ddl)

    @contextmanager
    def transaction(self, lock: str | None = None) -> Iterator[None]:
        db: sqlite_utils.Database = self._conn()
        conn = db.conn
        if conn.in_transaction:
            with db.atomic():
                yield
            return
        conn.execute("BEGIN IMMEDIATE")  # the one write lock, taken up front
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

    def close(self) -> None:
        super().close()
        with self._guard:
            for db in self._opened:
                db.close()
            self._opened.clear()


def _connect(path: Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_MS / 1000,
        check_same_thread=False,
        isolation_level=None,  # autocommit: transactions only where `transaction()` opens one
    )
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    db.enable_wal()
    return db


CONNECT_TIMEOUT = 10  # seconds to reach the PostgreSQL server
WAIT_FOR_CONNECTION = 5.0  # seconds a unit of work waits for a free pooled connection


class PostgresDatabase(Database):
    def __init__(self, url: str, workers: int = POSTGRES_POOL) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool, PoolTimeout

        self.failures = (psycopg.Error, PoolTimeout, OSError)

        super().__init__(POSTGRESQL, workers, _redacted(url))
        try:  # one plain connection first: a server that is not there is said at once
            psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT).close()
        except psycopg.Error as exc:
            raise StorageError(_first_line(exc)) from None
        # a command waits at most WAIT_FOR_CONNECTION for a connection, then is told why
        self._pool = ConnectionPool(
            url, min_size=1, max_size=workers, open=True, timeout=WAIT_FOR_CONNECTION
        )

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        with self._pool.connection() as conn:  # commits on return, rolls back on error
            yield conn

    def execute(self, sql: str, params: Sequence[object] = ()) -> Result:
        return self._conn().execute(self.dialect.sql(sql), list(params))  # type: ignore[no-any-return]

    def query(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        from psycopg.rows import dict_row

        with self._conn().cursor(row_factory=dict_row) as cursor:
            cursor.execute(self.dialect.sql(sql), list(params))
            return list(cursor.fetchall())

    def script(self, ddl: str) -> None:
        self._conn().execute(self.dialect.ddl(ddl))

    @contextmanager
    def transaction(self, lock: str | None = None) -> Iterator[None]:
        # Every unit of work is already one transaction; a lock is held until it ends.
        held = self.dialect.lock(lock) if lock else None
        if held is not None:
            self._conn().execute(*held)
        yield

    def close(self) -> None:
        super().close()
        self._pool.close()


def _storage_error(exc: BaseException) -> StorageError:
    log.warning("the database failed: %s", _first_line(exc))
    return StorageError(_first_line(exc))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


_PASSWORD = re.compile(r"(://[^:/@]+:)[^@]*@")


def _redacted(url: str) -> str:
    """A PostgreSQL URL without its password, for logs and /healthz."""
    return _PASSWORD.sub(r"\1***@", url)


def private_file(path: Path) -> None:
    """The database file readable by this user only (it holds secrets); SQLite gives its
    WAL and shared-memory files the database file's own mode."""
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if part.exists():
            os.chmod(part, 0o600)


R = TypeVar("R")
S = TypeVar("S", bound="Repository")


class Repository:
    """A group of queries on one database."""

    def __init__(self, db: Database) -> None:
        self._db = db


def unit(
    method: Callable[Concatenate[S, P], R],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """A repository method, awaited as one unit of work off the event loop."""

    async def run(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return await self._db.run(functools.partial(method, self, *args, **kwargs))

    run.__name__, run.__qualname__ = method.__name__, method.__qualname__
    run.__doc__ = method.__doc__
    return run
