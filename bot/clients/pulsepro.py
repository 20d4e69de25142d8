"""PulsePro (inspection/audit platform) client: inspections, corrective actions, locations.

Documented: `Authorization: Api-key <key>`; errors under an `"error"` key; a token bucket of
60 calls a minute (`Organization-RateLimit-Limit: 60;w=60;b=60`, `RateLimit-Remaining`,
`RateLimit-Reset`), 429 with `Retry-After`, and 503 during traffic spikes that usually pass
within 5 minutes. The endpoint list itself is not public: every path and query name the
client uses is in the table below, so correcting it is a one-place change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

from bot.clients.paging import Collected, Page, collect
from bot.clients.parse import Reader
from bot.clients.pulsepro_models import (
    SERVICE,
    Action,
    ActionList,
    Inspection,
    InspectionList,
    Location,
    LocationList,
    RateLimit,
    parse_error,
    parse_page,
)
from bot.clients.spec import CredentialField, Limits, ServiceSpec
from bot.clients.transport import Params, Response, ServiceHTTP
from bot.clock import Clock
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
    "Action",
    "ActionList",
    "Inspection",
    "InspectionList",
    "Location",
    "LocationList",
    "PulseProClient",
    "RateLimit",
    "decode_error",
]

# ---- Endpoint table (not public: taken from the shape PulsePro's site shows) -------------
INSPECTIONS_PATH = "/api/v1/inspections"  # ?date_from=&date_to=&location=&page=
ACTIONS_PATH = "/api/v1/actions"  # ?status=&overdue=&page=
LOCATIONS_PATH = "/api/v1/locations"  # ?page=
Q_DATE_FROM, Q_DATE_TO, Q_LOCATION = "date_from", "date_to", "location"
Q_STATUS, Q_OVERDUE = "status", "overdue"
# -------------------------------------------------------------------------------------------

T = TypeVar("T")


def decode_error(response: Response) -> ServiceError:
    """Map a non-2xx PulsePro answer (other than 429/502-504) to the error tree."""
    status = response.status
    try:
        message, field_errors = parse_error(response.json())
    except BadResponse:
        message, field_errors = None, {}
    if status in (401, 403):
        return AuthFailed(SERVICE, message or "the API key was rejected", status=status)
    if status == 404:
        return NotFound(SERVICE, message or "not found", status=status)
    if status == 503:  # documented: spikes, which usually pass within 5 minutes
        return Unavailable(
            SERVICE, "a traffic spike", status=status, advice="it usually recovers within 5 minutes"
        )
    if status >= 500:
        return Unavailable(SERVICE, message or f"HTTP {status}", status=status)
    if 400 <= status < 500:
        return InvalidRequest(SERVICE, message or f"HTTP {status}", field_errors, status=status)
    return BadResponse(SERVICE, f"unexpected HTTP {status}", status=status)


class PulseProClient:
    """One workspace's PulsePro API key."""

    def __init__(self, transport: ServiceHTTP, credential: Mapping[str, str]) -> None:
        self.transport = transport
        self.clock: Clock = transport.clock
        self.rate_limit: RateLimit | None = None

    def __repr__(self) -> str:
        return f"PulseProClient(base_url={self.transport.base_url!r})"

    async def _get(self, path: str, params: Params | None, *, fresh: bool) -> Any:
        sent = self.transport.requests_sent
        response = await self.transport.get(path, params, fresh=fresh)
        if self.transport.requests_sent != sent:  # a new answer, not a cached one
            self.rate_limit = RateLimit.from_headers(response.headers) or self.rate_limit
        return response.json()

    async def _collect(
        self,
        path: str,
        params: dict[str, Any],
        parse: Callable[[Reader], T],
        max_pages: int,
        fresh: bool,
    ) -> Collected[T]:
        """Walk Django-REST pages via `next` (resolved under the base URL, prefix kept)."""

        async def fetch(where: str, query: Params) -> Page[T]:
            results, count, following = parse_page(await self._get(where, query, fresh=fresh))
            return Page(tuple(parse(r) for r in results), count, next_link=following)

        return await collect(fetch, path, params, max_pages=max_pages)

    async def inspections(
        self,
        date_from: date | None = None,
        date_to: date | None = None,
        location: str | None = None,
        *,
        max_pages: int = 20,
        fresh: bool = False,
    ) -> InspectionList:
        """Inspections conducted between two days (inclusive), optionally at one location."""
        if date_from and date_to and date_from > date_to:
            raise InvalidRequest(
                SERVICE, "the start date is after the end date", {Q_DATE_TO: ["is too early"]}
            )
        params = {
            Q_DATE_FROM: date_from.isoformat() if date_from else None,
            Q_DATE_TO: date_to.isoformat() if date_to else None,
            Q_LOCATION: location or None,
        }
        params = {k: v for k, v in params.items() if v is not None}
        found = await self._collect(INSPECTIONS_PATH, params, Inspection.from_api, max_pages, fresh)
        return InspectionList(found.items, found.total, found.truncated)

    async def actions(
        self,
        status: str | None = "open",
        overdue: bool | None = None,
        *,
        max_pages: int = 20,
        fresh: bool = False,
    ) -> ActionList:
        """Corrective actions (open ones by default), optionally only the overdue ones."""
        params: dict[str, Any] = {}
        if status:
            params[Q_STATUS] = status
        if overdue is not None:
            params[Q_OVERDUE] = "true" if overdue else "false"
        today = self.clock.now().date()
        found = await self._collect(
            ACTIONS_PATH, params, lambda r: Action.from_api(r, today), max_pages, fresh
        )
        return ActionList(found.items, found.total, found.truncated)

    async def locations(self, *, max_pages: int = 20, fresh: bool = False) -> LocationList:
        found = await self._collect(LOCATIONS_PATH, {}, Location.from_api, max_pages, fresh)
        return LocationList(found.items, found.total, found.truncated)

    async def validate(self) -> str:
        """Read the first page of locations: proves the API key works."""
        found = await self.locations(max_pages=1, fresh=True)
        return f"{found.count} location" + ("" if found.count == 1 else "s")


SPEC: ServiceSpec[PulseProClient] = ServiceSpec(
    key=SERVICE,
    name="PulsePro",
    default_base_url="https://api.pulsepro.ai",
    limits=Limits(per_minute=60),  # a token bucket of 60 a minute (60;w=60;b=60)
    credential_fields=(
        CredentialField("api_key", "API key", "In PulsePro: Admin → Setup → API."),
    ),
    auth_headers=lambda credential: {"Authorization": f"Api-key {credential['api_key']}"},
    decode_error=decode_error,
    client=PulseProClient,
)
