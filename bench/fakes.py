"""The fake Slack Web API and the simulated services in a process of their own, for the
benchmarks that measure the app as Slack would: nothing the load generator or the app
does shares their event loop.

Prints one JSON line on stdout once serving — `{"slack": API_URL, "response": URL,
"sim": {service: base URL}, "control": SIM_ROOT, "stats": STATS_URL}` — and serves until
its stdin closes. `GET STATS_URL` answers what the fake Slack saw: `responses` (answers
posted to response_url), `posts` (messages accepted), `refused` (posts refused by the
per-channel limit), `busiest` (most posts into one channel), `first`/`last` (wall-clock
times of the first and last accepted post), `duplicates` (accepted posts with the same
text and blocks in the same channel beyond the first); `DELETE STATS_URL` forgets it all. The
simulator is steered over its own `/_control` API (latency, credentials, request counts).

    python -m bench.fakes [--per-channel-interval 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests.*

from bot.sim.server import SimServer
from tests.fakes.slack import FakeSlackServer


async def main(per_channel_interval: float) -> None:
    async with FakeSlackServer() as slack, SimServer() as sim:
        state = slack.state
        state.per_channel_interval = per_channel_interval
        offset = time.time() - time.monotonic()  # the fake stamps calls with monotonic time

        async def stats(request: web.Request) -> web.Response:
            if request.method == "DELETE":
                state.responses.clear()
                state.calls.clear()
            posts = state.posts()
            texts = Counter(
                json.dumps([p.args.get(k) for k in ("channel", "text", "blocks")]) for p in posts
            )
            channels = Counter(p.args.get("channel") for p in posts)
            return web.json_response(
                {
                    "responses": len(state.responses),
                    "posts": len(posts),
                    "refused": sum(1 for c in state.called("chat.postMessage") if not c.ok),
                    "busiest": max(channels.values(), default=0),
                    "first": posts[0].at + offset if posts else None,
                    "last": posts[-1].at + offset if posts else None,
                    "duplicates": sum(n - 1 for n in texts.values()),
                }
            )

        app = web.Application()
        app.router.add_route("*", "/stats", stats)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        print(
            json.dumps(
                {
                    "slack": slack.api_url,
                    "response": slack.response_url("{id}"),
                    "sim": sim.base_urls,
                    "control": f"{sim.url}/_control",
                    "stats": f"http://127.0.0.1:{port}/stats",
                }
            ),
            flush=True,
        )
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.fakes")
    parser.add_argument("--per-channel-interval", type=float, default=0.0)
    asyncio.run(main(parser.parse_args().per_channel_interval))
