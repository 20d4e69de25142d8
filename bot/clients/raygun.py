"""Raygun Pulse API v1: session search and session detail (seeds/raygun-pulse-api.txt).

`/api/v1/pulse/authenticate` with the application's `X-ApiKey` and Basic
`client_id:client_secret` answers a `sessionKey` valid for 15 minutes; every other call
sends it as `X-SessionKey` instead of the credential. The client keeps the key until a
minute before it ends, and when a call is answered 401 it renews the key once and
retries once.

Where the document leaves a detail open, the safe reading is chosen here, in one place:

- `authenticate` is declared `GET`, but its example sends `POST`. The client sends the
  declared `GET`; answered 404 or 405, it tries `POST` once and keeps to whichever worked
  for this credential (`AUTH_DECLARED`, `AUTH_EXAMPLE`).
- "50 calls per day" does not say whose day. Raygun's datetimes are all UTC, so its day is
  taken to start at UTC midnight (`DAY_ZONE`); correct it there if Raygun says otherwise.
- 429 means "too many requests within the specified period", and the only period Raygun
  documents is the day: a 429 spends the rest of the day (the transport's `CallBudget`),
  unless its `Retry-After` names an earlier or later moment.

Raygun allows 50 calls a day per application, authentication included: the spec's
`Limits.per_day`, counted by the transport's `CallBudget` *before* a request leaves (a
spent budget raises `BudgetExhausted` and sends nothing); answers served from the cache
cost nothing.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.clients.parse import iso_z
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
from bot.clients.spec import CredentialField, Limits, ServiceSpec
from bot.clients.transport import Manners, Params, Response, ServiceHTTP
from bot.errors import (
    AuthFailed,
    InvalidRequest,
    NotFound,
    ServiceError,
    Unavailable,
)

__all__ = [
    "SPEC",
    "ErrorInstance",
    "Location",
    "PageView",
    "RaygunClient",
    "SessionDetail",
    "SessionPage",
    "SessionSummary",
    "Software",
    "User",
    "decode_error",
]

AUTH_PATH = "/api/v1/pulse/authenticate"
SESSIONS_PATH = "/api/v1/pulse/sessions"
SESSION_PATH = "/api/v1/pulse/session"
SESSION_KEY_LIFETIME = 15 * 60.0
SESSION_KEY_MARGIN = 60.0
MAX_PAGE = 500
AUTH_DECLARED, AUTH_EXAMPLE = "GET", "POST"
"""How `authenticate` is sent: as the document declares it, else as its example does."""
WRONG_METHOD = frozenset({404, 405})  # what a server says to a method it does not route
DAY_ZONE = UTC
"""Where Raygun's day (and its 50 calls) starts: not documented; UTC midnight assumed."""

MANNERS = Manners(cache_ttl=300.0, retries=1, deadline=12.0)
"""Raygun's manners. With 50 calls a day, a 60 s cache would let a few people re-running
`/pulse sessions` spend the day's budget in minutes; session searches over past ranges
change slowly, so answers are kept 5 minutes (`fresh=True` still bypasses). A retry costs
a call too, so a failed GET is retried once, not twice. Raygun documents a 30 s timeout
on its side; a person waiting for an answer is told after 12 s instead."""


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
    if 400 <= status < 500:
        return InvalidRequest(SERVICE, message or f"HTTP {status}", status=status)
    return Unavailable(SERVICE, message or f"HTTP {status}", status=status)


# ---- the client -----------------------------------------------------------------------


class RaygunClient:
    """One Raygun application, reached through its API key and a consumer app's client ID
    and secret (the transport's own headers, used only to authenticate)."""

    def __init__(self, transport: ServiceHTTP, credential: Mapping[str, str]) -> None:
        self.transport = transport
        self._clock = transport.clock
        self._key_tail = credential["api_key"][-4:]
        self._session_key: str | None = None
        self._key_expires = 0.0
        self._auth_lock = asyncio.Lock()
        self.auth_method = AUTH_DECLARED  # what worked for this credential

    def __repr__(self) -> str:
        return f"RaygunClient(base_url={self.transport.base_url!r}, key=…{self._key_tail})"

    async def authenticate(self) -> None:
        """Get a new session key (one budgeted call; two the first time if `GET` is not
        routed and `POST` is); it is kept until shortly before its 15 minutes end."""
        method = self.auth_method
        try:
            response = await self.transport.send(method, AUTH_PATH, invalidates=False)
        except ServiceError as exc:
            if method != AUTH_DECLARED or exc.status not in WRONG_METHOD:
                raise
            method = AUTH_EXAMPLE
            response = await self.transport.send(method, AUTH_PATH, invalidates=False)
        self.auth_method = method
        key = parse_session_key(response.json())
        self._session_key = key
        self._key_expires = self._clock.monotonic() + SESSION_KEY_LIFETIME - SESSION_KEY_MARGIN

    async def _ensure_key(self, stale: str | None = None) -> str:
        """The current session key, authenticating when there is none, it is about to
        end, or it is `stale` (was just refused) and nobody has renewed it yet."""
        async with self._auth_lock:
            key = self._session_key
            if key is None or key == stale or self._clock.monotonic() >= self._key_expires:
                await self.authenticate()
            assert self._session_key is not None
            return self._session_key

    async def _get(self, path: str, params: Params, fresh: bool) -> Any:
        if not fresh and self.transport.cached(path, params):  # costs nothing, needs no key
            return (await self.transport.get(path, params)).json()
        key = await self._ensure_key()
        try:
            response = await self.transport.get(path, params, fresh=fresh, headers=_session(key))
        except AuthFailed as exc:
            if exc.status != 401:
                raise
            key = await self._ensure_key(stale=key)
            response = await self.transport.get(path, params, fresh=True, headers=_session(key))
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


def _session(key: str) -> dict[str, str]:
    """Headers of a data call: the session key, never the credential that obtained it."""
    return {"Accept": "application/json", "X-SessionKey": key}


def _auth_headers(credential: Mapping[str, str]) -> dict[str, str]:
    basic = base64.b64encode(f"{credential['client_id']}:{credential['client_secret']}".encode())
    return {"X-ApiKey": credential["api_key"], "Authorization": f"Basic {basic.decode()}"}


SPEC: ServiceSpec[RaygunClient] = ServiceSpec(
    key=SERVICE,
    name="Raygun Pulse",
    default_base_url="https://api.raygun.com",
    # 50 calls a day (from UTC midnight: DAY_ZONE) per application, counted by the daily
    # budget; a 429 spends what is left of the day (or until its Retry-After). The
    # per-minute window counts the same 50, so it binds only if a whole day's calls come
    # at once.
    limits=Limits(per_minute=50, per_day=50, day_zone=DAY_ZONE),
    credential_fields=(
        CredentialField(
            "api_key", "Application API key", "Raygun → Application settings → API key"
        ),
        CredentialField(
            "client_id",
            "Client ID",
            "Plan settings → Consumers → Register Application",
            secret=False,
        ),
        CredentialField("client_secret", "Client secret", "Shown beside the client ID"),
    ),
    auth_headers=_auth_headers,
    decode_error=decode_error,
    client=RaygunClient,
    manners=MANNERS,
)
