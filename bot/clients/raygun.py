"""Raygun Pulse API v1: session search and session detail (seeds/raygun-pulse-api.txt).

`POST /api/v1/pulse/authenticate` with the application's `X-ApiKey` and Basic
`client_id:client_secret` answers a `sessionKey` valid for 15 minutes; every other call
sends it as `X-SessionKey`. The client keeps the key until a minute before it ends, and
when a call is answered 401 it renews the key once and retries once.

Raygun allows 50 calls a day per application, authentication included. Every request
sent is counted by a `CallBudget` *before* it leaves (a spent budget raises
`BudgetExhausted` and sends nothing); answers served from the cache cost nothing. The
budgets (`MemoryBudget`, `PersistedBudget` over a `BudgetBackend`) live in
`raygun_budget` and are re-exported here.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx

from bot.clients.budget import DAILY_LIMIT, BudgetBackend, MemoryBudget, PersistedBudget, budget_key
from bot.clients.parse import CredentialField, iso_z
from bot.clients.raygun_models import (
    SERVICE,
    ErrorInstance,
    Location,
    PageView,
    SessionDetail,
    SessionPage,
    SessionSummary,
    Software,
    User,
    parse_session,
    parse_session_key,
    parse_sessions,
)
from bot.clients.transport import (
    CallBudget,
    Health,
    Manners,
    Params,
    Response,
    ServiceHTTP,
    WindowLimiter,
)
from bot.clock import Clock, SystemClock
from bot.errors import (
    AuthFailed,
    InvalidRequest,
    NotFound,
    RateLimited,
    ServiceError,
    Unavailable,
)

__all__ = [
    "CREDENTIAL_FIELDS",
    "DAILY_LIMIT",
    "DEFAULT_BASE_URL",
    "LIMIT",
    "SERVICE",
    "WINDOW",
    "BudgetBackend",
    "ErrorInstance",
    "Location",
    "MemoryBudget",
    "PageView",
    "PersistedBudget",
    "RaygunClient",
    "SessionDetail",
    "SessionPage",
    "SessionSummary",
    "Software",
    "User",
    "budget_key",
    "decode_error",
]

DEFAULT_BASE_URL = "https://api.raygun.com"
CREDENTIAL_FIELDS: tuple[CredentialField, ...] = (
    CredentialField("api_key", "Application API key", "Raygun → Application settings → API key"),
    CredentialField(
        "client_id", "Client ID", "Plan settings → Consumers → Register Application", secret=False
    ),
    CredentialField("client_secret", "Client secret", "Shown beside the client ID"),
)
LIMIT = DAILY_LIMIT  # documented: 50 calls ...
WINDOW = 86_400.0  # ... per (UTC) day, enforced by the CallBudget, which knows midnight.
# The in-memory limiter counts the same 50 over a minute instead: it binds only if a whole
# day's calls are squeezed into one minute, and a 429 without Retry-After pauses a minute.
BURST_WINDOW = 60.0

AUTH_PATH = "/api/v1/pulse/authenticate"
SESSIONS_PATH = "/api/v1/pulse/sessions"
SESSION_PATH = "/api/v1/pulse/session"
SESSION_KEY_LIFETIME = 15 * 60.0
SESSION_KEY_MARGIN = 60.0
MAX_PAGE = 500

DEFAULT_MANNERS = Manners(cache_ttl=300.0, retries=1, timeout=30.0)
"""Raygun's manners. With 50 calls a day, a 60 s cache would let a few people re-running
`/pulse sessions` spend the day's budget in minutes; session searches over past ranges
change slowly, so answers are kept 5 minutes (`fresh=True` still bypasses). A retry costs
a call too, so a failed GET is retried once, not twice. All calls time out after 30 s,
as documented."""


# ---- errors ---------------------------------------------------------------------------

_TOKENISH = re.compile(r"[A-Za-z0-9+/=_-]{24,}")


def _message_and_fields(response: Response) -> tuple[str | None, dict[str, list[str]]]:
    try:
        body: Any = response.json()
    except ServiceError:
        return None, {}
    if not isinstance(body, Mapping):
        return None, {}
    message = next(
        (body[k] for k in ("message", "Message", "error") if isinstance(body.get(k), str)), None
    )
    fields: dict[str, list[str]] = {}
    errors = body.get("errors")
    if isinstance(errors, Mapping):
        for name, problems in errors.items():
            if isinstance(problems, list) and all(isinstance(p, str) for p in problems):
                fields[str(name)] = [str(p) for p in problems]
    safe = _TOKENISH.sub("…", message.strip())[:200] if message and message.strip() else None
    return safe, fields


def decode_error(response: Response) -> ServiceError:
    """Map a non-2xx Raygun answer (bodies are undocumented) to the error tree by status."""
    status = response.status
    message, fields = _message_and_fields(response)
    if status in (400, 422):
        detail = message or "check the dates and filters"
        return InvalidRequest(SERVICE, detail, fields, status=status)
    if status in (401, 403):
        detail = message or "the application API key, client ID or client secret was rejected"
        return AuthFailed(SERVICE, detail, status=status)
    if status == 404:
        return NotFound(SERVICE, message or "no such session", status=status)
    if status == 429:
        return RateLimited(SERVICE, BURST_WINDOW, status=status)
    if 400 <= status < 500:
        return InvalidRequest(SERVICE, message or f"HTTP {status}", status=status)
    return Unavailable(SERVICE, message or f"HTTP {status}", status=status)


# ---- the client -----------------------------------------------------------------------


class RaygunClient:
    """One Raygun application, reached through its API key and a consumer app's client ID
    and secret. `budget=None` keeps the daily budget in memory; the app passes a
    `PersistedBudget(backend, budget_key(api_key))` so restarts keep the count."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        credential: Mapping[str, str],
        base_url: str = DEFAULT_BASE_URL,
        clock: Clock | None = None,
        manners: Manners | None = None,
        budget: CallBudget | None = None,
    ) -> None:
        values = {f.name: credential.get(f.name, "").strip() for f in CREDENTIAL_FIELDS}
        missing = [f.label for f in CREDENTIAL_FIELDS if not values[f.name]]
        if missing:
            raise AuthFailed(SERVICE, f"the saved credential lacks: {', '.join(missing)}")
        self._clock = clock = clock or SystemClock()
        manners = manners or DEFAULT_MANNERS
        if manners.timeout is None:
            manners = replace(manners, timeout=DEFAULT_MANNERS.timeout)
        self.budget = budget if budget is not None else MemoryBudget(DAILY_LIMIT, clock)
        self.budget_key = budget_key(values["api_key"])
        self._key_tail = values["api_key"][-4:]
        basic = base64.b64encode(f"{values['client_id']}:{values['client_secret']}".encode())
        self._session_headers = {"Accept": "application/json"}
        auth_headers = dict(
            {
                "Accept": "application/json",
                "X-ApiKey": values["api_key"],
                "Authorization": f"Basic {basic.decode()}",
            }
        )
        limiter, health = WindowLimiter(LIMIT, BURST_WINDOW, clock), Health()

        def transport(headers: Mapping[str, str]) -> ServiceHTTP:
            return ServiceHTTP(
                http=http,
                service=SERVICE,
                base_url=base_url,
                headers=headers,
                limiter=limiter,
                decode_error=decode_error,
                clock=clock,
                manners=manners,
                budget=self.budget,
                health=health,
            )

        self.transport = transport(self._session_headers)
        # Authentication shares limiter, budget and health with the data calls but has
        # its own headers and cache, so renewing the key never drops cached answers.
        self._auth = transport(auth_headers)
        self._session_key: str | None = None
        self._key_expires = 0.0
        self._auth_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"RaygunClient(base_url={self.transport.base_url!r}, key=…{self._key_tail})"

    async def authenticate(self) -> None:
        """Get a new session key (one budgeted call); it is kept until shortly before
        its 15 minutes end."""
        response = await self._auth.send("POST", AUTH_PATH)
        key = parse_session_key(response.json())
        self._session_key = key
        self._session_headers["X-SessionKey"] = key
        self._key_expires = self._clock.monotonic() + SESSION_KEY_LIFETIME - SESSION_KEY_MARGIN

    async def _ensure_key(self, stale: str | None = None) -> str | None:
        """The current session key, authenticating when there is none, it is about to
        end, or it is `stale` (was just refused) and nobody has renewed it yet."""
        async with self._auth_lock:
            key = self._session_key
            if key is None or key == stale or self._clock.monotonic() >= self._key_expires:
                await self.authenticate()
            return self._session_key

    async def _get(self, path: str, params: Params, fresh: bool) -> Any:
        if not fresh and self.transport.cached(path, params):  # costs nothing, needs no key
            return (await self.transport.get(path, params)).json()
        key = await self._ensure_key()
        try:
            response = await self.transport.get(path, params, fresh=fresh)
        except AuthFailed as exc:
            if exc.status != 401:
                raise
            await self._ensure_key(stale=key)
            response = await self.transport.get(path, params, fresh=True)
        return response.json()

    async def sessions(
        self,
        date_from: datetime,
        date_to: datetime,
        *,
        user_identifier: str | None = None,
        countries: Sequence[str] = (),
        user_type: str | None = None,
        limit: int = 50,
        max_sessions: int = 500,
        fresh: bool = False,
    ) -> SessionPage:
        """Sessions in the range, pages followed via `skip` until the
        service has no more or `max_sessions` are collected. `limit` is the page size
        (at most 500); every page is one budgeted call, so prefer large pages."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
        if max_sessions < 1:
            raise ValueError("max_sessions must be at least 1")
        for name, moment in (("date_from", date_from), ("date_to", date_to)):
            if moment.tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware")
        query: dict[str, str | int | None] = {
            "dateFrom": iso_z(date_from),
            "dateTo": iso_z(date_to),
            "userIdentifier": user_identifier,
            "country": ",".join(countries) or None,
            "userType": user_type,
        }
        found: list[SessionSummary] = []
        while True:
            want = min(limit, max_sessions - len(found))
            params = {**query, "skip": len(found), "limit": want}
            page = parse_sessions(await self._get(SESSIONS_PATH, params, fresh))
            found.extend(page.sessions[:want])
            total = page.total
            if len(page.sessions) < want or len(found) >= min(total, max_sessions):
                break
        return SessionPage(total, tuple(found), truncated=len(found) < total)

    async def session(self, session_id: int, *, fresh: bool = False) -> SessionDetail:
        """One session in full: satisfaction, page views, errors, location, user."""
        try:
            body = await self._get(SESSION_PATH, {"id": session_id}, fresh)
        except NotFound as exc:
            raise NotFound(SERVICE, f"no session {session_id}", status=exc.status) from exc
        return parse_session(body)

    async def validate(self) -> str:
        """Authenticate once (one call of the daily budget) to prove the credential."""
        await self.authenticate()
        return f"application key …{self._key_tail}"
