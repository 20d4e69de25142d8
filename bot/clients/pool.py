"""The workspace's service clients, one long-lived client per credential.

A client owns its credential's manners (limiter, cache, coalescing, budget), so clients
are pooled: every command of a workspace reuses the same client until the credential
changes. `Directory` is what a command sees: the clients of *its* workspace only.
Each client reports its calls' outcome to storage, which `/pulse services` shows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

import httpx

from bot.clients import pulsepro, pulsetracker, raygun, weldpulse, whatpulse
from bot.clients.parse import CredentialField
from bot.clients.pulsepro import PulseProClient
from bot.clients.pulsetracker import PulsetrackerClient
from bot.clients.raygun import PersistedBudget, RaygunClient
from bot.clients.weldpulse import WeldPulseClient
from bot.clients.whatpulse import WhatPulseClient
from bot.clock import Clock
from bot.config import SERVICES
from bot.errors import NotConnected
from bot.store import Store
from bot.team import Team

Client = WeldPulseClient | RaygunClient | WhatPulseClient | PulsetrackerClient | PulseProClient
C = TypeVar("C", bound=Client)

CLIENT_CLASSES: Mapping[str, Callable[..., Client]] = {
    "weldpulse": WeldPulseClient,
    "raygun": RaygunClient,
    "whatpulse": WhatPulseClient,
    "pulsetracker": PulsetrackerClient,
    "pulsepro": PulseProClient,
}
CREDENTIAL_FIELDS: Mapping[str, tuple[CredentialField, ...]] = {
    "weldpulse": weldpulse.CREDENTIAL_FIELDS,
    "raygun": raygun.CREDENTIAL_FIELDS,
    "whatpulse": whatpulse.CREDENTIAL_FIELDS,
    "pulsetracker": pulsetracker.CREDENTIAL_FIELDS,
    "pulsepro": pulsepro.CREDENTIAL_FIELDS,
}
LIMITS: Mapping[str, str] = {
    "weldpulse": "100 requests/min",
    "raygun": "50 calls/day",
    "whatpulse": "60 requests/min (our own pace)",
    "pulsetracker": "60 requests/min (our own pace)",
    "pulsepro": "60 requests/min",
}
SUCCESS_WRITE_INTERVAL = 60.0  # seconds between persisted "last success" updates


class StoreBudgetBackend:
    """Raygun's daily budget kept in the `call_budgets` table (survives restarts)."""

    def __init__(self, store: Store):
        self._store = store

    async def try_spend(self, budget_key: str, limit: int, now: datetime) -> tuple[bool, int]:
        return self._store.budgets.try_spend(budget_key, limit, now)


@dataclass(frozen=True, slots=True)
class Headroom:
    remaining: int
    limit: int
    per: str


class ClientPool:
    """Builds and keeps one client per (workspace, service, credential)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_urls: Mapping[str, str],
        clock: Clock,
        store: Store,
    ):
        self.http = http
        self.base_urls = dict(base_urls)
        self.clock = clock
        self.store = store
        self._clients: dict[tuple[str, str], tuple[str, Client]] = {}

    def build(self, service: str, credential: Mapping[str, str]) -> Client:
        """A new client for `credential` (used directly to validate before saving)."""
        base_url = self.base_urls[service]
        if service == "raygun":  # the only one whose budget lives in the database
            key = raygun.budget_key(credential.get("api_key", ""))
            budget = PersistedBudget(StoreBudgetBackend(self.store), key, clock=self.clock)
            return RaygunClient(
                self.http,
                credential=credential,
                base_url=base_url,
                clock=self.clock,
                budget=budget,
            )
        return CLIENT_CLASSES[service](
            self.http, credential=credential, base_url=base_url, clock=self.clock
        )

    def get(self, team: Team, service: str) -> Client:
        credential = self.store.credentials.get(team, service)
        if credential is None:
            self._clients.pop((team.key, service), None)
            raise NotConnected(service)
        fingerprint = hashlib.sha256(json.dumps(credential, sort_keys=True).encode()).hexdigest()
        cached = self._clients.get((team.key, service))
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        client = self.build(service, credential)
        client.transport.observer = self._observer(team, service)
        self._clients[(team.key, service)] = (fingerprint, client)
        return client

    def peek(self, team: Team, service: str) -> Client | None:
        """The pooled client, if one was built (no I/O, no error)."""
        cached = self._clients.get((team.key, service))
        return cached[1] if cached else None

    def forget(self, team: Team, service: str | None = None) -> None:
        for key in list(self._clients):
            if key[0] == team.key and (service is None or key[1] == service):
                del self._clients[key]

    def _observer(self, team: Team, service: str) -> Any:
        last_write = [float("-inf")]

        def observe(error: str | None) -> None:
            if error is not None:
                self.store.credentials.record_error(team, service, error)
                last_write[0] = float("-inf")
                return
            now = self.clock.monotonic()
            if now - last_write[0] >= SUCCESS_WRITE_INTERVAL:
                self.store.credentials.record_success(team, service)
                last_write[0] = now

        return observe


def headroom(client: Client) -> Headroom:
    """How many more calls the credential may make now, for `/pulse services`."""
    if isinstance(client, RaygunClient):
        budget = client.budget
        remaining = getattr(budget, "remaining", None)
        limit = getattr(budget, "limit", raygun.DAILY_LIMIT)
        if remaining is None:
            remaining = limit
        return Headroom(int(remaining), int(limit), "day")
    limiter = client.transport.limiter
    return Headroom(limiter.headroom(), limiter.limit, "minute")


class Directory:
    """The service clients of one workspace."""

    def __init__(self, pool: ClientPool, team: Team):
        self._pool = pool
        self._team = team

    def connected(self) -> list[str]:
        have = set(self._pool.store.credentials.services(self._team))
        return [s for s in SERVICES if s in have]

    def _typed(self, service: str, kind: type[C]) -> C:
        return cast(C, self._pool.get(self._team, service))

    def weldpulse(self) -> WeldPulseClient:
        return self._typed("weldpulse", WeldPulseClient)

    def raygun(self) -> RaygunClient:
        return self._typed("raygun", RaygunClient)

    def whatpulse(self) -> WhatPulseClient:
        return self._typed("whatpulse", WhatPulseClient)

    def pulsetracker(self) -> PulsetrackerClient:
        return self._typed("pulsetracker", PulsetrackerClient)

    def pulsepro(self) -> PulseProClient:
        return self._typed("pulsepro", PulseProClient)

    async def validate(self, service: str, credential: Mapping[str, str]) -> str:
        """Prove `credential` works with one cheap call, before it is saved.

        Uses a throwaway client, so a rejected credential leaves no pooled state behind.
        """
        return await self._pool.build(service, credential).validate()

    def forget(self, service: str | None = None) -> None:
        self._pool.forget(self._team, service)

    def headroom(self, service: str) -> Headroom | None:
        client = self._pool.peek(self._team, service)
        return headroom(client) if client else None
