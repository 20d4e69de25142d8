"""The polite transport every service client stands on.

One `ServiceHTTP` exists per credential. It owns that credential's manners:

- a `WindowLimiter` keeping to the documented limit (never send what would certainly be
  refused: if the wait is longer than `max_wait`, refuse locally with `RateLimited`);
  `Retry-After` and `RateLimit-Remaining`/`RateLimit-Reset` feed back into it;
- an optional persisted `CallBudget` (Raygun's 50 calls a day) spent per request sent; a
  429 from such a service spends the rest of its day, for every process;
- an overall deadline per request (`Manners.deadline`, connect + headers + body);
- GET retries with jittered exponential backoff on connection errors and 502/503/504,
  bounded; a request that ran out of its deadline is not retried, nothing retries on 4xx,
  and non-GETs never retry;
- identical GETs in flight coalesced into one request;
- 2xx GET answers cached for a short TTL (`fresh=True` bypasses the read, not the limiter).

Every error answer (a 4xx, or a 5xx still failing after the retries) is handed to the
service's own `decode_error`, exactly once, so each client maps its documented error
bodies in one pure function; only 429 (which feeds the limiter) and failures without an
answer (timeouts, refused connections) are translated here. Request headers
(which carry credentials) never reach an exception, a log line or the cache key.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, cast
from urllib.parse import urlencode, urlsplit

import httpx

from bot import telemetry
from bot.clients.limiter import WindowLimiter, header_int, retry_after_seconds
from bot.clock import Clock, SystemClock
from bot.coalesce import Coalesced
from bot.errors import (
    BadResponse,
    BudgetExhausted,
    RateLimited,
    ServiceError,
    TimedOut,
    Unavailable,
)
from bot.redact import header_secrets, scrub, scrub_bytes, secret_values

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({502, 503, 504})
WAITS = 3  # times a request waits for a limiter before it is refused locally
Params = Mapping[str, str | int | float | bool | None]


@dataclass(frozen=True, slots=True)
class Response:
    """An upstream answer, detached from httpx so parsing stays pure."""

    service: str
    status: int
    headers: Mapping[str, str]
    content: bytes
    #: what parsers made of it, by parser (see `ServiceHTTP.parse`): it lives and goes
    #: with the answer, as long as a cache or a caller holds that
    parsed: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadResponse(self.service, "the answer was not valid JSON") from exc


DecodeError = Callable[[Response], ServiceError]
T = TypeVar("T")


@functools.cache
def _json_then(parser: Callable[[Any], Any]) -> Callable[[Response], Any]:
    return lambda response: parser(response.json())


def from_json(parser: Callable[[Any], T]) -> Callable[[Response], T]:
    """`parser` applied to an answer's JSON: one function per parser, so
    `ServiceHTTP.parse` knows it again."""
    return cast(Callable[[Response], T], _json_then(parser))


class SharedLimit(Protocol):
    """The credential's per-minute limit as kept for every process (in the database)."""

    async def acquire(self) -> float:
        """0 when a request may go now (it is counted); else the seconds to wait."""
        ...


class CallBudget(Protocol):
    """A persisted per-day call budget (Raygun: 50 calls a day per application)."""

    async def spend(self, service: str) -> None:
        """Count one call, or raise `BudgetExhausted` without counting."""

    async def exhausted(self, service: str, retry_after: float | None) -> BudgetExhausted:
        """The service answered 429: its day's calls are spent, whatever was counted. Stop
        every call until `retry_after` seconds from now (or, unsaid, until its day ends)
        and answer the error to raise."""
        ...


@dataclass(slots=True)
class _CacheEntry:
    expires: float
    response: Response


@dataclass(frozen=True, slots=True)
class Manners:
    """Tunable politeness; defaults follow PRODUCT §8."""

    cache_ttl: float = 60.0
    retries: int = 2
    backoff: float = 0.5
    max_wait: float = 10.0
    cache_size: int = 256
    deadline: float = 10.0
    """Seconds one request may take in all (connect, headers and body): a service that
    trickles its answer is cut off like one that says nothing."""


