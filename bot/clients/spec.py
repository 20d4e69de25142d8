"""What makes a service a service: its `ServiceSpec`, the one place its facts live.

Each client module (`weldpulse.py`, `raygun.py`, …) exports one frozen `SPEC`: the key and
the name people know it by, the default base URL, its limits (a per-minute window and an
optional per-day budget), the credential fields the connect form asks for, how a
credential becomes request headers, how an error answer becomes the error tree, and the
client class. `ServiceSpec.connect` is the one place a client and its polite transport are
built; `bot.clients.registry` lists the specs, and everything else derives from them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Generic, Protocol, TypeVar

import httpx

from bot.clients.budget import MemoryBudget
from bot.clients.limiter import WindowLimiter
from bot.clients.transport import CallBudget, DecodeError, Manners, ServiceHTTP, SharedLimit
from bot.clock import Clock, SystemClock
from bot.errors import AuthFailed
from bot.redact import header_secrets, secret_values

MINUTE = 60.0


@dataclass(frozen=True, slots=True)
class CredentialField:
    """One input of the connect form. `secret` fields are never shown again; a field that
    is not `required` may be left out of a stored credential (the client still works)."""

    name: str
    label: str
    hint: str
    secret: bool = True
    required: bool = True


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a credential may ask: `per_minute` requests in any minute, and, where the
    service counts them, `per_day` calls a day, the day starting at midnight in
    `day_zone` (the service's own choice, stated in its client module). `documented` is
    False where the service states no limit and the per-minute pace is our own courtesy."""

    per_minute: int
    per_day: int | None = None
    documented: bool = True
    day_zone: tzinfo = UTC

    def describe(self) -> str:
        """As `/pulse services` says it: `100 requests/min`, `50 calls/day`."""
        if self.per_day is not None:
            return f"{self.per_day} calls/day"
        pace = f"{self.per_minute} requests/min"
        return pace if self.documented else f"{pace} (our own pace)"

    def per_day_allowance(self) -> int:
        """Calls a day the credential may make at most, whichever limit binds."""
        return self.per_day if self.per_day is not None else self.per_minute * 1440


class ServiceClient(Protocol):
    """What every client offers besides its own calls."""

    transport: ServiceHTTP

    async def validate(self) -> str:
        """One cheap call proving the credential works; a few words describing what it
        reaches (`project with 2 sites`)."""
        ...


C = TypeVar("C", bound=ServiceClient, covariant=True)


@dataclass(frozen=True, slots=True)
class ServiceSpec(Generic[C]):
    key: str
    name: str
    default_base_url: str
    limits: Limits
    credential_fields: tuple[CredentialField, ...]
    auth_headers: Callable[[Mapping[str, str]], dict[str, str]] = field(repr=False)
    decode_error: DecodeError = field(repr=False)
    client: Callable[[ServiceHTTP, Mapping[str, str]], C] = field(repr=False)
    manners: Manners = field(default_factory=Manners)

    @property
    def env_var(self) -> str:
        """The setting that overrides the base URL, e.g. ``WELDPULSE_BASE_URL``."""
        return f"{self.key.upper()}_BASE_URL"

    def budget_key(self, credential: Mapping[str, str]) -> str:
        """Names the credential's daily budget without revealing it: the first field (the
        application or API key) hashed."""
        first = credential.get(self.credential_fields[0].name, "").strip()
        return f"{self.key}:" + hashlib.sha256(first.encode()).hexdigest()[:16]

    def check(self, credential: Mapping[str, str]) -> dict[str, str]:
        """The credential's fields, trimmed; `AuthFailed` naming what a stored one lacks."""
        values = {f.name: credential.get(f.name, "").strip() for f in self.credential_fields}
        missing = [f.label for f in self.credential_fields if f.required and not values[f.name]]
        if missing:
            raise AuthFailed(self.key, f"the saved credential lacks: {', '.join(missing)}")
        return values

    def connect(
        self,
        http: httpx.AsyncClient,
        credential: Mapping[str, str],
        *,
        base_url: str | None = None,
        clock: Clock | None = None,
        manners: Manners | None = None,
        budget: CallBudget | None = None,
        shared: SharedLimit | None = None,
    ) -> C:
        """A client for `credential`, on a transport keeping to this service's manners."""
        values = self.check(credential)
        clock = clock or SystemClock()
        if budget is None and self.limits.per_day is not None:
            budget = MemoryBudget(self.limits.per_day, clock, zone=self.limits.day_zone)
        manners = manners or self.manners
        transport = ServiceHTTP(
            http=http,
            service=self.key,
            base_url=(base_url or self.default_base_url).rstrip("/"),
            headers={"Accept": "application/json", **self.auth_headers(values)},
            limiter=WindowLimiter(self.limits.per_minute, MINUTE, clock),
            decode_error=self.decode_error,
            clock=clock,
            manners=manners,
            budget=budget,
            shared=shared,
            secrets=secret_values(
                [
                    *(values.get(f.name) for f in self.credential_fields if f.secret),
                    *header_secrets(self.auth_headers(values)),
                ]
            ),
        )
        return self.client(transport, values)
