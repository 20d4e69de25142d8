"""Simulated WeldPulse analytics API (`https://api.weldpulse.org`).

`GET /v1/stats|pages|referrers|timeseries|realtime|events|geo|devices|sites` with
`Authorization: Bearer ak_live_…`, 100 requests per minute per key (429 `RATE_LIMITED`
with `Retry-After`), errors as `{"error": …, "code": …}`. The numbers come from
`bot.sim.weldpulse_data`; realtime follows the injected clock and `SimControl.traffic`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus

from aiohttp import web

from bot.clock import Clock
from bot.sim import weldpulse_data as model
from bot.sim.base import CREDENTIAL, query_int, service_app
from bot.sim.control import SimControl
from bot.sim.data import fake_uuid, hex_token, iso_z, key_seed, number, parse_datetime
from bot.sim.ratelimit import SlidingWindow
from bot.sim.style import ErrorStyle, Reply, json_response

CODES = {429: "RATE_LIMITED", 500: "INTERNAL_ERROR"}
MESSAGES = {
    400: "Missing or invalid parameters",
    401: "Invalid or missing API key",
    403: "No sites configured for the project",
    404: "Not found",
    429: "Too many requests (100/min limit)",
    500: "Internal server error",
}
INTERVALS = {"1 hour": 1, "1 day": 24}
DOMAINS = ("acme.io", "northwind.dev", "globex.app", "initech.co", "umbrella.app", "hooli.xyz")


def error(status: int, message: str | None = None) -> web.Response:
    phrase = HTTPStatus(status)
    code = CODES.get(status, phrase.name)
    return json_response(
        {"error": message or MESSAGES.get(status, phrase.phrase), "code": code}, status
    )


STYLE = ErrorStyle(error, quota_status=403)


class WeldPulse:
    def __init__(self, control: SimControl, *, seed: int, clock: Clock):
        self.control = control
        self.seed = seed
        self.clock = clock
        self.limiter = SlidingWindow(clock, lambda: control.limits.weldpulse_per_minute)
        control.on_reset(self.limiter.reset)

    def gate(self, request: web.Request) -> str:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or self.control.credential("weldpulse", key) is None:
            raise Reply(error(401))
        retry_after = self.limiter.hit(key)
        if retry_after is not None:
            limit = self.control.limits.weldpulse_per_minute
            raise Reply(STYLE.rate_limited(retry_after, f"Too many requests ({limit}/min limit)"))
        return key

    def kseed(self, request: web.Request) -> int:
        return key_seed(self.seed, request[CREDENTIAL])

    def window(self, request: web.Request) -> tuple[datetime, datetime]:
        missing = [name for name in ("start", "end") if not request.query.get(name)]
        if missing:
            raise Reply(error(400, "Missing required parameters: " + ", ".join(missing)))
        bounds = []
        for name in ("start", "end"):
            try:
                bounds.append(parse_datetime(request.query[name]))
            except ValueError:
                raise Reply(error(400, f"Invalid ISO 8601 date for parameter: {name}")) from None
        start, end = bounds
        if start > end:
            raise Reply(error(400, "Invalid parameters: start must be before end"))
        return start, end

    def totals(self, request: web.Request) -> model.Totals:
        start, end = self.window(request)
        return model.range_totals(self.kseed(request), start, end, self.clock.now())

    def ranked(
        self, request: web.Request, rows: list[dict[str, object]], default: int
    ) -> web.Response:
        limit = query_int(request, "limit", default)
        if limit is None or limit < 1:
            raise Reply(error(400, "Invalid parameter: limit must be a positive integer"))
        return json_response({"data": rows[:limit]})

    async def stats(self, request: web.Request) -> web.Response:
        return json_response({"data": [self.totals(request).stats()]})

    async def pages(self, request: web.Request) -> web.Response:
        return self.ranked(request, model.pages(self.kseed(request), self.totals(request)), 10)

    async def referrers(self, request: web.Request) -> web.Response:
        rows = model.referrers(self.kseed(request), self.totals(request))
        return self.ranked(request, rows, 10)

    async def geo(self, request: web.Request) -> web.Response:
        return self.ranked(request, model.geo(self.kseed(request), self.totals(request)), 50)

    async def devices(self, request: web.Request) -> web.Response:
        return self.ranked(request, model.devices(self.kseed(request), self.totals(request)), 50)

    async def events(self, request: web.Request) -> web.Response:
        return json_response({"data": model.events(self.kseed(request), self.totals(request))})

    async def timeseries(self, request: web.Request) -> web.Response:
        start, end = self.window(request)
        interval = request.query.get("interval", "1 hour")
        if interval not in INTERVALS:
            raise Reply(error(400, 'Invalid interval: use "1 hour" or "1 day"'))
        series = model.buckets(
            self.kseed(request), start, end, self.clock.now(), INTERVALS[interval]
        )
        return json_response(
            {
                "data": [
                    {
                        "t": moment.strftime("%Y-%m-%dT%H:%M:%S"),
                        "visitors": t.visitors,
                        "pageviews": t.pageviews,
                        "sessions": t.sessions,
                    }
                    for moment, t in series
                ]
            }
        )

    async def realtime(self, request: web.Request) -> web.Response:
        rows = model.realtime(self.kseed(request), self.clock.now(), self.control.traffic)
        return json_response({"data": rows})

    async def sites(self, request: web.Request) -> web.Response:
        kseed = self.kseed(request)
        domain = DOMAINS[number(kseed, "domain") % len(DOMAINS)]
        created = datetime(
            2023, 1 + number(kseed, "created") % 12, 1 + kseed % 28, 9, 30, tzinfo=UTC
        )
        sites = [("Main Site", domain), ("Docs", f"docs.{domain}"), ("Blog", f"blog.{domain}")]
        count = 1 + number(kseed, "sites") % len(sites)
        return json_response(
            {
                "data": [
                    {
                        "id": fake_uuid(kseed, "site", i),
                        "domain": site_domain,
                        "name": name,
                        "site_key": "sk_live_" + hex_token(24, kseed, "site-key", i),
                        "is_active": i < 2,
                        "created_at": iso_z(created + timedelta(days=40 * i)),
                    }
                    for i, (name, site_domain) in enumerate(sites[:count])
                ]
            }
        )


def create_app(control: SimControl, *, seed: int, clock: Clock, mount: str = "") -> web.Application:
    service = WeldPulse(control, seed=seed, clock=clock)
    app = service_app("weldpulse", control, STYLE, mount=mount, gate=service.gate)
    routes = {
        "stats": service.stats,
        "pages": service.pages,
        "referrers": service.referrers,
        "timeseries": service.timeseries,
        "realtime": service.realtime,
        "events": service.events,
        "geo": service.geo,
        "devices": service.devices,
        "sites": service.sites,
    }
    for name, handler in routes.items():
        app.router.add_get(f"/v1/{name}", handler)
    return app
