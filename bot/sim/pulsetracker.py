"""Simulated Pulsetracker HTTP API (`https://www.pulsestracker.com/api/...`).

`GET/POST /api/apps` (12 per page, Laravel `data`/`meta`/`links`), `GET/PUT
/api/apps/{key}` (PUT answers the new name as a bare JSON string), `GET /api/devices`
(`page`, `appKey`; 12 per page) and `GET /api/devices/{key}`. Bearer auth with
`{"message": "Unauthenticated."}`; 422 `{"message", "errors"}`; creating an app beyond the
account's limit answers 403 with the monthly-quota message. Created and renamed apps are
kept in memory for the life of the simulator.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, TypeVar

from aiohttp import web

from bot.clock import Clock
from bot.sim.base import CREDENTIAL, service_app
from bot.sim.control import SimControl
from bot.sim.data import iso_z, key_seed
from bot.sim.pulsetracker_data import Account, App, devices
from bot.sim.style import ErrorStyle, Reply, json_response

PULSETRACKER_MONTHLY_MESSAGES = 10_000
"""The monthly plan limit on messages per app that the demo data is measured against."""

PER_PAGE = 12
QUOTA_MESSAGE = (
    "You have exceeded your monthly quota. Please upgrade your plan or wait until "
    "your quota resets."
)
MESSAGES = {
    401: "Unauthenticated.",
    403: QUOTA_MESSAGE,
    404: "Not Found",
    429: "Too Many Attempts.",
    500: "Server Error",
}
T = TypeVar("T")


def error(status: int, message: str | None = None) -> web.Response:
    return json_response(
        {"message": message or MESSAGES.get(status, HTTPStatus(status).phrase)}, status
    )


STYLE = ErrorStyle(error, quota_status=403, quota_message=QUOTA_MESSAGE)


def not_found(model: str, key: str) -> Reply:
    return Reply(error(404, f"No query results for model [App\\Models\\{model}] {key}"))


def paginate(request: web.Request, items: Sequence[T]) -> tuple[Sequence[T], dict[str, Any]]:
    """One Laravel page of `items`: the slice and the `meta`/`links` that go with it."""
    try:
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        page = 1
    last = max(1, math.ceil(len(items) / PER_PAGE))
    shown = items[(page - 1) * PER_PAGE : page * PER_PAGE]
    first = (page - 1) * PER_PAGE + 1 if shown else None

    def url(n: int | None) -> str | None:
        return None if n is None else str(request.url.update_query(page=str(n)))

    prev, nxt = (page - 1 if page > 1 else None), (page + 1 if page < last else None)
    links = [{"url": url(prev), "label": "&laquo; Previous", "active": False}]
    links += [{"url": url(n), "label": str(n), "active": n == page} for n in range(1, last + 1)]
    links.append({"url": url(nxt), "label": "Next &raquo;", "active": False})
    return shown, {
        "meta": {
            "current_page": page,
            "from": first,
            "last_page": last,
            "links": links,
            "path": str(request.url.with_query(None)),
            "per_page": PER_PAGE,
            "to": first + len(shown) - 1 if first is not None else None,
            "total": len(items),
        },
        "links": {"first": url(1), "last": url(last), "prev": url(prev), "next": url(nxt)},
    }


async def name_from(request: web.Request) -> str:
    """The `name` field of a JSON or form body, validated as Laravel would."""
    body: Any = {}
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.text() or "{}")
        except ValueError:
            body = {}
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        body = dict(await request.post())
    name = body.get("name") if isinstance(body, dict) else None
    problem = None
    if name is None or (isinstance(name, str) and not name.strip()):
        problem = "The name field is required."
    elif not isinstance(name, str):
        problem = "The name field must be a string."
    elif len(name) > 255:
        problem = "The name field must not be greater than 255 characters."
    if problem:
        raise Reply(json_response({"message": problem, "errors": {"name": [problem]}}, 422))
    assert isinstance(name, str)
    return name.strip()


class Pulsetracker:
    def __init__(self, control: SimControl, *, seed: int, clock: Clock):
        self.control = control
        self.seed = seed
        self.clock = clock
        self.accounts: dict[str, Account] = {}

    def gate(self, request: web.Request) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or self.control.credential("pulsetracker", token) is None:
            raise Reply(error(401))
        return token

    def account(self, request: web.Request) -> Account:
        token = request[CREDENTIAL]
        if token not in self.accounts:
            kseed = key_seed(self.seed, token)
            self.accounts[token] = Account.generate(kseed, PULSETRACKER_MONTHLY_MESSAGES)
        return self.accounts[token]

    def app_json(self, app: App) -> dict[str, Any]:
        now = self.clock.now()
        return {
            "key": app.key,
            "name": app.name,
            "quota": app.quota(now, PULSETRACKER_MONTHLY_MESSAGES),
            "devices_count": app.devices_count,
            "created_at": iso_z(app.created_at),
        }

    def find(self, request: web.Request) -> App:
        key = request.match_info["key"]
        app = self.account(request).find(key, self.clock.now())
        if app is None:
            raise not_found("App", key)
        return app

    async def list_apps(self, request: web.Request) -> web.Response:
        shown, page = paginate(request, self.account(request).listed(self.clock.now()))
        return json_response({"data": [self.app_json(app) for app in shown], **page})

    async def create_app(self, request: web.Request) -> web.Response:
        name = await name_from(request)
        account = self.account(request)
        if len(account.listed(self.clock.now())) >= self.control.limits.pulsetracker_max_apps:
            raise Reply(STYLE.quota())
        return json_response({"data": self.app_json(account.add(name, self.clock.now()))}, 201)

    async def show_app(self, request: web.Request) -> web.Response:
        return json_response({"data": self.app_json(self.find(request))})

    async def rename_app(self, request: web.Request) -> web.Response:
        app = self.find(request)
        app.name = await name_from(request)
        return json_response(app.name)

    def all_devices(self, request: web.Request) -> list[dict[str, object]]:
        account, now = self.account(request), self.clock.now()
        app_key = request.query.get("appKey")
        if app_key:
            app = account.find(app_key, now)
            if app is None:
                raise not_found("App", app_key)
            return devices(account.kseed, app, now, PULSETRACKER_MONTHLY_MESSAGES)
        return [
            d
            for app in account.listed(now)
            for d in devices(account.kseed, app, now, PULSETRACKER_MONTHLY_MESSAGES)
        ]

    async def list_devices(self, request: web.Request) -> web.Response:
        shown, page = paginate(request, self.all_devices(request))
        return json_response({"data": list(shown), **page})

    async def show_device(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        found = [d for d in self.all_devices(request) if d["key"] == key]
        if not found:
            raise not_found("Device", key)
        return json_response({"data": found[0]})


def create_app(control: SimControl, *, seed: int, clock: Clock, mount: str = "") -> web.Application:
    service = Pulsetracker(control, seed=seed, clock=clock)
    app = service_app("pulsetracker", control, STYLE, mount=mount, gate=service.gate)
    app.router.add_get("/api/apps", service.list_apps)
    app.router.add_post("/api/apps", service.create_app)
    app.router.add_get("/api/apps/{key}", service.show_app)
    app.router.add_put("/api/apps/{key}", service.rename_app)
    app.router.add_get("/api/devices", service.list_devices)
    app.router.add_get("/api/devices/{key}", service.show_device)
    return app
