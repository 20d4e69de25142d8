"""Re-encrypting everything at rest under the newest key.

Run it after putting a new key first in `PULSEBOT_SECRET_KEY` (the old one still listed
after it); once it returns, the old key can be dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.store import Store


def rotate_keys(store: Store) -> int:
    """Re-encrypt every credential and Slack token in one transaction; the count rewritten."""

    def rewrite() -> int:
        with store.db.transaction():
            return store.credentials.rotate_all() + store.installations.rotate_all()

    return store.db.run_sync(rewrite)
