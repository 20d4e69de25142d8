"""One Pulse Bot process as the Procfile runs it, for the multi-process tests and bench:

    python -m tests.e2e.launch web|clock --shift SECONDS [--lease S] [--sweep S]
                                          [--crash-at POINT]

`web` is `python -m bot serve` (HTTP on PORT), `clock` is `python -m bot clock`; the
settings come from the environment as always. Two things are injected, as far as a test
can reach into another process: the clock is shifted by `--shift` seconds (so a digest
"due in the next minute" is due in a second or two), and the scheduler's lease and sweep
are short (so a take-over is seen in seconds rather than in a minute). With `--crash-at`,
the process kills itself (SIGKILL, as `kill -9` would) at a chosen point of its work:

    digest-claimed     a digest run was claimed; nothing posted yet
    digest-posted      a digest's post reached Slack; nothing recorded yet
    alert-posted       an alert's announcement reached Slack; nothing recorded yet
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from datetime import datetime, timedelta

from bot.app import Runtime, configure_logging
from bot.clock import SystemClock
from bot.config import Settings
from bot.features.scheduler import Timing
from bot.runner import start_http, stop, wait_for_stop


class ShiftedClock(SystemClock):
    def __init__(self, shift: float) -> None:
        self.shift = timedelta(seconds=shift)

    def now(self) -> datetime:
        return super().now() + self.shift


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def crash_at(point: str, runtime: Runtime) -> None:
    """Arrange for the process to be killed at `point` (see the module docstring)."""
    if point == "digest-claimed":
        claim = runtime.store.digests.claim_run

        async def claimed(*args: object, **kwargs: object) -> bool:
            won = await claim(*args, **kwargs)  # type: ignore[arg-type]
            if won:
                die()
            return won

        runtime.store.digests.claim_run = claimed  # type: ignore[method-assign]
        return
    post = runtime.poster.post

    async def posted(*args: object, **kwargs: object) -> object:
        result = await post(*args, **kwargs)  # type: ignore[arg-type]
        key = str(kwargs.get("key") or "")
        if key.startswith(point.removesuffix("-posted") + ":"):
            die()
        return result

    runtime.poster.post = posted  # type: ignore[method-assign,assignment]


async def run(mode: str, shift: float, timing: Timing, crash: str | None) -> int:
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.secrets())
    runtime = Runtime.build(settings, clock=ShiftedClock(shift))
    if crash is not None:
        crash_at(crash, runtime)
    runner = None
    try:
        await runtime.start_background(force_scheduler=mode == "clock", timing=timing)
        runner = await start_http(runtime, "127.0.0.1", settings.port) if mode == "web" else None
        print("ready", flush=True)
        await wait_for_stop()
        await stop(runtime, runner)
    finally:
        await runtime.stop_background()
        await runtime.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.launch")
    parser.add_argument("mode", choices=("web", "clock"))
    parser.add_argument("--shift", type=float, default=0.0)
    parser.add_argument("--lease", type=float, default=45.0)
    parser.add_argument("--sweep", type=float, default=5.0)
    parser.add_argument("--crash-at", choices=("digest-claimed", "digest-posted", "alert-posted"))
    args = parser.parse_args()
    return asyncio.run(run(args.mode, args.shift, Timing(args.sweep, args.lease), args.crash_at))


if __name__ == "__main__":
    raise SystemExit(main())
