"""What a command handler receives: who asked, where, and the parts it may use.

Built per request by the Slack layer (or the console) in `bot.app`; handlers never see
Bolt, the environment or the HTTP layer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.clients.pool import Directory
from bot.clock import Clock
from bot.errors import PermissionDenied
from bot.store import Store
from bot.team import Team

if TYPE_CHECKING:
    from bot.features.alerts import Alerts
    from bot.features.digests import Digests


@dataclass
class Context:
    team: Team
    user_id: str
    channel_id: str
    clock: Clock
    store: Store
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    is_admin: Callable[[], Awaitable[bool]] | None = None
    services: Directory | None = None
    open_modal: Callable[[dict[str, Any]], Awaitable[None]] | None = None
    digests: Digests | None = None
    alerts: Alerts | None = None

    @property
    def directory(self) -> Directory:
        """This workspace's service clients."""
        if self.services is None:
            raise RuntimeError("this context was built without service clients")
        return self.services

    def now(self) -> datetime:
        return self.clock.now()

    async def require_admin(self, action: str) -> None:
        """Raise PermissionDenied unless the caller may change this workspace's settings."""
        if self.is_admin is None or not await self.is_admin():
            raise PermissionDenied(action)

    def audit(self, action: str, **detail: Any) -> None:
        self.store.audit.record(self.team, self.user_id, action, detail)
