"""WhatPulse Web API client: a user's pulses, profile and computers.

Documented: Bearer token, `GET /api/v1/users/{id}/pulses` filtered by `computer_id`,
`date_from`, `date_to` and paged with `per_page` (1..100) and `page`; 401 `{message}`,
422 `{message, errors}`. WhatPulse documents no rate limit, so the spec keeps to a
conservative 60 requests a minute per credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import quote

from bot.clients.paging import Page, collect
from bot.clients.spec import CredentialField, Limits, ServiceSpec
from bot.clients.transport import Params, Response, ServiceHTTP
from bot.clients.whatpulse_models import (
    SERVICE,
    Computer,
    Pulse,
    PulseList,
    Totals,
    User,
    parse_computers,
    parse_error,
    parse_pulse_page,
    parse_user,
)
from bot.errors import (
    AuthFailed,
    BadResponse,
    InvalidRequest,
    NotFound,
    ServiceError,
    Unavailable,
)

__all__ = [
    "SPEC",
    "Computer",
    "Pulse",
    "PulseList",
    "Totals",
    "User",
    "WhatPulseClient",
    "decode_error",
]

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


class WhatPulseClient:
    """One workspace's WhatPulse credential."""

    def __init__(self, transport: ServiceHTTP, credential: Mapping[str, str]) -> None:
        self.transport = transport
        self.default_user: str | None = credential.get("user") or None

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
        """The user's pulses between two dates (inclusive, as WhatPulse filters them).

        The dates are WhatPulse's, not the caller's: its filter is on whole days (read as
        UTC dates of each pulse's `date`, as far as its answers show). A caller whose days
        are elsewhere asks for every date covering its period and keeps the pulses within
        it (`bot.domain.periods.covering_dates`)."""
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

        async def fetch(where: str, query: Params) -> Page[Pulse]:
            return parse_pulse_page(await self._get(where, query, user, fresh=fresh))

        found = await collect(fetch, path, params, max_pages=max_pages)
        return PulseList(found.items, found.total, found.truncated)

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


SPEC: ServiceSpec[WhatPulseClient] = ServiceSpec(
    key=SERVICE,
    name="WhatPulse",
    default_base_url="https://whatpulse.org",
    limits=Limits(per_minute=60, documented=False),
    credential_fields=(
        CredentialField("token", "API token", "Create one at whatpulse.org/go/settings-api-keys."),
        CredentialField(
            "user",
            "WhatPulse user",
            "The user ID or username whose pulses this workspace reads by default.",
            secret=False,
            required=False,
        ),
    ),
    auth_headers=lambda credential: {"Authorization": f"Bearer {credential['token']}"},
    decode_error=decode_error,
    client=WhatPulseClient,
)
