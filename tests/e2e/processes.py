"""Pulse Bot processes for the tests that need several, or need one killed: each is
`python -m tests.e2e.launch` (see there), started with its own environment."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LEASE = 4.0  # seconds: a take-over is seen in seconds, not in a minute
START = 60.0  # seconds a process may take to start (imports, migrations)


@dataclass
class Process:
    name: str
    proc: asyncio.subprocess.Process
    port: int | None = None

    async def ready(self) -> None:
        assert self.proc.stdout is not None
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), START)
            if not line:
                raise AssertionError(f"{self.name} ended before it was ready")
            if line.strip() == b"ready":
                return

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)


async def launch(
    name: str,
    mode: str,
    env: dict[str, str],
    shift: float,
    *,
    lease: float = LEASE,
    crash_at: str | None = None,
    log: Path | None = None,
) -> Process:
    """`python -m tests.e2e.launch` with `env`; `ready()` waits until it serves. Its log
    goes to `log` when given (a test reads it), else to PULSE_DEBUG_STDERR when set."""
    extra = [f"--crash-at={crash_at}"] if crash_at else []
    # PULSE_DEBUG_STDERR=file keeps the processes' logs, to see why a test failed
    debug = str(log) if log else os.environ.get("PULSE_DEBUG_STDERR")
    errors = (
        os.open(debug, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        if debug
        else asyncio.subprocess.DEVNULL
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.launch",
        mode,
        f"--shift={shift}",
        f"--lease={lease}",
        "--sweep=0.5",
        *extra,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=errors,
    )
    if errors is not asyncio.subprocess.DEVNULL:
        os.close(errors)
    return Process(name, proc, int(env["PORT"]) if mode == "web" else None)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
