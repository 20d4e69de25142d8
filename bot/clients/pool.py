"""The workspace's service clients, one long-lived client per credential.

A client owns its credential's manners (limiter, cache, coalescing, budget), so clients
are pooled: every command of a workspace reuses the same client until the credential
changes. `Directory` is what a command sees: the clients of *its* workspace only. Each
client reports its calls' outcome to the credential store, which `/pulse services` shows.

The pool knows storage only through two small protocols (`CredentialStore`,
`BudgetStore`), which the store's repositories satisfy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import httpx

from bot.clients.budget import PersistedBudget
from bot.clients.registry import KEYS
from bot.clients.spec import ServiceClient, ServiceSpec
from bot.clock import Clock
from bot.errors import NotConnected
from bot.team import Team

C = TypeVar("C", bound=ServiceClient)

SUCCESS_WRITE_INTERVAL = 60.0  # seconds between persisted "last success" updates


class CredentialStore(Protocol):
    def get(self, team: Team, service: str) -> dict[str, str] | None: ...
    def services(self, team: Team) -> list[str]: ...
    def record_success(self, team: Team, service: str) -> None: ...
    def record_error(self, team: Team, service: str, message: str) -> None: ...


class BudgetStore(Protocol):
    def try_spend(self, budget_key: str, limit: int, now: datetime) -> tuple[bool, int]: ...


class _BudgetBackend:
    """A `BudgetStore` as the async `BudgetBackend` a `PersistedBudget` wants."""

    def __init__(self, budgets: BudgetStore):
        self._budgets = budgets

    async def try_spend(self, budget_key: str, limit: int, now: datetime) -> tuple[bool, int]:
        return self._budgets.try_spend(budget_key, limit, now)


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
        budgets: BudgetStore,
    ):
        self.http = http
        self.base_urls = dict(base_urls)
        self.clock = clock
        self.credentials = credentials
        self._budgets = _BudgetBackend(budgets)
        self._clients: dict[tuple[str, str], tuple[str, ServiceClient]] = {}

    def build(self, spec: ServiceSpec[C], credential: Mapping[str, str]) -> C:
        """A new client for `credential` (used directly to validate before saving)."""
        budget = None
        if spec.limits.per_day is not None:  # kept in the database: restarts share it
            key = spec.budget_key(credential)
            budget = PersistedBudget(self._budgets, key, spec.limits.per_day, self.clock)
        return spec.connect(
            self.http,
            credential,
            base_url=self.base_urls.get(spec.key),
            clock=self.clock,
            budget=budget,
        )

    def get(self, team: Team, spec: ServiceSpec[C]) -> C:
        credential = self.credentials.get(team, spec.key)
        if credential is None:
            self._clients.pop((team.key, spec.key), None)
            raise NotConnected(spec.key)
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

    def _observer(self, team: Team, service: str) -> Callable[[str | None], None]:
        last_write = [float("-inf")]

        def observe(error: str | None) -> None:
            if error is not None:
                self.credentials.record_error(team, service, error)
                last_write[0] = float("-inf")
                return
            now = self.clock.monotonic()
            if now - last_write[0] >= SUCCESS_WRITE_INTERVAL:
                self.credentials.record_success(team, service)
                last_write[0] = now

        return observe


class Directory:
    """The service clients of one workspace."""

    def __init__(self, pool: ClientPool, team: Team):
        self._pool = pool
        self._team = team

    def connected(self) -> list[str]:
        """The keys of the services this workspace connected, in the registry's order."""
        have = set(self._pool.credentials.services(self._team))
        return [key for key in KEYS if key in have]

    def get(self, spec: ServiceSpec[C]) -> C:
        """This workspace's client for `spec`; `NotConnected` if it has no credential."""
        return self._pool.get(self._team, spec)

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
