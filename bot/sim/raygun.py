"""Simulated Raygun Pulse API v1 (`https://api.raygun.com/api/v1/pulse/...`).

`authenticate` (`GET` as the document declares it, or `POST` as its example sends it; a
`status` fault with `method="GET"` makes it a `POST`-only server) takes `X-ApiKey` plus
Basic `client_id:client_secret` and answers 202 `{"sessionKey"}`, valid 15 minutes on the
injected clock; `sessions` (search,
skip/limit paging with absolute `links`) and `session?id=` (full detail) need that key in
`X-SessionKey`. Every call counts against 50 per UTC day per application API key (429
with `Retry-After` until midnight). Errors are `{"message": …}`.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import datetime
from http import HTTPStatus
from typing import Any

from aiohttp import web
from yarl import URL

from bot.clock import Clock
from bot.sim import raygun_data as model
from bot.sim.base import CREDENTIAL, SERVICE_PATH, query_int, service_app, service_root
from bot.sim.control import SimControl
from bot.sim.data import hex_token, iso_z, key_seed, parse_datetime
from bot.sim.ratelimit import DailyQuota
from bot.sim.style import ErrorStyle, Reply, json_response

SESSION_KEY_TTL = 15 * 60
AUTHENTICATE = "/api/v1/pulse/authenticate"
USER_TYPES = ("all", "anonymous", "identified")
MESSAGES = {
    400: "The request is invalid.",
    401: "Authorization has been denied for this request.",
    404: "The specified resource was not found.",
    429: "Rate limit exceeded: too many requests within the specified period of time.",
    500: "An error has occurred. Contact Raygun for further information.",
}


def error(status: int, message: str | None = None) -> web.Response:
    return json_response(
        {"message": message or MESSAGES.get(status, HTTPStatus(status).phrase)}, status
    )


STYLE = ErrorStyle(error, quota_status=429)


class Raygun:
    def __init__(self, control: SimControl, *, seed: int, clock: Clock):
        self.control = control
        self.seed = seed
        self.clock = clock
        self.quota = DailyQuota(clock, lambda: control.limits.raygun_per_day)
        self.session_keys: dict[str, tuple[str, float]] = {}  # key -> (api key, issued at)
        control.on_reset(self.quota.reset)

    def gate(self, request: web.Request) -> str:
        if request[SERVICE_PATH] == AUTHENTICATE:
            api_key = self._application(request)
        else:
            api_key = self._session(request)
        retry_after = self.quota.hit(api_key)
        if retry_after is not None:
            limit = self.control.limits.raygun_per_day
            raise Reply(
                STYLE.rate_limited(
                    retry_after, f"Rate limit exceeded: {limit} calls per day for this application."
                )
            )
        return api_key

    def _application(self, request: web.Request) -> str:
        api_key = request.headers.get("X-ApiKey", "")
        credential = self.control.credential("raygun", api_key)
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            client = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            client = None
        if (
            credential is None
            or scheme.lower() != "basic"
            or client != f"{credential.get('client_id')}:{credential.get('client_secret')}"
        ):
            raise Reply(error(401))
        return api_key

    def _session(self, request: web.Request) -> str:
        found = self.session_keys.get(request.headers.get("X-SessionKey", ""))
        if found is None:
            raise Reply(error(401))
        api_key, issued = found
        if (
            self.clock.monotonic() - issued >= SESSION_KEY_TTL
            or self.control.credential("raygun", api_key) is None
        ):
            raise Reply(error(401))
        return api_key

    async def authenticate(self, request: web.Request) -> web.Response:
        key = secrets.token_hex(16)
        self.session_keys[key] = (request[CREDENTIAL], self.clock.monotonic())
        return json_response({"sessionKey": key}, 202)

    async def sessions(self, request: web.Request) -> web.Response:
        q = request.query
        if not q.get("dateFrom") or not q.get("dateTo"):
            raise Reply(error(400, "The request is invalid: dateFrom and dateTo are required."))
        try:
            start, end = parse_datetime(q["dateFrom"]), parse_datetime(q["dateTo"])
        except ValueError:
            raise Reply(
                error(
                    400, "The request is invalid: dateFrom and dateTo must be ISO 8601 date-times."
                )
            ) from None
        skip, limit = query_int(request, "skip", 0), query_int(request, "limit", 50)
        if skip is None or skip < 0:
            raise Reply(error(400, "The request is invalid: skip must be zero or more."))
        if limit is None or not 1 <= limit <= 500:
            raise Reply(error(400, "The request is invalid: limit must be between 1 and 500."))
        user_type = q.get("userType", "all").lower()
        if user_type not in USER_TYPES:
            raise Reply(
                error(
                    400,
                    "The request is invalid: userType must be one of "
                    + ", ".join(USER_TYPES)
                    + ".",
                )
            )
        countries = {c.strip().upper() for v in q.getall("country", []) for c in v.split(",")}
        countries.discard("")
        kseed, now = key_seed(self.seed, request[CREDENTIAL]), self.clock.now()
        found = [
            s
            for s in model.sessions_between(kseed, start, end, now)
            if (not q.get("userIdentifier") or s.user.identifier == q["userIdentifier"])
            and (not countries or s.country in countries)
            and (user_type == "all" or s.user.anonymous == (user_type == "anonymous"))
        ]
        view = View(request, kseed, now)
        page = found[skip : skip + limit]

        def link(at: int) -> str:
            return str(request.url.update_query(skip=str(at), limit=str(limit)))

        return json_response(
            {
                "totalSessions": len(found),
                "sessions": [view.summary(s) for s in page],
                "links": {
                    "self": str(request.url),
                    "next": link(skip + limit) if skip + limit < len(found) else None,
                    "previous": link(max(0, skip - limit)) if skip > 0 else None,
                },
            }
        )

    async def session(self, request: web.Request) -> web.Response:
        raw = request.query.get("id", "")
        if not raw.isdigit():
            raise Reply(error(400, "The request is invalid: id must be a session id."))
        kseed, now = key_seed(self.seed, request[CREDENTIAL]), self.clock.now()
        found = model.find_session(kseed, int(raw), now)
        if found is None:
            raise Reply(error(404, f"Session {raw} was not found."))
        return json_response({"session": View(request, kseed, now).detail(found)})


class View:
    """Renders sessions as the API's JSON for one request."""

    def __init__(self, request: web.Request, kseed: int, now: datetime):
        self.root = service_root(request)
        self.now = now
        self.app_id = hex_token(6, kseed, "app-id")
        self.seen = model.seen(kseed, now)

    def _self(self, session: model.Session) -> str:
        url: URL = self.root / "api/v1/pulse/session"
        return str(url.with_query(id=str(session.id)))

    def _web(self, what: str) -> str:
        return f"https://app.raygun.com/realuser/{self.app_id}/{what}"

    def summary(self, s: model.Session) -> dict[str, Any]:
        active = s.end > self.now
        views = [v for v in s.page_views if v.viewed_on <= self.now]
        updated = views[-1].viewed_on if active else s.end
        first, last = self.seen.get(s.user.id, (None, None))
        browser, browser_version, os_name, os_version, platform = s.client
        return {
            "id": s.id,
            "sessionStart": iso_z(s.start, millis=True),
            "sessionUpdated": iso_z(updated, millis=True),
            "sessionEnd": None if active else iso_z(s.end, millis=True),
            "user": {
                "id": s.user.id,
                "isAnonymous": s.user.anonymous,
                "identifier": s.user.identifier,
                "firstName": s.user.first_name,
                "fullName": s.user.full_name,
                "emailAddress": s.user.email,
                "firstSeen": iso_z(first, millis=True) if first else None,
                "lastSeen": iso_z(last, millis=True) if last else None,
                "links": {"web": self._web(f"users/{s.user.id}")},
            },
            "browser": {"name": browser, "version": browser_version},
            "platform": {"name": platform},
            "os": {"name": os_name, "version": os_version},
            "location": {"country": s.country, "ipAddress": s.ip},
            "sessionLength": int(
                ((self.now if active else s.end) - s.start).total_seconds() * 1000
            ),
            "status": "active" if active else "ended",
            "pageViewCount": len(views),
            "links": {"self": self._self(s), "web": self._web(f"sessions/{s.id}")},
        }

    def detail(self, s: model.Session) -> dict[str, Any]:
        out = self.summary(s)
        views = [v for v in s.page_views if v.viewed_on <= self.now]
        name, places, _ = model.COUNTRIES[s.country]
        state, city = places[s.id % len(places)]
        out["location"]["ipLookup"] = {"country": name, "state": state, "city": city}
        out.pop("pageViewCount")
        detail = {
            key: out[key] for key in ("id", "sessionStart", "sessionUpdated", "sessionEnd", "user")
        }
        detail["satisfactionRating"] = satisfaction(s)
        detail |= {
            key: out[key]
            for key in ("browser", "platform", "os", "location", "sessionLength", "status")
        }
        detail["errors"] = [
            {
                "groupId": e.group_id,
                "instanceId": e.instance_id,
                "title": e.title,
                "links": {
                    "web": f"https://app.raygun.com/crashreporting/{self.app_id}/errors/"
                    f"{e.group_id}?instanceId={e.instance_id}"
                },
            }
            for e in s.errors
        ]
        detail["pageViews"] = [
            {
                "page": v.page,
                "loadingTime": v.loading_ms,
                "viewingTime": v.viewing_ms,
                "viewedOn": iso_z(v.viewed_on, millis=True),
            }
            for v in views
        ]
        detail["links"] = out["links"]
        return detail


def satisfaction(s: model.Session) -> str:
    """Excellent/Good/Average/Poor from load times, one step worse when errors occurred."""
    average = sum(v.loading_ms for v in s.page_views) / len(s.page_views)
    level = 0 if average < 1200 else 1 if average < 2500 else 2 if average < 5000 else 3
    ratings = ("Excellent", "Good", "Average", "Poor")
    return ratings[min(3, level + (1 if s.errors else 0))]


def create_app(control: SimControl, *, seed: int, clock: Clock, mount: str = "") -> web.Application:
    service = Raygun(control, seed=seed, clock=clock)
    app = service_app("raygun", control, STYLE, mount=mount, gate=service.gate)
    app.router.add_route("GET", AUTHENTICATE, service.authenticate)
    app.router.add_route("POST", AUTHENTICATE, service.authenticate)
    app.router.add_get("/api/v1/pulse/sessions", service.sessions)
    app.router.add_get("/api/v1/pulse/session", service.session)
    return app
