"""Pulsetracker HTTP API client: apps (with monthly message quota) and devices.

Documented: Bearer token; `GET/POST /api/apps` (12 per page, `page`), `GET/PUT
/api/apps/{key}`, `GET /api/devices?page=&appKey=`, `GET /api/devices/{key}`. POST answers
201 `{"data"}`, 403 when the plan's quota is exceeded, 422 on validation errors; PUT may
answer a bare JSON string or number. Pulsetracker documents no rate limit, so the spec
keeps to a conservative 60 requests a minute per credential.

The API reports each app's messages sent per month, never the plan's monthly allowance.
It is unknown unless an admin enters it with the credential (the optional `allowance`
field: messages a month per app); without it nothing is a percentage of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from bot.clients.paging import Page, collect
from bot.clients.pulsetracker_models import (
    SERVICE,
    App,
    AppList,
    Device,
    LastLocation,
    QuotaMonth,
    parse_app,
    parse_app_page,
    parse_device,
    parse_device_page,
    parse_error,
    parse_renamed,
    quota_fraction,
)
from bot.clients.spec import CredentialField, Limits, ServiceSpec
from bot.clients.transport import Params, Response, ServiceHTTP
from bot.errors import (
    AuthFailed,
    BadResponse,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    ServiceError,
    Unavailable,
)

__all__ = [
    "ALLOWANCE_FIELD",
    "SPEC",
    "App",
    "AppList",
    "Device",
    "LastLocation",
    "PulsetrackerClient",
    "QuotaMonth",
    "decode_error",
    "parse_allowance",
    "quota_fraction",
]

APPS_PATH = "/api/apps"
APP_PATH = "/api/apps/{key}"
DEVICES_PATH = "/api/devices"
DEVICE_PATH = "/api/devices/{key}"
MAX_ALLOWANCE = 10**12
_GROUPING = re.compile(r"(?<=\d)[,_ \u00a0\u202f](?=\d{3}(?!\d))", re.ASCII)

ALLOWANCE_FIELD = CredentialField(
    "allowance",
    "Monthly messages per app",
    "Your plan's monthly messages per app, e.g. 10000. Pulsetracker's API does not report "
    "it; left empty, no percentage of it is shown.",
    secret=False,
    required=False,
)


def parse_allowance(text: str | None) -> int | None:
    """The allowance an admin entered: a whole number of messages (`10000`, `10,000`);
    None when left empty. Anything else is an `InvalidRequest` naming the field."""
    raw = (text or "").strip()
    if not raw:
        return None
    digits = _GROUPING.sub("", raw)
    if not digits.isascii() or not digits.isdigit() or len(digits) > 13:
        value = None
    else:
        value = int(digits)
    if value is None or not 1 <= value <= MAX_ALLOWANCE:
        problem = "a whole number of messages a month, such as 10000, or nothing"
        raise InvalidRequest(SERVICE, f"the allowance must be {problem}", {"allowance": [problem]})
    return value


def decode_error(response: Response) -> ServiceError:
    """Map a non-2xx Pulsetracker answer (other than 429/502-504) to the error tree."""
    status = response.status
    try:
        message, field_errors = parse_error(response.json())
    except BadResponse:
        message, field_errors = None, {}
    if status == 401:
        return AuthFailed(SERVICE, message or "the API token was rejected", status=status)
    if status == 403:
        if message and "quota" in message.lower():
            return QuotaExceeded(SERVICE, message, status=status)
        return AuthFailed(SERVICE, message or "the token may not do this", status=status)
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


def _segment(key: str, what: str) -> str:
    text = key.strip()
    if not text:
        raise InvalidRequest(SERVICE, f"a {what} key is needed", {"key": ["is required"]})
    return quote(text, safe="")


def _name(name: str) -> str:
    text = name.strip()
    if not text:
        raise InvalidRequest(SERVICE, "the app needs a name", {"name": ["is required"]})
    return text


def _page_number(page: int) -> int:
    if page < 1:
        raise InvalidRequest(SERVICE, "pages start at 1", {"page": ["must be at least 1"]})
    return page


class PulsetrackerClient:
    """One workspace's Pulsetracker credential."""

    def __init__(self, transport: ServiceHTTP, credential: Mapping[str, str]) -> None:
        self.transport = transport
        #: messages a month per app, as an admin entered it; None: unknown
        self.allowance = parse_allowance(credential.get(ALLOWANCE_FIELD.name))

    def __repr__(self) -> str:
        return f"PulsetrackerClient(base_url={self.transport.base_url!r})"

    async def _get(self, path: str, params: Params | None, missing: str, *, fresh: bool) -> Any:
        try:
            response = await self.transport.get(path, params, fresh=fresh)
        except NotFound as exc:
            raise NotFound(SERVICE, missing, status=exc.status) from exc
        return response.json()

    async def _send(self, method: str, path: str, body: Any, missing: str) -> Response:
        try:
            return await self.transport.send(method, path, json_body=body)
        except NotFound as exc:
            raise NotFound(SERVICE, missing, status=exc.status) from exc

    async def _apps_page(self, path: str, params: Params, fresh: bool) -> Page[App]:
        return parse_app_page(await self._get(path, params, "no such page", fresh=fresh))

    async def apps(self, page: int = 1, *, fresh: bool = False) -> Page[App]:
        """One page of the account's apps (12 a page)."""
        return await self._apps_page(APPS_PATH, {"page": _page_number(page)}, fresh)

    async def all_apps(self, max_pages: int = 10, *, fresh: bool = False) -> AppList:
        """Every app, page after page up to `max_pages`."""

        async def fetch(path: str, params: Params) -> Page[App]:
            return await self._apps_page(path, params, fresh)

        found = await collect(fetch, APPS_PATH, {"page": 1}, max_pages=max_pages)
        return AppList(found.items, found.total, found.truncated)

    async def app(self, key: str, *, fresh: bool = False) -> App:
        path = APP_PATH.format(key=_segment(key, "app"))
        return parse_app(await self._get(path, None, f"no app with key {key!r}", fresh=fresh))

    async def create_app(self, name: str) -> App:
        """Create an app; `QuotaExceeded` (with the service's sentence) when the plan is full."""
        body = {"name": _name(name)}
        response = await self._send("POST", APPS_PATH, body, "the apps endpoint is gone")
        return parse_app(response.json())

    async def rename_app(self, key: str, name: str) -> str:
        """Rename an app; returns the name the service now holds."""
        path, wanted = APP_PATH.format(key=_segment(key, "app")), _name(name)
        response = await self._send("PUT", path, {"name": wanted}, f"no app with key {key!r}")
        if response.status == 204 or not response.content.strip():
            return wanted  # an empty success says nothing more than "done"
        return parse_renamed(response.json())

    async def devices(
        self, app_key: str | None = None, page: int = 1, *, fresh: bool = False
    ) -> Page[Device]:
        """One page of devices, optionally of one app only."""
        params: Params = {"page": _page_number(page), "appKey": app_key or None}
        missing = f"no app with key {app_key!r}" if app_key else "no such page"
        return parse_device_page(await self._get(DEVICES_PATH, params, missing, fresh=fresh))

    async def device(self, key: str, *, fresh: bool = False) -> Device:
        path = DEVICE_PATH.format(key=_segment(key, "device"))
        missing = f"no device with key {key!r}"
        return parse_device(await self._get(path, None, missing, fresh=fresh))

    async def validate(self) -> str:
        """List the first page of apps: proves the token works."""
        page = await self.apps(1, fresh=True)
        return f"{page.total} app" + ("" if page.total == 1 else "s")


SPEC: ServiceSpec[PulsetrackerClient] = ServiceSpec(
    key=SERVICE,
    name="Pulsetracker",
    default_base_url="https://www.pulsestracker.com",
    limits=Limits(per_minute=60, documented=False),
    credential_fields=(
        CredentialField(
            "token", "API token", "The Bearer token from your Pulsetracker account's API settings."
        ),
        ALLOWANCE_FIELD,
    ),
    auth_headers=lambda credential: {"Authorization": f"Bearer {credential['token']}"},
    decode_error=decode_error,
    client=PulsetrackerClient,
)
