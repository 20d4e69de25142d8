"""`/_control/...`: the `SimControl` operations over HTTP, for benchmarks and demos.

GET    /_control/state                     everything below at a glance
POST   /_control/faults                    {"service", "kind", "times"?, "path"?,
                                            "seconds"?, "status"?, "retry_after"?, "body"?,
                                            "method"?}
DELETE /_control/faults[?service=S]        clear faults
POST   /_control/traffic                   {"multiplier": 3.0}
POST   /_control/credentials               {"service": S, "api_key"|"token": …, …}
DELETE /_control/credentials/{service}/{secret}
GET    /_control/requests[?service=&path=] {"total", "count", "counts": [...]}
DELETE /_control/requests                  forget the request log
POST   /_control/limits                    {"raygun_per_day": 10000, …}
POST   /_control/reset                     faults, traffic, limits, log, rate counters
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.sim.control import SimControl
from bot.sim.style import json_response

FAULT_FIELDS = {
    "service",
    "kind",
    "times",
    "path",
    "seconds",
    "status",
    "retry_after",
    "body",
    "method",
}


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.text() or "{}")
    except ValueError:
        raise web.HTTPBadRequest(
            text='{"error": "the body must be JSON"}', content_type="application/json"
        ) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text='{"error": "the body must be a JSON object"}', content_type="application/json"
        )
    return body


@web.middleware
async def _value_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except (ValueError, TypeError, KeyError) as exc:
        return json_response({"error": str(exc)}, 400)


def create_control_app(control: SimControl) -> web.Application:
    async def state(request: web.Request) -> web.Response:
        return json_response(control.snapshot())

    async def add_fault(request: web.Request) -> web.Response:
        body = await _body(request)
        unknown = set(body) - FAULT_FIELDS
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        fault = control.add_fault(
            str(body["service"]),
            body["kind"],
            times=body.get("times"),
            path=body.get("path"),
            seconds=body.get("seconds"),
            status=int(body.get("status", 503)),
            retry_after=int(body.get("retry_after", 30)),
            body=body.get("body", "html"),
            method=body.get("method"),
        )
        return json_response(fault.to_json(), 201)

    async def clear_faults(request: web.Request) -> web.Response:
        before = len(control.faults)
        control.clear_faults(request.query.get("service"))
        return json_response({"cleared": before - len(control.faults)})

    async def traffic(request: web.Request) -> web.Response:
        control.set_traffic(float((await _body(request))["multiplier"]))
        return json_response({"traffic": control.traffic})

    async def register(request: web.Request) -> web.Response:
        body = await _body(request)
        service = str(body.pop("service"))
        control.register_credential(service, **{k: str(v) for k, v in body.items()})
        return json_response({"registered": service}, 201)

    async def revoke(request: web.Request) -> web.Response:
        revoked = control.revoke_credential(
            request.match_info["service"], request.match_info["secret"]
        )
        return json_response({"revoked": revoked}, 200 if revoked else 404)

    async def requests(request: web.Request) -> web.Response:
        q = request.query
        counts = [{"service": s, "path": p, "count": n} for (s, p), n in control.counts().items()]
        return json_response(
            {
                "total": control.count(),
                "count": control.count(q.get("service"), q.get("path"), q.get("method")),
                "counts": counts,
            }
        )

    async def reset_requests(request: web.Request) -> web.Response:
        control.reset_requests()
        return json_response({"total": 0})

    async def limits(request: web.Request) -> web.Response:
        control.set_limits(**{k: int(v) for k, v in (await _body(request)).items()})
        return json_response(control.snapshot()["limits"])

    async def reset(request: web.Request) -> web.Response:
        control.reset()
        return json_response(control.snapshot())

    app = web.Application(middlewares=[_value_errors])
    app.router.add_get("/state", state)
    app.router.add_post("/faults", add_fault)
    app.router.add_delete("/faults", clear_faults)
    app.router.add_post("/traffic", traffic)
    app.router.add_post("/credentials", register)
    app.router.add_delete("/credentials/{service}/{secret}", revoke)
    app.router.add_get("/requests", requests)
    app.router.add_delete("/requests", reset_requests)
    app.router.add_post("/limits", limits)
    app.router.add_post("/reset", reset)
    return app
