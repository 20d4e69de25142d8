"""The scaffolding every simulated service is built on.

`service_app` makes the aiohttp application for one service with the middleware chain
that is the same everywhere: log the request in `SimControl`, apply injected faults,
turn `Reply` exceptions into responses, then run the service's `gate` (authentication
and rate limiting) before the handler. Each service only supplies its `ErrorStyle`:
the body its errors have, so every failure looks like that service's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from yarl import URL

from bot.sim.control import SimControl
from bot.sim.faults import fault_middleware
from bot.sim.style import ErrorStyle, Reply

CREDENTIAL = web.RequestKey("sim_credential", str)
"""The primary secret of the credential that the service's gate accepted."""

SERVICE_PATH = web.RequestKey("sim_service_path", str)
"""The request path inside the service, without the mount prefix."""


Gate = Callable[[web.Request], str | None]
"""Checks a request before its handler: returns the credential, or None for open routes;
raises `Reply` to refuse it."""


def service_app(
    service: str,
    control: SimControl,
    style: ErrorStyle,
    *,
    mount: str = "",
    gate: Gate | None = None,
    outer: Iterable[Middleware] = (),
) -> web.Application:
    """An application for `service` mounted at `mount` ("" when served on its own).

    `outer` middlewares run before fault injection (PulsePro's rate-limit headers).
    """

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path.removeprefix(mount) or "/"
        request[SERVICE_PATH] = path
        entry = control.record(service, request.method, path, request.query_string)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            entry.status = exc.status
            raise
        entry.status = response.status
        return response

    @web.middleware
    async def replies(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            if gate is not None:
                credential = gate(request)
                if credential is not None:
                    request[CREDENTIAL] = credential
            return await handler(request)
        except Reply as reply:
            return reply.response
        except web.HTTPNotFound:
            return style.error(404, None)
        except web.HTTPMethodNotAllowed:
            return style.error(405, None)

    faults = fault_middleware(service, control, style, mount=mount)
    middlewares: list[Middleware] = [record, *outer, faults, replies]
    return web.Application(middlewares=middlewares)


def query_int(request: web.Request, name: str, default: int) -> int | None:
    """The integer query parameter `name` (or `default` when absent); None if not an integer."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        return None


def service_root(request: web.Request) -> URL:
    """The absolute URL the service is mounted at, as the client addressed it."""
    inside = request.get(SERVICE_PATH, "")
    mount = request.path[: len(request.path) - len(inside)] if inside else ""
    return request.url.origin().with_path(mount or "/")
