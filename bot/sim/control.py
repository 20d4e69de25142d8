"""`SimControl`: the one handle tests and benchmarks use to steer the simulated services.

It owns what is not upstream data: injected faults, the realtime traffic multiplier,
which credentials each service accepts, the request log, and the rate limits in force.
The same operations are offered over HTTP by `bot.sim.control_http` at `/_control/...`.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, get_args

from bot.sim.demo import DEMO_CREDENTIALS, OTHER_WELDPULSE_KEY, PRIMARY_FIELD, SERVICES

FaultKind = Literal[
    "latency", "status", "timeout", "trickle", "malformed", "expired", "quota", "echo"
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
MalformedBody = Literal["html", "truncated"]
EchoBody = Literal["json", "html"]
BODIES: dict[str, tuple[str, ...]] = {
    "malformed": get_args(MalformedBody),
    "echo": get_args(EchoBody),
}


@dataclass
class Fault:
    """One injected misbehaviour of a service.

    `path` limits it to requests whose path inside the service equals it or lies under it
    (`/v1/stats`, `/api/v1/pulse`); `method` to requests of that method (a service that
    routes only `POST` to a path answers `GET` 405); `times` limits it to the next N
    matching requests.
    """

    id: int
    service: str
    kind: FaultKind
    path: str | None = None
    times: int | None = None
    seconds: float = 0.0  # latency / timeout
    status: int = 503  # status, echo
    retry_after: int = 30  # status or echo 429
    body: MalformedBody | EchoBody = "html"  # malformed, echo
    method: str | None = None

    def matches(self, service: str, path: str, method: str | None = None) -> bool:
        if service != self.service:
            return False
        if self.method is not None and method is not None and method.upper() != self.method:
            return False
        if self.path is None:
            return True
        prefix = self.path.rstrip("/")
        return path == self.path or path == prefix or path.startswith(prefix + "/")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SimLimits:
    """Rate limits and quotas in force; defaults are the documented ones."""

    weldpulse_per_minute: int = 100
    raygun_per_day: int = 50
    pulsepro_per_minute: int = 60
    pulsetracker_max_apps: int = 20

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass
class RequestRecord:
    service: str
    method: str
    path: str  # inside the service, without the mount prefix
    query: str
    status: int | None = None  # None while in flight, or if the client went away
    at: float = field(default_factory=time.monotonic)  # when it arrived (for rates)


class SimControl:
    """Shared by the five simulated services (and `/_control`) of one server."""

    LOG_SIZE = 10_000  # the most recent requests kept in `requests`; `count` covers all

    def __init__(self, *, limits: SimLimits | None = None) -> None:
        self.traffic = 1.0
        self.limits = limits if limits is not None else SimLimits()
        self.faults: list[Fault] = []
        self.requests: deque[RequestRecord] = deque(maxlen=self.LOG_SIZE)
        self.hanging = 0  # requests currently held by a `timeout` fault
        self._counts: Counter[tuple[str, str, str]] = Counter()  # (service, method, path)
        self._credentials: dict[str, dict[str, dict[str, str]]] = {s: {} for s in SERVICES}
        self._ids = itertools.count(1)
        self._resetters: list[Callable[[], None]] = []
        for service in SERVICES:
            self.register_credential(service, **DEMO_CREDENTIALS[service])
        self.register_credential("weldpulse", api_key=OTHER_WELDPULSE_KEY)

    # -- faults -----------------------------------------------------------------------

    def add_fault(
        self,
        service: str,
        kind: FaultKind,
        *,
        times: int | None = None,
        path: str | None = None,
        seconds: float | None = None,
        status: int = 503,
        retry_after: int = 30,
        body: MalformedBody | EchoBody = "html",
        method: str | None = None,
    ) -> Fault:
        """Inject a fault; see the module docstring of `bot.sim.faults` for each kind."""
        _check_service(service)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(FAULT_KINDS)}")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        if not 400 <= status <= 599:
            raise ValueError("a status fault answers an error status, 400 to 599")
        if kind in BODIES and body not in BODIES[kind]:
            raise ValueError(f"a {kind} body is {' or '.join(map(repr, BODIES[kind]))}")
        if seconds is None:
            seconds = 3600.0 if kind in {"timeout", "trickle"} else 0.0
        fault = Fault(
            next(self._ids),
            service,
            kind,
            path,
            times,
            seconds,
            status,
            retry_after,
            body,
            method.upper() if method else None,
        )
        self.faults.append(fault)
        return fault

    def latency(
        self, service: str, seconds: float, *, times: int | None = None, path: str | None = None
    ) -> Fault:
        return self.add_fault(service, "latency", seconds=seconds, times=times, path=path)

    def fail(
        self,
        service: str,
        status: int = 503,
        *,
        retry_after: int = 30,
        times: int | None = None,
        path: str | None = None,
        method: str | None = None,
    ) -> Fault:
        return self.add_fault(
            service,
            "status",
            status=status,
            retry_after=retry_after,
            times=times,
            path=path,
            method=method,
        )

    def hang(
        self,
        service: str,
        *,
        seconds: float = 3600.0,
        times: int | None = None,
        path: str | None = None,
    ) -> Fault:
        return self.add_fault(service, "timeout", seconds=seconds, times=times, path=path)

    def trickle(
        self,
        service: str,
        *,
        seconds: float = 3600.0,
        times: int | None = None,
        path: str | None = None,
    ) -> Fault:
        """Answer 200 with headers at once, then a byte of body every half second."""
        return self.add_fault(service, "trickle", seconds=seconds, times=times, path=path)

    def malformed(
        self,
        service: str,
        *,
        body: MalformedBody = "html",
        times: int | None = None,
        path: str | None = None,
    ) -> Fault:
        return self.add_fault(service, "malformed", body=body, times=times, path=path)

    def echo(
        self,
        service: str,
        status: int = 400,
        *,
        body: EchoBody = "json",
        times: int | None = None,
        path: str | None = None,
    ) -> Fault:
        """Answer `status` quoting every request header and the query string back: in the
        service's own error body (`body="json"`) or in an HTML error page (`"html"`)."""
        return self.add_fault(service, "echo", status=status, body=body, times=times, path=path)

    def expire(self, service: str, *, times: int | None = None, path: str | None = None) -> Fault:
        return self.add_fault(service, "expired", times=times, path=path)

    def exhaust_quota(
        self, service: str, *, times: int | None = None, path: str | None = None
    ) -> Fault:
        return self.add_fault(service, "quota", times=times, path=path)

    def clear_faults(self, service: str | None = None) -> None:
        self.faults = [f for f in self.faults if service is not None and f.service != service]

    def take_faults(self, service: str, path: str, method: str | None = None) -> list[Fault]:
        """The faults applying to this request: every matching latency, then at most one
        other fault (the oldest). Each one taken counts against its `times`."""
        taken: list[Fault] = []
        decisive = False
        for fault in self.faults:
            if not fault.matches(service, path, method) or (decisive and fault.kind != "latency"):
                continue
            taken.append(fault)
            decisive = decisive or fault.kind != "latency"
        for fault in taken:
            if fault.times is not None:
                fault.times -= 1
        self.faults = [f for f in self.faults if f.times is None or f.times > 0]
        return taken

    # -- traffic ----------------------------------------------------------------------

    def set_traffic(self, multiplier: float) -> None:
        """Scale WeldPulse realtime visitors (1.0 = normal, 0 = nobody, 10 = a spike)."""
        if multiplier < 0:
            raise ValueError("the traffic multiplier cannot be negative")
        self.traffic = multiplier

    # -- credentials ------------------------------------------------------------------

    def register_credential(self, service: str, **fields_: str) -> None:
        """Accept a credential, e.g. `register_credential("raygun", api_key=…, client_id=…,
        client_secret=…)` or `register_credential("whatpulse", token=…)`."""
        _check_service(service)
        primary = PRIMARY_FIELD[service]
        if not fields_.get(primary):
            raise ValueError(f"a {service} credential needs {primary}")
        self._credentials[service][fields_[primary]] = dict(fields_)

    def revoke_credential(self, service: str, secret: str) -> bool:
        """Stop accepting the credential whose primary field is `secret`."""
        _check_service(service)
        return self._credentials[service].pop(secret, None) is not None

    def credential(self, service: str, secret: str) -> Mapping[str, str] | None:
        return self._credentials.get(service, {}).get(secret)

    # -- request log ------------------------------------------------------------------

    def record(self, service: str, method: str, path: str, query: str) -> RequestRecord:
        entry = RequestRecord(service, method, path, query)
        self.requests.append(entry)
        self._counts[(service, method, path)] += 1
        return entry

    def count(
        self, service: str | None = None, path: str | None = None, method: str | None = None
    ) -> int:
        """Requests received (faulted and refused ones included), optionally filtered."""
        return sum(
            n
            for (s, m, p), n in self._counts.items()
            if (service is None or s == service)
            and (path is None or p == path)
            and (method is None or m == method)
        )

    def counts(self) -> Counter[tuple[str, str]]:
        """Requests per (service, path)."""
        out: Counter[tuple[str, str]] = Counter()
        for (service, _, path), n in self._counts.items():
            out[(service, path)] += n
        return out

    def reset_requests(self) -> None:
        self.requests.clear()
        self._counts.clear()

    # -- limits -----------------------------------------------------------------------

    def set_limits(self, **values: int) -> None:
        """Change limits by name, e.g. `set_limits(raygun_per_day=10_000)`."""
        for name, value in values.items():
            if name not in SimLimits.names():
                raise ValueError(f"unknown limit {name!r}; one of {', '.join(SimLimits.names())}")
            if value < 0:
                raise ValueError(f"{name} cannot be negative")
            setattr(self.limits, name, value)

    def on_reset(self, resetter: Callable[[], None]) -> None:
        """Register a rate-limit state to clear in `reset_rate_limits` (used by the services)."""
        self._resetters.append(resetter)

    def reset_rate_limits(self) -> None:
        """Forget every call counted so far by the rate limiters."""
        for resetter in self._resetters:
            resetter()

    def reset(self) -> None:
        """Back to defaults: no faults, normal traffic, documented limits, empty log and
        rate-limit counters. Credentials and upstream data (created apps, session keys) stay."""
        self.faults.clear()
        self.traffic = 1.0
        self.limits = SimLimits()
        self.reset_requests()
        self.reset_rate_limits()

    def snapshot(self) -> dict[str, Any]:
        counts = [{"service": s, "path": p, "count": n} for (s, p), n in self.counts().items()]
        return {
            "faults": [f.to_json() for f in self.faults],
            "traffic": self.traffic,
            "limits": asdict(self.limits),
            "requests": {"total": self.count(), "counts": counts},
            "hanging": self.hanging,
            "credentials": {s: sorted(c) for s, c in self._credentials.items()},
        }


def _check_service(service: str) -> None:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
