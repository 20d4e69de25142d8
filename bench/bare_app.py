"""The floor the ack bench compares against: a Bolt `AsyncApp` whose `/pulse` listener
only acknowledges, served by aiohttp the way Pulse Bot is, in a process of its own.

    python -m bench.bare_app --port 3100 --secret S --api-url http://127.0.0.1:…/api/
"""

from __future__ import annotations

import argparse
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def bare_app(secret: str, api_url: str) -> web.Application:
    bolt = AsyncApp(signing_secret=secret, client=AsyncWebClient(token="xoxb-x", base_url=api_url))

    @bolt.command("/pulse")
    async def only_ack(ack: Any) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.bare_app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--api-url", required=True)
    args = parser.parse_args()
    web.run_app(
        bare_app(args.secret, args.api_url),
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=None,
    )
