"""Simulated WhatPulse web API (`https://whatpulse.org/api/v1/...`).

`GET /api/v1/users/{id}/pulses` (filters `computer_id`, `date_from`, `date_to`;
`per_page` 1..100, `page`) answers `{"pulses", "pagination", "links", "filters"}` with
Laravel-style absolute links; `GET /api/v1/users/{id}` answers `{"user": …}` and
`/api/v1/users/{id}/computers` `{"computers": […]}`. Users are found by id or username.
Bearer auth; 401 `{"message": "Unauthenticated."}`, 404 `{"message"}`, 422
`{"message", "errors": {field: [...]}}` worded as Laravel's validator words them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from http import HTTPStatus
from typing import Any

from aiohttp import web

from bot.clock import Clock
from bot.sim import whatpulse_data as model
from bot.sim.base import CREDENTIAL, service_app
from bot.sim.control import SimControl
from bot.sim.data import day_start, iso_z, key_seed, parse_date, parse_datetime
from bot.sim.style import ErrorStyle, Reply, json_response

DEFAULT_PER_PAGE = 15
MESSAGES = {
    401: "Unauthenticated.",
    404: "Not Found",
    429: "Too Many Attempts.",
    500: "Server Error",
}


def error(status: int, message: str | None = None) -> web.Response:
    return json_response(
        {"message": message or MESSAGES.get(status, HTTPStatus(status).phrase)}, status
    )


def invalid(errors: dict[str, list[str]]) -> Reply:
    """Laravel's 422: the first message, "(and N more errors)", and every message by field."""
    messages = [m for field in errors.values() for m in field]
    more = len(messages) - 1
    suffix = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    return Reply(json_response({"message": messages[0] + suffix, "errors": errors}, 422))


STYLE = ErrorStyle(error, quota_status=429)


class WhatPulse:
    def __init__(self, control: SimControl, *, seed: int, clock: Clock):
        self.control = control
        self.seed = seed
        self.clock = clock

    def gate(self, request: web.Request) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or self.control.credential("whatpulse", token) is None:
            raise Reply(error(401))
        return token

    def user(self, request: web.Request) -> model.User:
        user = model.find_user(request.match_info["user"])
        if user is None:
            raise Reply(error(404, "User not found."))
        return user

    def kseed(self, request: web.Request) -> int:
        return key_seed(self.seed, request[CREDENTIAL])

    async def show_user(self, request: web.Request) -> web.Response:
        user = self.user(request)
        found = model.pulses(self.kseed(request), user, self.clock.now())
        return json_response(
            {
                "user": {
                    "id": user.id,
                    "username": user.username,
                    "country": user.country,
                    "date_joined": iso_z(day_start(min(c.first_day for c in user.computers))),
                    "first_pulse_date": iso_z(found[-1].date) if found else None,
                    "last_pulse_date": iso_z(found[0].date) if found else None,
                    "pulses": len(found),
                    "computers": len(user.computers),
                    "is_premium": user.id % 2 == 1,
                    "team": None,
                    "totals": model.totals(found),
                }
            }
        )

    async def computers(self, request: web.Request) -> web.Response:
        user = self.user(request)
        archived = request.query.get("is_archived")
        if archived not in (None, "", "0", "1", "true", "false"):
            raise invalid({"is_archived": ["The is archived field must be true or false."]})
        if archived in ("1", "true"):
            return json_response({"computers": []})  # none of the demo computers is archived
        found = model.pulses(self.kseed(request), user, self.clock.now())
        rows = []
        for computer in user.computers:
            own = [p for p in found if p.computer.id == computer.id]
            rows.append(
                {
                    "id": computer.id,
                    "name": computer.name,
                    "os": computer.os,
                    "client_version": own[0].client_version if own else None,
                    "is_archived": False,
                    "pulses": len(own),
                    "last_pulse_date": iso_z(own[0].date) if own else None,
                    "totals": model.totals(own),
                }
            )
        return json_response({"computers": rows})

    async def pulses(self, request: web.Request) -> web.Response:
        user = self.user(request)
        q = request.query
        errors: dict[str, list[str]] = {}
        computer_id = _integer(q, "computer_id", errors)
        date_from = _date(q, "date_from", errors)
        date_to = _date(q, "date_to", errors)
        if date_from and date_to and date_to < date_from:
            errors["date_to"] = ["The date to field must be a date after or equal to date from."]
        per_page = _integer(q, "per_page", errors)
        if per_page is not None and not 1 <= per_page <= 100:
            errors["per_page"] = ["The per page field must be between 1 and 100."]
        page = _integer(q, "page", errors)
        if page is not None and page < 1:
            errors["page"] = ["The page field must be at least 1."]
        if errors:
            raise invalid(errors)
        per_page, page = per_page or DEFAULT_PER_PAGE, page or 1
        found = model.pulses(
            self.kseed(request),
            user,
            self.clock.now(),
            computer_id=computer_id,
            date_from=date_from,
            date_to=date_to,
        )
        last_page = max(1, math.ceil(len(found) / per_page))
        shown = found[(page - 1) * per_page : page * per_page]
        first = (page - 1) * per_page + 1 if shown else None

        def link(n: int) -> str:
            return str(request.url.update_query(page=str(n)))

        return json_response(
            {
                "pulses": [_pulse(p) for p in shown],
                "pagination": {
                    "current_page": page,
                    "per_page": per_page,
                    "total": len(found),
                    "last_page": last_page,
                    "from": first,
                    "to": first + len(shown) - 1 if first is not None else None,
                },
                "links": {
                    "first": link(1),
                    "last": link(last_page),
                    "prev": link(page - 1) if page > 1 else None,
                    "next": link(page + 1) if page < last_page else None,
                },
                "filters": {
                    "computer_id": computer_id,
                    "date_from": date_from.isoformat() if date_from else None,
                    "date_to": date_to.isoformat() if date_to else None,
                },
            }
        )


def _pulse(p: model.Pulse) -> dict[str, Any]:
    return {
        "id": p.id,
        "date": iso_z(p.date),
        "keys": p.keys,
        "clicks": p.clicks,
        "scrolls": p.scrolls,
        "download_mb": p.download_mb,
        "upload_mb": p.upload_mb,
        "uptime_seconds": p.uptime_seconds,
        "distance_miles": p.distance_miles,
        "auto_pulse": p.auto_pulse,
        "client_version": p.client_version,
        "computer": {"id": p.computer.id, "name": p.computer.name},
    }


def _label(field: str) -> str:
    return field.replace("_", " ")


def _integer(q: Mapping[str, str], field: str, errors: dict[str, list[str]]) -> int | None:
    raw = q.get(field)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        errors[field] = [f"The {_label(field)} field must be an integer."]
        return None


def _date(q: Mapping[str, str], field: str, errors: dict[str, list[str]]) -> date | None:
    raw = q.get(field)
    if raw is None or raw == "":
        return None
    try:
        return parse_date(raw)
    except ValueError:
        pass
    try:
        return parse_datetime(raw).date()
    except ValueError:
        errors[field] = [f"The {_label(field)} field must be a valid date."]
        return None


def create_app(control: SimControl, *, seed: int, clock: Clock, mount: str = "") -> web.Application:
    service = WhatPulse(control, seed=seed, clock=clock)
    app = service_app("whatpulse", control, STYLE, mount=mount, gate=service.gate)
    app.router.add_get("/api/v1/users/{user}", service.show_user)
    app.router.add_get("/api/v1/users/{user}/pulses", service.pulses)
    app.router.add_get("/api/v1/users/{user}/computers", service.computers)
    return app
