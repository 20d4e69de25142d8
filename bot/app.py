"""The ONE place that reads Settings and wires clients, store, Bolt app and scheduler.

`Runtime.build(settings)` makes every long-lived part once; the run modes in
`bot.__main__` (serve, socket, console, clock) start the parts they need.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.async_app import AsyncApp

from bot.clients.network import service_transport
from bot.clients.pool import ClientPool
from bot.clock import Clock, SystemClock
from bot.config import SchedulerPlacement, Settings
from bot.errors import ConfigError
from bot.features.alerts import Alerts
from bot.features.digests import Digests
from bot.features.poster import Poster
from bot.features.scheduler import LEASE_NAME, Scheduler, Timing
from bot.listeners import register
from bot.listeners.deps import Deps
from bot.redact import scrub, secret_values
from bot.slack.bolt import build_bolt_app, web_app, web_client
from bot.slack.gate import Gate
from bot.slack.inflight import InFlight
from bot.slack.outbound import BotTokens, Outbound
from bot.slack.reachability import Reachability
from bot.store import Store
from bot.store.crypto import Secrets, load_or_create_key_file, parse_keys
from bot.store.opening import open_database
from bot.store.rotation import readable_secrets
from bot.team import Team
from commands import build_router
from commands.context import Access, Context, SlackSurface
from commands.router import Router

log = logging.getLogger("bot")


class RedactSecrets(logging.Filter):
    """The last line of defence: the configured secrets (by value) and anything shaped like
    a key never reach a log line, tracebacks included; and a line is one line — newlines
    from outside (a request, a service) cannot forge the next entry."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = secret_values(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = original = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, None
        cleaned = scrub(message, self.secrets)
        # continuation lines (a traceback) are indented, so none reads as a new entry; every
        # line break counts (a lone \r, U+2028…: whatever a log reader may split lines on)
        head, *rest = cleaned.splitlines() or [""]
        cleaned = "\n".join([head, *("    " + line for line in rest)])
        if cleaned != original or rest:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # one line per request or per job run (twice a second) drowns what matters
    for chatty in ("httpx", "apscheduler.executors.default", "apscheduler.scheduler"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
    # at DEBUG, Bolt and slack_sdk log whole request and response bodies (messages, form
    # submissions with credentials, OAuth codes), and httpcore every answer's headers (which
    # a careless service fills with the request's, credentials included): they stay at
    # INFO whatever LOG_LEVEL says
    for talkative in ("slack_bolt", "slack_sdk", "httpcore"):
        logging.getLogger(talkative).setLevel(max(logging.INFO, root.level))


def load_secrets(settings: Settings, announce: Callable[[str], None] | None = None) -> Secrets:
    """Fernet keys from PULSEBOT_SECRET_KEY, or a generated 0600 key file for local runs."""
    if settings.secret_keys:
        return Secrets(parse_keys(settings.secret_keys))
    if settings.signing_secret:
        raise ConfigError("PULSEBOT_SECRET_KEY is required once SLACK_SIGNING_SECRET is set.")
    key, created = load_or_create_key_file(settings.key_file)
    if created:
        (announce or log.warning)(
            f"No PULSEBOT_SECRET_KEY set: generated a local key in {settings.key_file} "
            "(mode 0600). Set PULSEBOT_SECRET_KEY before using real credentials."
        )
    return Secrets([key])


def open_store(
    settings: Settings, clock: Clock, announce: Callable[[str], None] | None = None
) -> Store:
    secrets = load_secrets(settings, announce)
    return Store(open_database(settings.database), secrets, clock)


@dataclass(frozen=True, slots=True)
class SlackWiring:
    bolt: AsyncApp
    web: web.Application


@dataclass
class Runtime:
    """Every long-lived part, built once from Settings."""

    settings: Settings
    clock: Clock
    store: Store
    router: Router
    http: httpx.AsyncClient
    pool: ClientPool
    poster: Poster
    digests: Digests
    alerts: Alerts
    health_checks: dict[str, Callable[[], Awaitable[bool]]] = field(default_factory=dict)
    inflight: InFlight = field(default_factory=InFlight)
    reachability: Reachability | None = None  # watched once started (`watch_slack`)
    apscheduler: AsyncIOScheduler | None = None
    scheduler: Scheduler | None = None

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        announce: Callable[[str], None] | None = None,
        outbound: Poster | None = None,
    ) -> Runtime:
        clock = clock or SystemClock()
        store = open_store(settings, clock, announce)
        readable, unreadable = readable_secrets(store)
        if unreadable and not readable:
            store.close()
            raise ConfigError(
                "PULSEBOT_SECRET_KEY cannot decrypt any of the secrets stored in the database: "
                "add the key they were written with (keys are comma-separated, newest first), "
                "or point DATABASE_URL / DATABASE_PATH at the database these keys belong to."
            )
        http = httpx.AsyncClient(
            timeout=httpx.Timeout(15.0, connect=5.0), transport=service_transport()
        )
        pool = ClientPool(
            http,
            settings.base_urls,
            clock,
            store.credentials,
            store.budgets,
            windows=store.rate_windows,
        )
        poster = outbound or Outbound(
            BotTokens(settings, store).token, clock, api_url=settings.slack_api_url
        )
        digests = Digests(store, pool, poster, clock)
        alerts = Alerts(store, pool, poster, clock, interval=settings.alert_interval)
        runtime = cls(
            settings,
            clock,
            store,
            build_router(),
            http,
            pool,
            poster,
            digests,
            alerts,
        )
        runtime.health_checks["database"] = store.ping
        if unreadable:
            total = readable + unreadable
            log.error("%d of %d stored secrets cannot be decrypted", unreadable, total)

            async def secrets_readable() -> bool:
                return False

            runtime.health_checks["secrets"] = secrets_readable
        return runtime

    # ---- background work: the scheduler runs in exactly one process --------------------

    def runs_scheduler(self, force: bool = False) -> bool:
        return force or self.settings.scheduler is SchedulerPlacement.WEB

    async def start_background(
        self, *, force_scheduler: bool = False, timing: Timing | None = None
    ) -> None:
        if not self.runs_scheduler(force_scheduler):
            log.info("scheduler left to the clock process (PULSEBOT_SCHEDULER=clock)")
            return
        self.apscheduler = AsyncIOScheduler(timezone="UTC")
        self.apscheduler.start()
        apscheduler = self.apscheduler

        async def running() -> bool:
            """APScheduler runs, and the sweep is not overdue (a stuck scheduler)."""
            return bool(apscheduler.running) and not (
                self.scheduler is not None and self.scheduler.overdue()
            )

        self.health_checks["scheduler"] = running
        self.scheduler = Scheduler(
            self.store,
            self.digests,
            self.clock,
            evaluate_alerts=self.alerts.evaluate_all,
            alert_interval=self.settings.alert_interval,
            timing=timing or Timing(),
        )
        await self.scheduler.start(apscheduler)

    async def stop_background(self) -> None:
        """Stop the scheduler: no new jobs; the run under way finishes; the lease is given up."""
        if self.apscheduler is not None and self.apscheduler.running:
            self.apscheduler.shutdown(wait=False)
        if self.scheduler is not None:
            scheduler, self.scheduler = self.scheduler, None
            await scheduler.stop()

    # ---- Slack ----------------------------------------------------------------------------

    def slack(self) -> SlackWiring:
        """The Bolt app with its listeners, and the aiohttp app serving it."""
        bolt = build_bolt_app(self.settings, self.store)
        deps = Deps(
            store=self.store,
            router=self.router,
            alerts=self.alerts,
            contexts=self,
            inflight=self.inflight,
            slack_watch=lambda: self.reachability,
        )
        register(bolt, deps)
        gate = Gate(self.settings.signing_secret)
        return SlackWiring(
            bolt, web_app(bolt, self.health, gate, self.inflight, lambda: deps.reachable)
        )

    async def context(
        self,
        team: Team,
        user_id: str,
        channel_id: str,
        tz: ZoneInfo,
        *,
        workspace_admin: bool,
        slack: SlackSurface,
    ) -> Context:
        """The `Context` of one request, from Slack or the console alike."""
        return Context(
            team=team,
            user_id=user_id,
            channel_id=channel_id,
            tz=tz,
            clock=self.clock,
            store=self.store,
            directory=await self.pool.directory(team),
            access=Access(workspace_admin=workspace_admin, operators=self.settings.admins),
            slack=slack,
            digests=self.digests,
            alerts=self.alerts,
            commands=self.router,
        )

    async def health(self) -> dict[str, Any]:
        report: dict[str, Any] = {}
        for name, check in self.health_checks.items():
            try:
                report[name] = bool(await check())
            except Exception as exc:  # a health probe must answer, whatever broke
                report[name] = False
                report[f"{name}_error"] = type(exc).__name__
        try:  # which process runs the scheduler: this one, another, or none
            report["scheduler_holder"] = await self.store.leases.holder(LEASE_NAME)
        except Exception:  # the database check above already says what is wrong
            report["scheduler_holder"] = None
        if self.scheduler is not None:
            report["this_process"] = self.scheduler.holder
        return report

    async def watch_slack(self, every: float = 15.0) -> None:
        """Learn now whether Slack's Web API answers; while it does not, commands are
        acknowledged with a sentence saying so, and it is asked again every `every` s."""
        if self.reachability is None:
            self.reachability = Reachability(web_client(self.settings), every=every)
        await self.reachability.start()

    async def close(self) -> None:
        if self.reachability is not None:
            await self.reachability.stop()
        await self.poster.close()
        await self.http.aclose()
        self.store.close()