@dataclass(slots=True)
class ServiceHTTP:
    """A credential's polite connection to one service."""

    http: httpx.AsyncClient
    service: str
    base_url: str
    headers: Mapping[str, str] = field(repr=False)
    limiter: WindowLimiter
    decode_error: DecodeError
    clock: Clock = field(default_factory=SystemClock)
    manners: Manners = field(default_factory=Manners)
    budget: CallBudget | None = None
    shared: SharedLimit | None = None
    jitter: Callable[[], float] = random.random
    requests_sent: int = 0
    observer: Callable[[str | None], Awaitable[None]] | None = None
    #: the credential's secret values: no answer body keeps them (a service may echo them)
    secrets: tuple[str, ...] = field(default=(), repr=False)
    _cache: OrderedDict[str, _CacheEntry] = field(default_factory=OrderedDict)
    _inflight: Coalesced[str, Response] = field(default_factory=Coalesced)

    # ---- URLs -------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """Resolve `path` against the base URL, keeping the base's path prefix.

        Absolute URLs inside the base are kept; absolute URLs elsewhere and root-relative
        paths (``/api/v1/x?page=2``) are re-rooted under the base URL (prefix included).
        """
        base = self.base_url.rstrip("/")
        if path.startswith(("http://", "https://")):
            if path.startswith(base + "/") or path == base:
                return path
            parts = urlsplit(path)
            prefix = urlsplit(base).path
            rel = parts.path
            if prefix and rel.startswith(prefix + "/"):
                rel = rel[len(prefix) :]
            path = rel + (f"?{parts.query}" if parts.query else "")
        if not path.startswith("/"):
            path = "/" + path
        return base + path

    @staticmethod
    def _key(method: str, url: str, params: Params | None) -> str:
        items = sorted((k, str(v)) for k, v in (params or {}).items() if v is not None)
        return f"{method} {url}?{urlencode(items)}"

    # ---- public calls -----------------------------------------------------------------

    async def get(
        self,
        path: str,
        params: Params | None = None,
        *,
        fresh: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """GET with cache, coalescing and retries; returns only 2xx answers. `headers`
        replace the credential's own for this call (a session key instead of the key that
        obtains it); they are not part of the cache key."""
        url = self.url(path)
        key = self._key("GET", url, params)
        now = self.clock.monotonic()
        if not fresh:
            entry = self._cache.get(key)
            if entry is not None and entry.expires > now:
                self._cache.move_to_end(key)
                return entry.response
        return await self._inflight.get(
            key, lambda: self._fetch(key, url, params, headers, keep=not fresh)
        )

    async def _fetch(
        self,
        key: str,
        url: str,
        params: Params | None,
        headers: Mapping[str, str] | None,
        *,
        keep: bool,
    ) -> Response:
        """The one GET its coalesced callers share, kept in the cache for the next ones
        unless it was a fresh read: alerts read every minute and would each keep their
        last answer (8 KiB a workspace) for nobody."""
        response = await self._get_with_retries(url, params, headers)
        if keep and self.manners.cache_ttl > 0:
            now = self.clock.monotonic()
            self._cache[key] = _CacheEntry(now + self.manners.cache_ttl, response)
            # the oldest go first: those expired, then any beyond the cache's size
            while self._cache and (
                len(self._cache) > self.manners.cache_size
                or next(iter(self._cache.values())).expires <= now
            ):
                self._cache.popitem(last=False)
        return response

    async def send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Params | None = None,
        invalidates: bool = True,
    ) -> Response:
        """A request sent once: never retried, never cached (every non-GET, and a GET that
        must not be, as Raygun's authenticate). A write (`invalidates`) clears the cache on
        success; a request that changes nothing (Raygun's authenticate) not."""
        response = await self._attempt(method, self.url(path), params, json_body)
        if response.status in RETRYABLE_STATUS:
            raise await self._refusal(response)
        if invalidates:
            self._cache.clear()
        return response

    def parse(self, response: Response, parser: Callable[[Response], T]) -> T:
        """`parser(response)`, worked out once per answer: the callers an answer was
        coalesced for, or served from the cache, share the (immutable) result instead of
        each parsing the same bytes again on the event loop (a burst of 200 identical
        `stats 90d` otherwise parses 2,000 hourly buckets 200 times)."""
        if parser in response.parsed:
            return cast(T, response.parsed[parser])
        value = parser(response)
        response.parsed[parser] = value
        return value

    def cached(self, path: str, params: Params | None = None) -> bool:
        """Whether a GET would be answered from the cache right now."""
        entry = self._cache.get(self._key("GET", self.url(path), params))
        return entry is not None and entry.expires > self.clock.monotonic()

    # ---- internals --------------------------------------------------------------------

    async def _get_with_retries(
        self, url: str, params: Params | None, headers: Mapping[str, str] | None
    ) -> Response:
        attempt = 0
        while True:
            try:
                response = await self._attempt("GET", url, params, None, headers)
            except Unavailable as exc:
                # Only refused or broken connections (no status) are retried here: a 500
                # mapped by decode_error is an answer, and a request that used its whole
                # deadline would most likely use it again.
                if exc.status is not None or isinstance(exc, TimedOut):
                    raise
                if attempt >= self.manners.retries:
                    raise
            else:
                if response.status not in RETRYABLE_STATUS:
                    return response
                if attempt >= self.manners.retries:
                    raise await self._refusal(response)
                hinted = retry_after_seconds(response.headers.get("retry-after"), self.clock.now())
                if hinted is not None and hinted > self.manners.max_wait:
                    raise await self._refusal(response)
            delay = self.manners.backoff * (2**attempt) * (0.5 + self.jitter())
            attempt += 1
            await self.clock.sleep(delay)

    async def _attempt(
        self,
        method: str,
        url: str,
        params: Params | None,
        json_body: Any,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        await self._wait_for(self._local_wait)
        if self.shared is not None:  # the limit holds for every process, not for each
            await self._wait_for(self.shared.acquire)
        if self.budget is not None:
            await self.budget.spend(self.service)
        self.limiter.record_sent()
        self.requests_sent += 1
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        # Merge, never replace: a pagination link's own query (`?page=2`) survives, and
        # wins over `params` for the keys it names; `params` fill in the rest (filters).
        link = httpx.URL(url)
        extra = {k: v for k, v in clean.items() if k not in link.params}
        target = link.copy_merge_params(extra) if extra else link
        deadline = self.manners.deadline
        try:
            async with asyncio.timeout(deadline):
                raw = await self.http.request(
                    method,
                    target,
                    json=json_body,
                    headers=dict(self.headers if headers is None else headers),
                    timeout=httpx.Timeout(deadline),
                )
        except (TimeoutError, httpx.TimeoutException) as exc:
            telemetry.UPSTREAM.labels(self.service, "timeout").inc()
            await self._note_error(f"no answer within {deadline:g} s")
            raise TimedOut(self.service, deadline) from exc
        except httpx.HTTPError as exc:
            telemetry.UPSTREAM.labels(self.service, "unreachable").inc()
            raise await self._unavailable("the service could not be reached") from exc
        telemetry.UPSTREAM.labels(self.service, str(raw.status_code)).inc()
        # an answer that echoes the call's secrets (an error page quoting its headers, say)
        # loses them here, before anything reads it: messages, logs, the database
        # (the credential's own headers are in `self.secrets` already; only headers given
        # for this call, such as Raygun's session key, are worked out here)
        this_call = secret_values(header_secrets(headers)) if headers is not None else ()
        body = scrub_bytes(raw.content, self.secrets + this_call)
        response = Response(self.service, raw.status_code, raw.headers, body)
        self.limiter.observe(
            header_int(response.headers, "ratelimit-remaining"),
            header_int(response.headers, "ratelimit-reset"),
        )
        if response.status == 429:
            retry = retry_after_seconds(response.headers.get("retry-after"), self.clock.now())
            if self.budget is not None:
                # A service that counts calls by the day refuses when the day's are spent:
                # no call until it comes back, here or in any process (the budget keeps it).
                exhausted = await self.budget.exhausted(self.service, retry)
                await self._note_error("daily quota used up (HTTP 429)")
                raise exhausted
            retry = retry if retry is not None else self.limiter.window
            self.limiter.block_for(retry)
            await self._note_error(f"rate limited (HTTP 429), retry in {retry:.0f}s")
            raise RateLimited(self.service, retry, status=429)
        if 200 <= response.status < 300:
            if self.observer is not None:
                await self.observer(None)
            return response
        if response.status in RETRYABLE_STATUS:
            return response
        raise await self._refusal(response)

    async def _local_wait(self) -> float:
        return self.limiter.wait_time()

    async def _wait_for(self, wait_time: Callable[[], Awaitable[float]]) -> None:
        """Wait until `wait_time` says 0, or refuse locally (`RateLimited`) when the wait
        would be longer than `max_wait` (or others keep taking the freed places): never
        send what would certainly be refused."""
        for _ in range(WAITS):
            wait = await wait_time()
            if wait <= 0:
                return
            if wait > self.manners.max_wait:
                break
            telemetry.LIMITER.labels(self.service, "waited").inc()
            await self.clock.sleep(wait)
        telemetry.LIMITER.labels(self.service, "refused").inc()
        raise RateLimited(self.service, wait, local=True)

    async def _refusal(self, response: Response) -> ServiceError:
        """The one translation of an error answer into the error tree (the service's own
        `decode_error`), reported to the credential's observer."""
        error = self.decode_error(response)
        await self._note_error(str(error))
        return error

    async def _unavailable(self, detail: str, status: int | None = None) -> Unavailable:
        await self._note_error(detail)
        return Unavailable(self.service, detail, status=status)

    async def _note_error(self, detail: str) -> None:
        detail = scrub(detail, self.secrets)  # key shapes too, whatever the service said
        log.info("%s call failed: %s", self.service, detail)
        if self.observer is not None:
            await self.observer(detail)
