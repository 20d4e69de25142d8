"""slack_sdk's OAuth storage interfaces, backed by the store.

`SqliteInstallationStore` is the `AsyncInstallationStore` Bolt uses to save installs,
find tokens (including rotated ones) and forget them; saving an installation also records
the workspace as installed. `SqliteOAuthStateStore` issues the one-time ``state`` values of
the OAuth flow, each valid for `expiration_seconds` by the store's clock.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.store._rows import iso, parse_iso
from bot.store.db import transaction
from bot.team import Team

if TYPE_CHECKING:
    from bot.store import Store

_logger = logging.getLogger(__name__)


class SqliteInstallationStore(AsyncInstallationStore):
    def __init__(self, store: Store):
        self._store = store

    @property
    def logger(self) -> logging.Logger:
        return _logger

    async def async_save(self, installation: Installation) -> None:
        self._store.installations.save_installation(installation)
        if installation.team_id and not installation.is_enterprise_install:
            team = Team(installation.team_id, installation.enterprise_id)
            self._store.workspaces.upsert(team, installation.team_name)

    async def async_save_bot(self, bot: Bot) -> None:
        self._store.installations.save_bot(bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return self._store.installations.find_bot(enterprise_id, team_id, is_enterprise_install)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return self._store.installations.find_installation(
            enterprise_id, team_id, user_id, is_enterprise_install
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._store.installations.delete_bot(enterprise_id, team_id)

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        self._store.installations.delete_installation(enterprise_id, team_id, user_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        with transaction(self._store.db):
            self._store.installations.delete_bot(enterprise_id, team_id)
            self._store.installations.delete_installation(enterprise_id, team_id)


class SqliteOAuthStateStore(AsyncOAuthStateStore):
    def __init__(self, store: Store, expiration_seconds: int = 600):
        self._store = store
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return _logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        """A new unguessable state, stored until it expires or is consumed."""
        state = secrets.token_urlsafe(32)
        now = self._store.clock.now()
        db = self._store.db
        with transaction(db):
            db.execute("DELETE FROM oauth_states WHERE expires_at <= ?", [iso(now)])
            db.execute(
                "INSERT INTO oauth_states (state, expires_at) VALUES (?, ?)",
                [state, iso(now + timedelta(seconds=self.expiration_seconds))],
            )
        return state

    async def async_consume(self, state: str) -> bool:
        """True once for a state issued here and not yet expired; it is gone afterwards."""
        db = self._store.db
        with transaction(db):
            row = db.execute(
                "SELECT expires_at FROM oauth_states WHERE state = ?", [state]
            ).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM oauth_states WHERE state = ?", [state])
        return parse_iso(row[0]) > self._store.clock.now()
