"""Long-running modes: the HTTP server, Socket Mode, and the standalone clock."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.app import Runtime, configure_logging
from bot.config import Mode, Settings

log = logging.getLogger("bot")


async def wait_for_stop() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def start_http(runtime: Runtime, host: str, port: int) -> web.AppRunner:
    """Start the aiohttp server for the Slack endpoints; returns its runner (port 0 = any)."""
    wiring = runtime.slack()
    runner = web.AppRunner(wiring.web, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def start_socket(runtime: Runtime) -> AsyncSocketModeHandler:
    """Connect to Slack over Socket Mode (apps.connections.open on SLACK_API_URL)."""
    handler = AsyncSocketModeHandler(runtime.slack().bolt, runtime.settings.app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    return handler


async def run(settings: Settings, mode: Mode) -> int:
    configure_logging(settings.log_level)
    runtime = Runtime.build(settings)
    try:
        await runtime.start_background()
        if mode is Mode.SOCKET:
            handler = await start_socket(runtime)
            log.info("Pulse Bot connected in Socket Mode")
            await wait_for_stop()
            await handler.close_async()  # type: ignore[no-untyped-call]
        else:
            runner = await start_http(runtime, "0.0.0.0", settings.port)
            log.info("Pulse Bot listening on port %d (POST /slack/events)", settings.port)
            await wait_for_stop()
            await runner.cleanup()
    finally:
        await runtime.stop_background()
        await runtime.close()
    return 0


async def run_scheduler_only(settings: Settings) -> int:
    """Only the scheduler, for deployments that run several web processes."""
    configure_logging(settings.log_level)
    runtime = Runtime.build(settings)
    try:
        await runtime.start_background(force_scheduler=True)
        log.info("Pulse Bot clock running")
        await wait_for_stop()
    finally:
        await runtime.stop_background()
        await runtime.close()
    return 0
