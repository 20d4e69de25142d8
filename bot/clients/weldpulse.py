"""WeldPulse web analytics: `/v1/stats`, `pages`, `referrers`, `timeseries`, `realtime`,
`events`, `geo`, `devices` and `sites` (seeds/weldpulse-analytics-api.txt).

A project-scoped API key (`ak_live_…`) is sent as `Authorization: Bearer`; the service
allows 100 requests a minute per key and answers errors as `{"error", "code"}`:

    400 BAD_REQUEST     -> InvalidRequest (missing parameters become field errors)
    401 UNAUTHORIZED    -> AuthFailed
    403 FORBIDDEN       -> ProjectForbidden, an InvalidRequest (see its docstring)
    429 RATE_LIMITED    -> RateLimited (the transport itself, reading Retry-After)
    500 INTERNAL_ERROR  -> Unavailable

Parsing lives in `weldpulse_models`; this module is the error mapping and a thin client.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal

from bot.clients.parse import iso_z
from bot.clients.spec import CredentialField, Limits, ServiceSpec
from bot.clients.transport import Params, Response, ServiceHTTP, T, from_json
from bot.clients.weldpulse_models import (
    SERVICE,
    DeviceRow,
    EventRow,
    GeoRow,
    PageRow,
    Realtime,
    ReferrerRow,
    Site,
    Stats,
    TimeBucket,
    parse_devices,
    parse_events,
    parse_geo,
    parse_pages,
    parse_realtime,
    parse_referrers,
    parse_sites,
    parse_stats,
    parse_timeseries,
)
from bot.errors import (
    AuthFailed,
    InvalidRequest,
    NotFound,
    ServiceError,
    Unavailable,
)
from bot.redact import scrub

__all__ = [
    "SPEC",
    "DeviceRow",
    "EventRow",
    "GeoRow",
    "Interval",
    "PageRow",
    "ProjectForbidden",
    "Realtime",
    "ReferrerRow",
    "Site",
    "Stats",
    "TimeBucket",
    "WeldPulseClient",
    "decode_error",
]

Interval = Literal["1 hour", "1 day"]
INTERVALS: tuple[Interval, ...] = ("1 hour", "1 day")

_MISSING = re.compile(r"missing required parameters?:\s*(.+)", re.IGNORECASE)


class ProjectForbidden(InvalidRequest):
    """403 FORBIDDEN: the key is valid, but its project cannot be queried.

    The documented cause is "No sites configured for the project". That is not a bad
    credential (401 is AuthFailed; reconnecting the same key would not help), not a plan
    quota and not an unknown ID: the service refuses the request as made against this
    project. It is therefore an `InvalidRequest`, whose sentence shows `detail`, and the
    detail says what to do. Callers may catch this class to say "add a site first".
    """


def _safe(text: str) -> str:
    """A service message fit for a user: key-like tokens masked, kept short."""
    return scrub(text.strip())[:200]


def _body_fields(response: Response) -> tuple[str | None, str | None]:
    try:
        body: Any = response.json()
    except ServiceError:
        return None, None
    if not isinstance(body, Mapping):
        return None, None
    message, code = body.get("error"), body.get("code")
    return (
        _safe(message) if isinstance(message, str) and message.strip() else None,
        code if isinstance(code, str) else None,
    )


def _missing_fields(message: str | None) -> dict[str, list[str]]:
    found = _MISSING.search(message or "")
    if not found:
        return {}
    names = [name.strip() for name in found.group(1).split(",")]
    return {name: ["is required"] for name in names if name}


_CODE_STATUS = {
    "BAD_REQUEST": 400,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "INTERNAL_ERROR": 500,
}


def decode_error(response: Response) -> ServiceError:
    """Map a non-2xx WeldPulse answer to the error tree: by `code`, else by status."""
    status = response.status
    message, code = _body_fields(response)
    kind = _CODE_STATUS.get(code or "", status)
    if kind in (400, 422):
        return InvalidRequest(
            SERVICE, message or f"HTTP {status}", _missing_fields(message), status=status
        )
    if kind == 401:
        return AuthFailed(SERVICE, message or "the API key was rejected", status=status)
    if kind == 403:
        detail = message or "the project behind this API key may not be queried"
        if "site" in detail.lower():
            detail += (
                " — add a site to the project in WeldPulse, or connect an API key of a"
                " project that has one"
            )
        return ProjectForbidden(SERVICE, detail, status=status)
    if kind == 404:
        return NotFound(SERVICE, message or "no such endpoint", status=status)
    if 400 <= kind < 500:
        return InvalidRequest(SERVICE, message or f"HTTP {status}", status=status)
    return Unavailable(SERVICE, message or f"HTTP {status}", status=status)


def _range(start: datetime, end: datetime, *, limit: int | None = None) -> Params:
    """`start`/`end` as the documented `2024-01-01T00:00:00Z`, plus an optional `limit`."""
    for name, moment in (("start", start), ("end", end)):
        if moment.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1")
    return {"start": iso_z(start), "end": iso_z(end), "limit": limit}


class WeldPulseClient:
    """One WeldPulse project, reached through its API key."""

    def __init__(self, transport: ServiceHTTP, credential: Mapping[str, str]) -> None:
        self.transport = transport

    def __repr__(self) -> str:
        return f"WeldPulseClient(base_url={self.transport.base_url!r})"

    async def _get(
        self, path: str, params: Params | None, fresh: bool, parser: Callable[[Any], T]
    ) -> T:
        """The answer at `path`, parsed once however many callers share it."""
        response = await self.transport.get(path, params, fresh=fresh)
        return self.transport.parse(response, from_json(parser))

    async def stats(self, start: datetime, end: datetime, *, fresh: bool = False) -> Stats:
        return await self._get("/v1/stats", _range(start, end), fresh, parse_stats)

    async def pages(
        self, start: datetime, end: datetime, *, limit: int = 10, fresh: bool = False
    ) -> tuple[PageRow, ...]:
        params = _range(start, end, limit=limit)
        return await self._get("/v1/pages", params, fresh, parse_pages)

    async def referrers(
        self, start: datetime, end: datetime, *, limit: int = 10, fresh: bool = False
    ) -> tuple[ReferrerRow, ...]:
        params = _range(start, end, limit=limit)
        return await self._get("/v1/referrers", params, fresh, parse_referrers)

    async def geo(
        self, start: datetime, end: datetime, *, limit: int = 50, fresh: bool = False
    ) -> tuple[GeoRow, ...]:
        params = _range(start, end, limit=limit)
        return await self._get("/v1/geo", params, fresh, parse_geo)

    async def devices(
        self, start: datetime, end: datetime, *, limit: int = 50, fresh: bool = False
    ) -> tuple[DeviceRow, ...]:
        params = _range(start, end, limit=limit)
        return await self._get("/v1/devices", params, fresh, parse_devices)

    async def timeseries(
        self,
        start: datetime,
        end: datetime,
        *,
        interval: Interval = "1 hour",
        fresh: bool = False,
    ) -> tuple[TimeBucket, ...]:
        if interval not in INTERVALS:
            raise ValueError(f"interval must be one of {', '.join(INTERVALS)}")
        params = {**_range(start, end), "interval": interval}
        return await self._get("/v1/timeseries", params, fresh, parse_timeseries)

    async def realtime(self, *, fresh: bool = True) -> Realtime:
        """Visitors of the last 5 minutes. Fresh by default (PRODUCT §6): a cached
        "now" would be a stale one; identical calls in flight are still coalesced."""
        return await self._get("/v1/realtime", None, fresh, parse_realtime)

    async def events(
        self, start: datetime, end: datetime, *, fresh: bool = False
    ) -> tuple[EventRow, ...]:
        return await self._get("/v1/events", _range(start, end), fresh, parse_events)

    async def sites(self, *, fresh: bool = False) -> tuple[Site, ...]:
        return await self._get("/v1/sites", None, fresh, parse_sites)

    async def validate(self) -> str:
        """One `/v1/sites` call proving the key works: "project with N sites"."""
        count = len(await self.sites(fresh=True))
        return f"project with {count} site{'' if count == 1 else 's'}"


SPEC: ServiceSpec[WeldPulseClient] = ServiceSpec(
    key=SERVICE,
    name="WeldPulse",
    default_base_url="https://api.weldpulse.org",
    limits=Limits(per_minute=100),
    credential_fields=(
        CredentialField(
            name="api_key",
            label="API key",
            hint="From your project's API Keys settings; starts with ak_live_",
        ),
    ),
    auth_headers=lambda credential: {"Authorization": f"Bearer {credential['api_key']}"},
    decode_error=decode_error,
    client=WeldPulseClient,
)
