"""How a simulated service answers when something is wrong.

`ErrorStyle` gives each service its own error body; `Reply` lets a handler or gate stop
early with a ready response.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web


class Reply(Exception):
    """Raised by handlers and gates to answer at once with `response`."""

    def __init__(self, response: web.Response):
        super().__init__(response.status)
        self.response = response


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers=headers,
        content_type="application/json",
    )


@dataclass(frozen=True)
class ErrorStyle:
    """How one service words its errors.

    `error(status, message)` builds the service's error body (message None → its default
    wording for that status, 401 included); `quota_status`/`quota_message` are its
    "allowance used up" answer.
    """

    error: Callable[[int, str | None], web.Response]
    quota_status: int
    quota_message: str | None = None

    def unauthorized(self) -> web.Response:
        return self.error(401, None)

    def quota(self, retry_after: int = 3600) -> web.Response:
        response = self.error(self.quota_status, self.quota_message)
        if self.quota_status == 429:
            response.headers["Retry-After"] = str(retry_after)
        return response

    def rate_limited(self, retry_after: int, message: str | None = None) -> web.Response:
        response = self.error(429, message)
        response.headers["Retry-After"] = str(retry_after)
        return response
