"""Pulsetracker HTTP API client: apps (with monthly message quota) and devices.

Documented: Bearer token; `GET/POST /api/apps` (12 per page, `page`), `GET/PUT
/api/apps/{key}`, `GET /api/devices?page=&appKey=`, `GET /api/devices/{key}`. POST answers
201 `{"data"}`, 403 when the plan's quota is exceeded, 422 on validation errors; PUT may
answer a bare JSON string or number. Pulsetracker documents no rate limit, so the limiter
keeps to a conservative 60 requests a minute per credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from bot.clients.parse import CredentialField
from bot.clients.pulsetracker_models import (
    MONTHLY_MESSAGES_DEFAULT,
    SERVICE,
    App,
    AppList,
    AppPage,
    Device,
    DevicePage,
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
from bot.clients.transport import Manners, Params, Response, ServiceHTTP, WindowLimiter
from bot.clock import Clock, SystemClock
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
    "CREDENTIAL_FIELDS",
    "DEFAULT_BASE_URL",
    "LIMIT",
    "MONTHLY_MESSAGES_DEFAULT",
    "SERVICE",
    "WINDOW",
    "App",
    "AppList",
    "AppPage",
    "Device",
    "DevicePage",
    "LastLocation",
    "PulsetrackerClient",
    "QuotaMonth",
    "decode_error",
    "quota_fraction",
]

DEFAULT_BASE_URL = "https://www.pulsestracker.com"
CREDENTIAL_FIELDS: tuple[CredentialField, ...] = (
    CredentialField(
        "token",
        "API token",
        "The Bearer token from your Pulsetracker account's API settings.",
        secret=True,
    ),
)
# Not documented by Pulsetracker: a conservative 60 requests per 60 seconds per credential.
LIMIT = 60
WINDOW = 60.0

APPS_PATH = "/api/apps"
APP_PATH = "/api/apps/{key}"
DEVICES_PATH = "/api/devices"
DEVICE_PATH = "/api/devices/{key}"


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
            raise AuthFailed(SERVICE, "no API token is stored for Pulsetracker")
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

    async def apps(self, page: int = 1, *, fresh: bool = False) -> AppPage:
        """One page of the account's apps (12 a page)."""
        params: Params = {"page": _page_number(page)}
        return parse_app_page(await self._get(APPS_PATH, params, "no such page", fresh=fresh))

    async def all_apps(self, max_pages: int = 10, *, fresh: bool = False) -> AppList:
        """Every app, page after page up to `max_pages`."""
        if max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        page = await self.apps(1, fresh=fresh)
        apps = list(page.apps)
        while page.current_page < page.last_page:
            if page.current_page >= max_pages:
                return AppList(tuple(apps), page.total, truncated=True)
            page = await self.apps(page.current_page + 1, fresh=fresh)
            apps.extend(page.apps)
        return AppList(tuple(apps), page.total, truncated=False)

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
    ) -> DevicePage:
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
