"""Everything encrypted at rest, as a whole: re-encrypting it under the newest key, and
checking at start-up that the configured keys can read it.

Rotate after putting a new key first in `PULSEBOT_SECRET_KEY` (the old one still listed
after it); once `rotate_keys` returns, the old key can be dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import ConfigError
from bot.store.installations import ENCRYPTED_COLUMNS

if TYPE_CHECKING:
    from bot.store import Store


def rotate_keys(store: Store) -> int:
    """Re-encrypt every credential and Slack token in one transaction; the count rewritten."""

    def rewrite() -> int:
        with store.db.transaction():
            return store.credentials.rotate_all() + store.installations.rotate_all()

    return store.db.run_sync(rewrite)


def readable_secrets(store: Store) -> tuple[int, int]:
    """How many stored secrets the configured keys can decrypt, and how many not."""

    def check() -> tuple[int, int]:
        values = [str(r[0]) for r in store.db.execute("SELECT secret_enc FROM credentials")]
        for table, columns in ENCRYPTED_COLUMNS.items():
            for row in store.db.execute(f"SELECT {', '.join(columns)} FROM {table}"):
                values += [str(v) for v in row if v is not None]
        readable = 0
        for value in values:
            try:
                store.secrets.decrypt(value)
                readable += 1
            except ConfigError:
                pass
        return readable, len(values) - readable

    return store.db.run_sync(check)
