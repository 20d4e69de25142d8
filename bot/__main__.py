"""`python -m bot [MODE]`: serve, socket, console, simulate, clock, and operator commands.

Without a mode the environment decides (PRODUCT §4): Socket Mode if SLACK_APP_TOKEN is set,
else HTTP if SLACK_SIGNING_SECRET is set, else the local console.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot import cli
from bot.config import Mode, Settings
from bot.errors import ConfigError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="Pulse Bot")
    sub = p.add_subparsers(dest="mode")
    sub.add_parser("serve", help="HTTP mode: POST /slack/events on PORT")
    sub.add_parser("socket", help="Socket Mode with SLACK_APP_TOKEN")
    console = sub.add_parser("console", help="local console against simulated services")
    console.add_argument("--once", metavar="LINE", help='answer one line, e.g. "/pulse help"')
    console.add_argument(
        "--json", action="store_true", help="with --once: print the Block Kit payload"
    )
    simulate = sub.add_parser("simulate", help="serve the simulated services on loopback")
    simulate.add_argument("--port", type=int, default=9000)
    simulate.add_argument("--seed", type=int, default=42)
    sub.add_parser("clock", help="run only the digest/alert scheduler (PULSEBOT_SCHEDULER=clock)")
    sub.add_parser("keygen", help="print a new PULSEBOT_SECRET_KEY value")
    sub.add_parser("rotate-keys", help="re-encrypt every secret with the newest key")
    cli.add_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None, env: dict[str, str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env(env)
        mode = args.mode or settings.default_mode().value
        if mode == "keygen":
            return cli.keygen()
        if mode == "simulate":
            from bot.sim.server import serve_forever

            try:
                asyncio.run(serve_forever("127.0.0.1", args.port, args.seed))
            except OSError as exc:
                raise ConfigError(
                    f"The simulator cannot listen on port {args.port} ({exc.strerror}): "
                    "choose another with --port."
                ) from None
            return 0
        if mode == "console":
            from bot import console

            once, as_json = getattr(args, "once", None), getattr(args, "json", False)
            return asyncio.run(console.run(settings, once=once, as_json=as_json))
        from bot import runner

        if mode in (Mode.HTTP.value, Mode.SOCKET.value):
            settings.check_for(Mode(mode))
            return asyncio.run(runner.run(settings, Mode(mode)))
        if mode == "clock":
            return asyncio.run(runner.run_scheduler_only(settings))
        return cli.run(args, settings)
    except ConfigError as err:
        print(f"pulsebot: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
