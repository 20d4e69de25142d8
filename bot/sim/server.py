"""All five simulated services behind one aiohttp server, plus `/_control`.

`build_app` mounts each service under its key (`/weldpulse`, `/raygun`, `/whatpulse`,
`/pulsetracker`, `/pulsepro`), so `http://127.0.0.1:PORT/weldpulse` is a base URL the bot
can be configured with. `SimServer` runs it on loopback for tests and the console;
`serve_forever` runs it for `python -m bot simulate` and prints the environment to use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from types import TracebackType
from typing import Protocol

from aiohttp import web

from bot.clock import Clock, SystemClock
from bot.sim import pulsepro, pulsetracker, raygun, weldpulse, whatpulse
from bot.sim.control import SimControl
from bot.sim.control_http import create_control_app
from bot.sim.demo import DEMO_CREDENTIALS, SERVICES


class ServiceFactory(Protocol):
    def __call__(
        self, control: SimControl, *, seed: int, clock: Clock, mount: str = ""
    ) -> web.Application: ...


FACTORIES: dict[str, ServiceFactory] = {
    "weldpulse": weldpulse.create_app,
    "raygun": raygun.create_app,
    "whatpulse": whatpulse.create_app,
    "pulsetracker": pulsetracker.create_app,
    "pulsepro": pulsepro.create_app,
}


def build_app(
    control: SimControl | None = None, *, seed: int = 42, clock: Clock | None = None
) -> web.Application:
    """The combined application: every service under `/<service>`, and `/_control`."""
    control = control if control is not None else SimControl()
    clock = clock if clock is not None else SystemClock()
    root = web.Application()
    for service in SERVICES:
        mount = f"/{service}"
        root.add_subapp(mount, FACTORIES[service](control, seed=seed, clock=clock, mount=mount))
    root.add_subapp("/_control", create_control_app(control))
    return root


class SimServer:
    """The simulated services on a loopback port (0 = any free port) while in `async with`.

    `.url` is the server root, `.base_urls[service]` each service's base URL, `.control`
    the `SimControl` steering them.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int = 42,
        clock: Clock | None = None,
        control: SimControl | None = None,
    ):
        self.host = host
        self.port = port
        self.seed = seed
        self.clock = clock
        self.control = control if control is not None else SimControl()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_urls(self) -> dict[str, str]:
        return {service: f"{self.url}/{service}" for service in SERVICES}

    async def start(self) -> None:
        app = build_app(self.control, seed=self.seed, clock=self.clock)
        # Cancel handlers whose client went away (a `timeout` fault must not outlive it),
        # and do not wait long for them at shutdown.
        runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=0.5, access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self.port = int(runner.addresses[0][1])
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SimServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


def export_lines(base_urls: Mapping[str, str]) -> list[str]:
    """`export WELDPULSE_BASE_URL=…` for every service, in the product's order."""
    return [f"export {service.upper()}_BASE_URL={base_urls[service]}" for service in SERVICES]


async def serve_forever(host: str = "127.0.0.1", port: int = 9000, seed: int = 42) -> None:
    """Serve the simulated services until cancelled, printing the environment to use."""
    async with SimServer(host, port, seed=seed) as server:
        print(f"Simulated Pulse services on {server.url} (seed {seed}). Point the bot at them:")
        for line in export_lines(server.base_urls):
            print(line)
        print(f"Steer them at {server.url}/_control/state (faults, traffic, limits).")
        print("\nThey accept these demo credentials (for `/pulse connect SERVICE`):")
        for service, fields in DEMO_CREDENTIALS.items():
            shown = ", ".join(f"{name}={value}" for name, value in fields.items())
            print(f"  {service}: {shown}")
        print(flush=True)
        await asyncio.Event().wait()
