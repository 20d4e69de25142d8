"""Fault injection for the simulated services.

The kinds of fault `SimControl.add_fault` can inject, and what the service then does:

- `latency`: waits `seconds` (real time: it stands for the network) and answers normally.
  Several latency faults add up, and combine with one other fault.
- `status`: answers `status` with the service's own error body; 429 carries `Retry-After`.
  With a `method`, only requests of that method (405 to `GET` on a `POST`-only path).
- `timeout`: holds the request `seconds` (default an hour) so the client times out; the
  wait is cancelled when the client disconnects. If it ever ends, answers 504.
- `trickle`: answers 200 and its headers at once, then a byte of body every half second
  for `seconds` (default an hour): no read ever waits long, so only an overall deadline
  ends it.
- `malformed`: answers 200 with an HTML error page (`body="html"`), or with the real answer
  cut in half (`body="truncated"`).
- `expired`: refuses the credential with the service's 401.
- `quota`: the service's "allowance used up" answer (PulseTracker and WeldPulse 403; the
  others 429).
- `echo`: a careless service's error: answers `status` quoting the request back — every
  header (credentials included; the last sent first), the method, and the path with its
  query string — in the service's own error body (`body="json"`, its slashes escaped as
  PHP writes them: `\\/`) or an HTML error page (`body="html"`), and once more in
  `X-Echo-*` response headers. 429 carries `Retry-After`.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot.sim.control import Fault, SimControl
from bot.sim.style import ErrorStyle

HTML_ERROR_PAGE = """<!DOCTYPE html>
<html><head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>
"""


def fault_middleware(
    service: str, control: SimControl, style: ErrorStyle, *, mount: str = ""
) -> Middleware:
    """Middleware applying the faults `control` holds for `service` to each request."""

    @web.middleware
    async def faults(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path.removeprefix(mount) or "/"
        for fault in control.take_faults(service, path, request.method):
            if fault.kind == "latency":
                await asyncio.sleep(fault.seconds)
                continue
            if fault.kind == "malformed":
                return await _malformed(fault, request, handler)
            if fault.kind == "trickle":
                return await _trickle(fault, control, request)
            if fault.kind == "echo":
                return _echo(fault, request, style)
            return await _refuse(fault, control, style)
        return await handler(request)

    return faults


async def _refuse(fault: Fault, control: SimControl, style: ErrorStyle) -> web.Response:
    if fault.kind == "timeout":
        control.hanging += 1
        try:
            await asyncio.sleep(fault.seconds)
        finally:
            control.hanging -= 1
        return style.error(504, None)
    if fault.kind == "expired":
        return style.unauthorized()
    if fault.kind == "quota":
        return style.quota()
    if fault.status == 429:
        return style.rate_limited(fault.retry_after)
    return style.error(fault.status, None)


def _echo(fault: Fault, request: web.Request, style: ErrorStyle) -> web.Response:
    headers = list(request.headers.items())
    quoted = "; ".join(f"{name}: {value}" for name, value in reversed(headers))
    said = f"{quoted} in {request.method} {request.path_qs}"
    if fault.body == "html":
        page = f"<html><body><h1>Error {fault.status}</h1><pre>{said}</pre></body></html>"
        response = web.Response(status=fault.status, text=page, content_type="text/html")
    else:
        response = style.error(fault.status, said)
        assert isinstance(response.body, bytes)
        response.body = response.body.replace(b"/", b"\\/")  # still JSON, as PHP writes it
    for name, value in headers:
        response.headers[f"X-Echo-{name}"] = value
    if fault.status == 429:
        response.headers["Retry-After"] = str(fault.retry_after)
    return response


async def _trickle(
    fault: Fault, control: SimControl, request: web.Request
) -> web.StreamResponse:
    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    until = loop.time() + fault.seconds
    control.hanging += 1
    try:
        await response.write(b"{")
        while loop.time() < until:
            await asyncio.sleep(0.5)
            await response.write(b" ")
    finally:
        control.hanging -= 1
    return response


async def _malformed(fault: Fault, request: web.Request, handler: Handler) -> web.Response:
    if fault.body == "html":
        return web.Response(status=200, text=HTML_ERROR_PAGE, content_type="text/html")
    real = await handler(request)
    body = real.body if isinstance(real, web.Response) else None
    raw = body if isinstance(body, bytes) and len(body) > 1 else b'{"data": [{"id": 1, "na'
    return web.Response(status=200, body=raw[: len(raw) // 2], content_type="application/json")
