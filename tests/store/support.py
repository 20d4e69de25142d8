"""What the storage tests share besides fixtures."""

from __future__ import annotations

from typing import Protocol

from bot.store import Secrets, Store


class OpenStore(Protocol):
    """The `open_store` fixture: another Store on the test's database (a restart, or a
    second process), with the test's keys unless given others."""

    def __call__(self, keys: Secrets | None = None) -> Store: ...


async def count(store: Store, table: str) -> int:
    """The rows in `table`, read directly."""
    rows = await store.db.run(lambda: store.db.query(f"SELECT count(*) AS n FROM {table}"))
    return int(rows[0]["n"])
