"""Long-running modes: the HTTP server, Socket Mode, and the standalone clock."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.app import Runtime, configure_logging
from bot.config import Mode, Settings
from bot.errors import ConfigError

log = logging.getLogger("bot")

GRACE = 20.0  # seconds a deploy waits for work under way


async def wait_for_stop() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def start_http(runtime: Runtime, host: str, port: int) -> web.AppRunner:
    """Start the aiohttp server for the Slack endpoints; returns its runner (port 0 = any)."""
    wiring = runtime.slack()
    runner = web.AppRunner(wiring.web, access_log=None, shutdown_timeout=GRACE)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise ConfigError(
            f"Pulse Bot cannot listen on port {port} ({exc.strerror}): set PORT to a free port "
            "or stop what is using it."
        ) from None
    return runner


async def stop(runtime: Runtime, runner: web.AppRunner | None = None) -> None:
    """A deploy (SIGTERM): take no new requests, finish the answers under way, the posts
    and the scheduler's current run (up to GRACE seconds), give up the scheduler lease."""
    if runner is not None:
        for site in list(runner.sites):
            await site.stop()  # the listening socket closes; requests under way go on
    left = await runtime.inflight.drain(GRACE)
    if left:
        log.warning("stopping with %d answers unfinished after %.0f s", left, GRACE)
    await runtime.stop_background()
    if runner is not None:
        await runner.cleanup()


async def start_socket(runtime: Runtime, ping_interval: float = 10) -> AsyncSocketModeHandler:
    """Connect to Slack over Socket Mode (apps.connections.open on SLACK_API_URL). While
    Slack cannot be reached, slack_sdk's client tries again every `ping_interval` seconds
    by itself (logging each failure), so the process connects once Slack is back."""
    handler = AsyncSocketModeHandler(
        runtime.slack().bolt, runtime.settings.app_token, ping_interval=ping_interval
    )
    await handler.connect_async()  # type: ignore[no-untyped-call]
    return handler


async def run(settings: Settings, mode: Mode) -> int:
    configure_logging(settings.log_level, settings.secrets())
    runtime = Runtime.build(settings)
    try:
        await runtime.watch_slack()  # Slack down now: commands say so until it is back
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
            log.info("stopping: finishing the answers and posts under way")
            await stop(runtime, runner)
    finally:
        await runtime.stop_background()
        await runtime.close()
    return 0


async def run_scheduler_only(settings: Settings) -> int:
    """Only the scheduler, for deployments that run several web processes."""
    configure_logging(settings.log_level, settings.secrets())
    runtime = Runtime.build(settings)
    try:
        await runtime.start_background(force_scheduler=True)
        log.info("Pulse Bot clock running")
        await wait_for_stop()
    finally:
        await runtime.stop_background()
        await runtime.close()
    return 0
