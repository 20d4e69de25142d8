"""Moving an installation: every row of one database into another, empty one.

`copy_database` copies table by table in an order that keeps foreign keys satisfied,
values as they are (encrypted secrets stay encrypted: no key is needed), in batches, then
moves PostgreSQL's identity counters past the copied IDs. It refuses a target that holds
any row, so an installation is never merged into another by mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from bot.errors import ConfigError
from bot.store.db import Database

#: Every table of the schema, parents before children (digest_runs refer to digests).
TABLES = (
    "workspaces",
    "installations",
    "bots",
    "oauth_states",
    "credentials",
    "admins",
    "digests",
    "digest_runs",
    "alerts",
    "audit",
    "call_budgets",
    "call_refusals",
    "deliveries",
    "user_cache",
    "answers",
    "leases",
    "rate_windows",
    "numbering",
)
#: Tables whose `id` the database assigns (an identity on PostgreSQL).
IDENTITIES = ("installations", "bots", "digests", "alerts", "audit")
BATCH = 1000


def _count(db: Database, table: str) -> int:
    return int(db.run_sync(lambda: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]))


def copy_database(
    source: Database, target: Database, say: Callable[[str], None] = print
) -> dict[str, int]:
    """Copy every row of `source` into the empty `target`; the rows copied per table."""
    filled = {t: n for t in TABLES if (n := _count(target, t))}
    if filled:
        listed = ", ".join(f"{n} in {t}" for t, n in filled.items())
        raise ConfigError(
            f"The target database already holds data ({listed}); copy-db only fills an "
            "empty one, so nothing was copied."
        )
    copied: dict[str, int] = {}
    for table in TABLES:
        rows = source.run_sync(partial(source.query, f"SELECT * FROM {table}"))
        for start in range(0, len(rows), BATCH):
            target.run_sync(partial(_insert, target, table, rows[start : start + BATCH]))
        copied[table] = len(rows)
        say(f"{table}: {len(rows)} rows")
    for table in IDENTITIES:
        reset = target.dialect.reset_identity(table)
        if reset is not None:
            target.run_sync(partial(target.execute, reset))
    return copied


def _insert(db: Database, table: str, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    with db.transaction():
        for row in rows:
            db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", [row[c] for c in columns])
