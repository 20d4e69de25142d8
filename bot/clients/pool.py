"""The workspace's service clients, one long-lived client per credential.

A client owns its credential's manners (limiter, cache, coalescing, budget), so clients
are pooled: every command of a workspace reuses the same client until the credential
changes. `Directory` is what a command sees: the clients of *its* workspace only. Each
client reports its calls' outcome to the credential store, which `/pulse services` shows.

The pool knows storage only through two small protocols (`CredentialStore`,
`BudgetBackend`), which the store's repositories satisfy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx

from bot.clients.budget import BudgetBackend, PersistedBudget
from bot.clients.limiter import SharedWindow, WindowStore
from bot.clients.registry import KEYS
from bot.clients.spec import MINUTE, ServiceClient, ServiceSpec
from bot.clock import Clock
from bot.errors import ConfigError, NotConnected
from bot.team import Team

C = TypeVar("C", bound=ServiceClient)

SUCCESS_WRITE_INTERVAL = 60.0  # seconds between persisted "last success" updates


#: The shared window is a minute and a second: a request is counted when a process takes
#: its place, and the service counts it when it arrives; between the two lie the network
#: and, across processes, scheduling. Measured with bench/several_processes.py: over a
#: plain minute, WeldPulse saw 101 requests in one of its minutes and refused one.
SHARED_MARGIN = 1.0


class CredentialStore(Protocol):
    # decrypted fields by service; a secret no configured key reads is its ConfigError
    async def all_of(self, team: Team) -> dict[str, dict[str, str] | ConfigError]: ...
    async def record_success(self, team: Team, service: str) -> None: ...
    async def record_error(self, team: Team, service: str, message: str) -> None: ...




@dataclass(frozen=True, slots=True)
class Headroom:
    remaining: int
    limit: int
    per: str


def headroom(client: ServiceClient) -> Headroom:
    """How many more calls the credential may make now, for `/pulse services`."""
    budget = client.transport.budget
    if isinstance(budget, PersistedBudget):
        remaining = budget.remaining
        return Headroom(budget.limit if remaining is None else remaining, budget.limit, "day")
    limiter = client.transport.limiter
    return Headroom(limiter.headroom(), limiter.limit, "minute")


class ClientPool:
    """Builds and keeps one client per (workspace, service, credential)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_urls: Mapping[str, str],
        clock: Clock,
        credentials: CredentialStore,
        budgets: BudgetBackend,
        windows: WindowStore | None = None,
    ):
        self.http = http
        self.base_urls = dict(base_urls)
        self.clock = clock
        self.credentials = credentials
        self._budgets = budgets
        self._windows = windows
        self._clients: dict[tuple[str, str], tuple[str, ServiceClient]] = {}

    def build(self, spec: ServiceSpec[C], credential: Mapping[str, str]) -> C:
        """A new client for `credential` (used directly to validate before saving). Its
        daily budget and its per-minute window are kept in storage, so restarts and every
        process share them; the cache and the coalescing stay in this process."""
        key = spec.budget_key(credential)
        budget = None
        if spec.limits.per_day is not None:
            budget = PersistedBudget(
                self._budgets, key, spec.limits.per_day, self.clock, zone=spec.limits.day_zone
            )
        shared = None
        if self._windows is not None:
            shared = SharedWindow(
                self._windows, f"{key}:minute", spec.limits.per_minute, MINUTE + SHARED_MARGIN
            )
        return spec.connect(
            self.http,
            credential,
            base_url=self.base_urls.get(spec.key),
            clock=self.clock,
            budget=budget,
            shared=shared,
        )

    async def directory(self, team: Team) -> Directory:
        """The clients of `team`, its credentials read (and decrypted) once."""
        return Directory(self, team, await self.credentials.all_of(team))

    def client(self, team: Team, spec: ServiceSpec[C], credential: Mapping[str, str]) -> C:
        """The pooled client of `team` for `credential`, built anew when it changed."""
        fingerprint = hashlib.sha256(json.dumps(credential, sort_keys=True).encode()).hexdigest()
        cached = self._clients.get((team.key, spec.key))
        if cached is not None and cached[0] == fingerprint:
            return cached[1]  # type: ignore[return-value]  # built from this spec
        client = self.build(spec, credential)
        client.transport.observer = self._observer(team, spec.key)
        self._clients[(team.key, spec.key)] = (fingerprint, client)
        return client

    def peek(self, team: Team, service: str) -> ServiceClient | None:
        """The pooled client, if one was built (no I/O, no error)."""
        cached = self._clients.get((team.key, service))
        return cached[1] if cached else None

    def forget(self, team: Team, service: str | None = None) -> None:
        for key in list(self._clients):
            if key[0] == team.key and (service is None or key[1] == service):
                del self._clients[key]

    def _observer(self, team: Team, service: str) -> Callable[[str | None], Awaitable[None]]:
        last_write = [float("-inf")]

        async def observe(error: str | None) -> None:
            if error is not None:
                await self.credentials.record_error(team, service, error)
                last_write[0] = float("-inf")
                return
            now = self.clock.monotonic()
            if now - last_write[0] >= SUCCESS_WRITE_INTERVAL:
                last_write[0] = now
                await self.credentials.record_success(team, service)

        return observe


class Directory:
    """The service clients of one workspace, as its credentials stood when it was read."""

    def __init__(
        self,
        pool: ClientPool,
        team: Team,
        credentials: Mapping[str, Mapping[str, str] | ConfigError],
    ) -> None:
        self._pool = pool
        self._team = team
        self._credentials = credentials

    def connected(self) -> list[str]:
        """The keys of the services this workspace connected, in the registry's order."""
        return [key for key in KEYS if key in self._credentials]

    def get(self, spec: ServiceSpec[C]) -> C:
        """This workspace's client for `spec`; `NotConnected` if it has no credential."""
        credential = self._credentials.get(spec.key)
        if credential is None:
            raise NotConnected(spec.key)
        if isinstance(credential, ConfigError):  # stored, but no configured key reads it
            raise credential
        return self._pool.client(self._team, spec, credential)

    async def validate(self, spec: ServiceSpec[Any], credential: Mapping[str, str]) -> str:
        """Prove `credential` works with one cheap call, before it is saved.

        Uses a throwaway client, so a rejected credential leaves no pooled state behind.
        """
        client: ServiceClient = self._pool.build(spec, credential)
        return await client.validate()

    def forget(self, service: str | None = None) -> None:
        self._pool.forget(self._team, service)

    def headroom(self, service: str) -> Headroom | None:
        client = self._pool.peek(self._team, service)
        return headroom(client) if client else None
