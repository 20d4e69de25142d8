"""WhatPulse Web API client: a user's pulses, profile and computers.

Documented: Bearer token, `GET /api/v1/users/{id}/pulses` filtered by `computer_id`,
`date_from`, `date_to` and paged with `per_page` (1..100) and `page`; 401 `{message}`,
422 `{message, errors}`. WhatPulse documents no rate limit, so the limiter keeps to a
conservative 60 requests a minute per credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx

from bot.clients.parse import CredentialField
from bot.clients.transport import Manners, Params, Response, ServiceHTTP, WindowLimiter
from bot.clients.whatpulse_models import (
    SERVICE,
    Computer,
    Pulse,
    PulseList,
    PulsePage,
    Totals,
    User,
    parse_computers,
    parse_error,
    parse_pulse_page,
    parse_user,
)
from bot.clock import Clock, SystemClock
from bot.errors import (
    AuthFailed,
    BadResponse,
    InvalidRequest,
    NotFound,
    ServiceError,
    Unavailable,
)

__all__ = [
    "CREDENTIAL_FIELDS",
    "DEFAULT_BASE_URL",
    "LIMIT",
    "SERVICE",
    "WINDOW",
    "Computer",
    "Pulse",
    "PulseList",
    "Totals",
    "User",
    "WhatPulseClient",
    "decode_error",
]

DEFAULT_BASE_URL = "https://whatpulse.org"
CREDENTIAL_FIELDS: tuple[CredentialField, ...] = (
    CredentialField(
        "token", "API token", "Create one at whatpulse.org/go/settings-api-keys.", secret=True
    ),
    CredentialField(
        "user",
        "WhatPulse user",
        "The user ID or username whose pulses this workspace reads by default.",
        secret=False,
    ),
)
# Not documented by WhatPulse: a conservative 60 requests per 60 seconds per credential.
LIMIT = 60
WINDOW = 60.0
MAX_PER_PAGE = 100

USER_PATH = "/api/v1/users/{user}"
PULSES_PATH = "/api/v1/users/{user}/pulses"
COMPUTERS_PATH = "/api/v1/users/{user}/computers"


def decode_error(response: Response) -> ServiceError:
    """Map a non-2xx WhatPulse answer (other than 429/502-504) to the error tree."""
    status = response.status
    try:
        message, field_errors = parse_error(response.json())
    except BadResponse:
        message, field_errors = None, {}
    if status == 401:
        return AuthFailed(SERVICE, message or "the API token was rejected", status=status)
    if status == 403:
        return AuthFailed(SERVICE, message or "the token may not read this", status=status)
    if status == 404:
        return NotFound(SERVICE, message or "not found", status=status)
    if status in (400, 422):
        detail = message or "the request was rejected"
        return InvalidRequest(SERVICE, detail, field_errors, status=status)
    if status >= 500:
        return Unavailable(SERVICE, f"HTTP {status}", status=status)
    if 400 <= status < 500:
        return InvalidRequest(SERVICE, message or f"HTTP {status}", field_errors, status=status)
    return BadResponse(SERVICE, f"unexpected HTTP {status}", status=status)


def _user_segment(user: str | int) -> str:
    text = str(user).strip()
    if not text:
        raise InvalidRequest(SERVICE, "a WhatPulse user is needed", {"user": ["is required"]})
    return quote(text, safe="")


def _next_request(page: PulsePage, path: str, params: dict[str, Any]) -> tuple[str, Params] | None:
    """Where the page after `page` is: `links.next` first (our filters kept), else `page+1`."""
    if page.next_link:  # the transport keeps the link's query and adds our other filters
        return page.next_link, params
    if page.current_page < page.last_page:
        return path, {**params, "page": page.current_page + 1}
    return None


class WhatPulseClient:
    """One workspace's WhatPulse credential."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        credential: Mapping[str, str],
        base_url: str = DEFAULT_BASE_URL,
        clock: Clock | None = None,
        manners: Manners | None = None,
    ):
        token = (credential.get("token") or "").strip()
        if not token:
            raise AuthFailed(SERVICE, "no API token is stored for WhatPulse")
        self.default_user: str | None = (credential.get("user") or "").strip() or None
        clock = clock or SystemClock()
        self.transport = ServiceHTTP(
            http=http,
            service=SERVICE,
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            limiter=WindowLimiter(LIMIT, WINDOW, clock),
            decode_error=decode_error,
            clock=clock,
            manners=manners or Manners(),
        )

    def __repr__(self) -> str:
        return f"WhatPulseClient(base_url={self.transport.base_url!r}, user={self.default_user!r})"

    async def _get(self, path: str, params: Params | None, user: str | int, *, fresh: bool) -> Any:
        try:
            response = await self.transport.get(path, params, fresh=fresh)
        except NotFound as exc:
            raise NotFound(SERVICE, f"no WhatPulse user {str(user)!r}", status=exc.status) from exc
        return response.json()

    async def pulses(
        self,
        user: str | int,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        computer_id: int | None = None,
        per_page: int = MAX_PER_PAGE,
        max_pages: int = 20,
        fresh: bool = False,
    ) -> PulseList:
        """The user's pulses between two days (inclusive, as WhatPulse filters them)."""
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise InvalidRequest(
                SERVICE,
                f"per_page must be between 1 and {MAX_PER_PAGE}",
                {"per_page": [f"must be between 1 and {MAX_PER_PAGE}"]},
            )
        if date_from and date_to and date_from > date_to:
            raise InvalidRequest(
                SERVICE, "the start date is after the end date", {"date_to": ["is too early"]}
            )
        if max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        path = PULSES_PATH.format(user=_user_segment(user))
        params: dict[str, Any] = {
            key: value
            for key, value in {
                "date_from": date_from.isoformat() if date_from else None,
                "date_to": date_to.isoformat() if date_to else None,
                "computer_id": computer_id,
                "per_page": per_page,
            }.items()
            if value is not None
        }
        page = parse_pulse_page(await self._get(path, params, user, fresh=fresh))
        pulses: list[Pulse] = list(page.pulses)
        pages = 1
        while (following := _next_request(page, path, params)) is not None:
            if pages >= max_pages:
                return PulseList(tuple(pulses), page.total, truncated=True)
            page = parse_pulse_page(await self._get(*following, user, fresh=fresh))
            pulses.extend(page.pulses)
            pages += 1
        return PulseList(tuple(pulses), page.total, truncated=False)

    async def user(self, user: str | int, *, fresh: bool = False) -> User:
        path = USER_PATH.format(user=_user_segment(user))
        return parse_user(await self._get(path, None, user, fresh=fresh))

    async def computers(
        self, user: str | int, *, archived: bool | None = None, fresh: bool = False
    ) -> tuple[Computer, ...]:
        path = COMPUTERS_PATH.format(user=_user_segment(user))
        params: Params = {"is_archived": None if archived is None else int(archived)}
        return parse_computers(await self._get(path, params, user, fresh=fresh))

    async def validate(self) -> str:
        """Read the configured user's profile: proves the token and the user both work."""
        if self.default_user is None:
            raise InvalidRequest(
                SERVICE, "no WhatPulse user is set for this workspace", {"user": ["is required"]}
            )
        found = await self.user(self.default_user, fresh=True)
        return f"WhatPulse user {found.username}"
