"""What a command handler receives: who asked, where, and the parts it may use.

Built per request by the wiring (`bot.app.Runtime.context`, for Slack and the console
alike); handlers never see Bolt, the environment or the HTTP layer. Every collaborator is
required: a test and production take the same path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from bot.clients.pool import Directory
from bot.clock import Clock
from bot.errors import PermissionDenied, UsageError
from bot.features.alerts import Alerts
from bot.features.digests import Digests
from bot.store import Store
from bot.team import Team


class CommandInfo(Protocol):
    """What help shows of a command (a `commands.router.Command`)."""

    @property
    def name(self) -> str: ...
    @property
    def usage(self) -> str: ...
    @property
    def usage_line(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def details(self) -> str: ...
    @property
    def examples(self) -> tuple[str, ...]: ...
    @property
    def group(self) -> str: ...


class Catalog(Protocol):
    """Every command by name (the composed `commands.router.Router`)."""

    @property
    def commands(self) -> Mapping[str, CommandInfo]: ...

    def unknown(self, words: list[str]) -> UsageError:
        """The error for words that name no command, with the nearest one suggested."""
        ...


ChannelState = Literal["postable", "joined", "private", "archived", "missing", "unchecked"]
UserState = Literal["person", "missing", "bot", "deactivated", "unchecked"]


@dataclass(frozen=True, slots=True)
class ChannelCheck:
    """Whether the bot can post into a channel, as Slack says: `postable` (it is in it),
    `joined` (a public channel it has just joined), `private` (a private one it is not
    in), `archived`, `missing` (Slack shows no such channel: gone, or private without the
    bot), or `unchecked` when Slack could not say — `reason` then says why."""

    state: ChannelState
    reason: str = ""


@dataclass(frozen=True, slots=True)
class UserCheck:
    """Who a user ID is, as Slack says: a `person`, `missing` (no such user), a `bot`, a
    `deactivated` account, or `unchecked` when Slack could not say (`reason`)."""

    state: UserState
    reason: str = ""


@dataclass(frozen=True, slots=True)
class WorkspaceAdmins:
    """The workspace's admins and owners as Slack lists them; `complete` False when only
    part of the member list was read (a large workspace, or Slack failing: `reason`)."""

    user_ids: tuple[str, ...]
    complete: bool = True
    reason: str = ""


class SlackSurface(Protocol):
    """What a command may ask of Slack for the current request."""

    @property
    def has_forms(self) -> bool:
        """Whether forms can be shown at all (not in the local console)."""
        ...

    async def open_modal(self, view: dict[str, Any]) -> bool:
        """Open `view` for the caller; False where there is no Slack to show it."""
        ...

    async def check_channel(self, channel: str) -> ChannelCheck:
        """Whether the bot can post into `channel` (an ID, or `#name`), joining it if it
        is public and the bot is not in it yet."""
        ...

    async def check_user(self, user_id: str) -> UserCheck:
        """Whether `user_id` is a person of this workspace."""
        ...

    async def workspace_admins(self) -> WorkspaceAdmins:
        """The workspace's admins and owners (a bounded read of the member list)."""
        ...


@dataclass(frozen=True, slots=True)
class Access:
    """What decides whether the caller may change this workspace's settings, besides the
    admins added with `/pulse admins add`: Slack's own admin flag for the caller, and the
    operator's `PULSEBOT_ADMINS`."""

    workspace_admin: bool
    operators: frozenset[str]


@dataclass(frozen=True, slots=True)
class Context:
    team: Team
    user_id: str
    channel_id: str
    tz: ZoneInfo
    clock: Clock
    store: Store
    directory: Directory
    access: Access
    slack: SlackSurface
    digests: Digests
    alerts: Alerts
    commands: Catalog

    def now(self) -> datetime:
        return self.clock.now()

    async def is_admin(self) -> bool:
        return (
            self.access.workspace_admin
            or self.user_id in self.access.operators
            or await self.store.admins.is_admin(self.team, self.user_id)
        )

    async def require_admin(self, action: str) -> None:
        """Raise PermissionDenied unless the caller may change this workspace's settings."""
        if not await self.is_admin():
            raise PermissionDenied(action)

    async def require_owner_or_admin(self, owner: str, action: str, *, whose: str) -> None:
        """Raise PermissionDenied, naming `owner`, unless the caller is `owner` (the
        creator of a digest, say: `whose` is `the digest's`) or an admin."""
        if self.user_id != owner and not await self.is_admin():
            raise PermissionDenied(action, owner=owner, whose=whose)

    async def audit(self, action: str, **detail: Any) -> None:
        await self.store.audit.record(self.team, self.user_id, action, detail)
