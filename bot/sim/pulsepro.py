"""Simulated PulsePro inspections API (`https://api.pulsepro.ai/api/v1/...`).

`GET /api/v1/inspections` (`date_from`, `date_to`, `location`, `page`), `/api/v1/actions`
(`status=open|closed`, `overdue=true|false`, `location`, `page`) and `/api/v1/locations`,
as Django REST pages `{"count", "next", "previous", "results"}` whose `next`/`previous`
are paths from the host root with no mount prefix, as the real service sends them.
`Authorization: Api-key <key>`; errors as `{"error": {"code", "message"}}`. A bucket of 60
calls refilled every 60 s per key: every response carries
`Organization-RateLimit-Limit: 60;w=60;b=60`, `RateLimit-Remaining` and `RateLimit-Reset`;
an empty bucket answers 429 with `Retry-After`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.clock import Clock
from bot.sim import pulsepro_data as model
from bot.sim.base import CREDENTIAL, SERVICE_PATH, service_app
from bot.sim.control import SimControl
from bot.sim.data import iso_z, key_seed, parse_date
from bot.sim.ratelimit import BucketState, RefillBucket
from bot.sim.style import ErrorStyle, Reply, json_response

PAGE_SIZE = 20
CODES = {
    400: "invalid_request",
    401: "unauthorized",
    429: "rate_limit_exceeded",
    500: "internal_error",
}
MESSAGES = {
    401: "Invalid or missing API key. Send it as 'Authorization: Api-key <key>'.",
    404: "Not found.",
    429: "Rate limit exceeded. Retry after the number of seconds in Retry-After.",
    503: "The API is handling an unexpected spike in traffic; it is usually back within 5 minutes.",
}
T = TypeVar("T")


def error(status: int, message: str | None = None) -> web.Response:
    phrase = HTTPStatus(status)
    code = CODES.get(status, phrase.name.lower())
    return json_response(
        {"error": {"code": code, "message": message or MESSAGES.get(status, phrase.phrase)}}, status
    )


STYLE = ErrorStyle(error, quota_status=429)


def api_key(request: web.Request) -> str:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "api-key" else ""


def page_of(request: web.Request, items: Sequence[T]) -> tuple[Sequence[T], dict[str, Any]]:
    """One DRF page: the slice and count/next/previous (paths without the mount prefix)."""
    raw = request.query.get("page", "1")
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    if not raw.isdigit() or not 1 <= int(raw) <= pages:
        raise Reply(error(404, "Invalid page."))
    page = int(raw)
    params: dict[str, list[str]] = {}
    for name, value in request.query.items():
        params.setdefault(name, []).append(value)

    def path(n: int) -> str:
        query = (
            {**params, "page": [str(n)]}
            if n > 1
            else {k: v for k, v in params.items() if k != "page"}
        )
        encoded = urlencode(sorted(query.items()), doseq=True)
        return request[SERVICE_PATH] + ("?" + encoded if encoded else "")

    return items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], {
        "count": len(items),
        "next": path(page + 1) if page < pages else None,
        "previous": path(page - 1) if page > 1 else None,
    }


def optional_date(request: web.Request, name: str) -> date | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return parse_date(raw)
    except ValueError:
        raise Reply(error(400, f"{name} must be a date in YYYY-MM-DD format.")) from None


def optional_location(request: web.Request) -> int | None:
    raw = request.query.get("location")
    if not raw:
        return None
    if not raw.isdigit():
        raise Reply(error(400, "location must be a location id."))
    return int(raw)


def choice(request: web.Request, name: str, allowed: tuple[str, ...]) -> str | None:
    raw = request.query.get(name)
    if raw is not None and raw.lower() not in allowed:
        raise Reply(error(400, f"{name} must be one of: {', '.join(allowed)}."))
    return raw.lower() if raw is not None else None


class PulsePro:
    def __init__(self, control: SimControl, *, seed: int, clock: Clock):
        self.control = control
        self.seed = seed
        self.clock = clock
        self.bucket = RefillBucket(clock, lambda: control.limits.pulsepro_per_minute)
        control.on_reset(self.bucket.reset)

    @web.middleware
    async def rate_limit(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Outermost: spends a token per call of a known key and stamps every response."""
        key = api_key(request)
        if self.control.credential("pulsepro", key) is None:
            capacity = self.control.limits.pulsepro_per_minute
            state = BucketState(capacity, 60, capacity, 0)
            response = await handler(request)
        else:
            admitted, state = self.bucket.hit(key)
            if admitted:
                response = await handler(request)
            else:
                response = STYLE.rate_limited(state.reset)
        response.headers.update(state.headers())
        return response

    def gate(self, request: web.Request) -> str:
        key = api_key(request)
        if self.control.credential("pulsepro", key) is None:
            raise Reply(error(401))
        return key

    def kseed(self, request: web.Request) -> int:
        return key_seed(self.seed, request[CREDENTIAL])

    async def inspections(self, request: web.Request) -> web.Response:
        date_from, date_to = optional_date(request, "date_from"), optional_date(request, "date_to")
        if date_from and date_to and date_to < date_from:
            raise Reply(error(400, "date_to must not be before date_from."))
        location = optional_location(request)
        now = self.clock.now()
        found = [
            i
            for i in model.inspections(self.kseed(request), now)
            if (date_from is None or i.conducted_at.date() >= date_from)
            and (date_to is None or i.conducted_at.date() <= date_to)
            and (location is None or i.location.id == location)
        ]
        shown, page = page_of(request, found)
        return json_response(
            {
                **page,
                "results": [
                    {
                        "id": i.id,
                        "title": i.title,
                        "template": i.template,
                        "location": i.location.ref(),
                        "conducted_at": iso_z(i.conducted_at),
                        "score": i.score,
                        "status": model.inspection_status(i, now),
                        "inspector": i.inspector,
                    }
                    for i in shown
                ],
            }
        )

    async def actions(self, request: web.Request) -> web.Response:
        status = choice(request, "status", ("open", "closed"))
        overdue = choice(request, "overdue", ("true", "false"))
        location = optional_location(request)
        now = self.clock.now()
        rows = []
        for a in model.actions(self.kseed(request), now):
            is_open = model.is_open(a, now)
            late = is_open and a.due_date < now.date()
            if (
                (status is None or (status == "open") == is_open)
                and (overdue is None or (overdue == "true") == late)
                and (location is None or a.location.id == location)
            ):
                rows.append(
                    {
                        "id": a.id,
                        "title": a.title,
                        "status": "open" if is_open else "closed",
                        "priority": a.priority,
                        "due_date": a.due_date.isoformat(),
                        "overdue": late,
                        "location": a.location.ref(),
                        "assignee": a.assignee,
                        "created_at": iso_z(a.created_at),
                    }
                )
        shown, page = page_of(request, rows)
        return json_response({**page, "results": list(shown)})

    async def locations(self, request: web.Request) -> web.Response:
        shown, page = page_of(request, model.locations(self.kseed(request)))
        return json_response(
            {
                **page,
                "results": [
                    {"id": loc.id, "name": loc.name, "address": loc.address, "country": loc.country}
                    for loc in shown
                ],
            }
        )


def create_app(control: SimControl, *, seed: int, clock: Clock, mount: str = "") -> web.Application:
    service = PulsePro(control, seed=seed, clock=clock)
    app = service_app(
        "pulsepro", control, STYLE, mount=mount, gate=service.gate, outer=[service.rate_limit]
    )
    app.router.add_get("/api/v1/inspections", service.inspections)
    app.router.add_get("/api/v1/actions", service.actions)
    app.router.add_get("/api/v1/locations", service.locations)
    return app
