"""slack_sdk's OAuth storage interfaces, backed by the store.

`StoreInstallationStore` is the `AsyncInstallationStore` Bolt uses to save installs,
find tokens (including rotated ones) and forget them; saving an installation also records
the workspace as installed. `StoreOAuthStateStore` issues the one-time ``state`` values of
the OAuth flow, each valid for `expiration_seconds`.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.team import Team

if TYPE_CHECKING:
    from bot.store import Store

_logger = logging.getLogger(__name__)


class StoreInstallationStore(AsyncInstallationStore):
    def __init__(self, store: Store):
        self._store = store

    @property
    def logger(self) -> logging.Logger:
        return _logger

    async def async_save(self, installation: Installation) -> None:
        await self._store.installations.save_installation(installation)
        if installation.team_id and not installation.is_enterprise_install:
            team = Team(installation.team_id, installation.enterprise_id)
            await self._store.workspaces.upsert(team, installation.team_name)

    async def async_save_bot(self, bot: Bot) -> None:
        await self._store.installations.save_bot(bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return await self._store.installations.find_bot(
            enterprise_id, team_id, is_enterprise_install
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await self._store.installations.find_installation(
            enterprise_id, team_id, user_id, is_enterprise_install
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.installations.delete_bot(enterprise_id, team_id)

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        await self._store.installations.delete_installation(enterprise_id, team_id, user_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._store.installations.delete_all(enterprise_id, team_id)


class StoreOAuthStateStore(AsyncOAuthStateStore):
    def __init__(self, store: Store, expiration_seconds: int = 600):
        self._store = store
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return _logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        """A new unguessable state, stored until it expires or is consumed."""
        state = secrets.token_urlsafe(32)
        await self._store.oauth_states.issue(state, self.expiration_seconds)
        return state

    async def async_consume(self, state: str) -> bool:
        """True once for a state issued here and not yet expired; it is gone afterwards."""
        return await self._store.oauth_states.consume(state)
