"""Secrets stay secret, against the real app on loopback, when every service turns careless.

Each of the five simulated services is connected through the real connect form with
credentials of its own (long, distinctive, one with a quote and a backslash), and then
answers every request with an error that quotes the request back — every header, the
path and its query string, in its own error body or an HTML page, and in `X-Echo-*`
response headers (`bot.sim.faults`, `echo`): Raygun's session-key exchange included.
A plain member then runs the commands, alerts are evaluated until they say they cannot
be checked, and a digest is run. None of the secrets — the credentials, Raygun's Basic
pair and its session keys, the signing secret, the bot token, the Fernet key — in any
form (as is, JSON-escaped, URL-encoded, base64), nor twelve characters of one in a row,
may then be found in what Slack was sent, in what the app answered over HTTP, in the log
at DEBUG, in the audit table, or in the bytes of the SQLite database, its WAL and its
shared memory (all three 0600).

And at DEBUG the log carries no message bodies, and a connect form that fails the
signature check is one log line, without the credentials typed into it.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import logging
import math
import stat
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlencode
from zoneinfo import ZoneInfo

import pytest

from bot.app import configure_logging
from bot.clients import raygun
from bot.clients.raygun_models import parse_session_key
from bot.features.alert_metrics import CATALOGUE
from bot.features.recurrence import Schedule
from bot.sim.control import EchoBody
from bot.sim.server import SimServer
from bot.team import Team
from commands.connect import connect_view
from tests.e2e.harness import PulseHarness, e2e_settings, start_harness, stop_harness
from tests.fakes.clock import FakeClock
from tests.fakes.slack import FakeSlackServer

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # file bytes

TEAM = Team("T0000001")
BOSS, MEMBER = "U0BOSS", "U0MEMBER"
SUBMISSIONS = itertools.count(1)
BOT_TOKEN = "xoxb-S3cretBotToken-4c1d2e3f4a5b6c7d"
CREDENTIALS: dict[str, dict[str, str]] = {
    "weldpulse": {"api_key": "S3cretWP-KEY-9f8e7d6c5b4a3210"},
    "raygun": {
        "api_key": "S3cretRG-APPKEY-1a2b3c4d5e6f",
        "client_id": "S3cretRG-CLIENTID-6f7a8b9c?",  # `/` in the Basic pair's base64
        "client_secret": "S3cretRG-CLIENTSECRET-0d1e2f3a",
    },
    "whatpulse": {"token": "S3cretWH/TOKEN-7b8c9d0e1f2a", "user": "ana"},  # PHP: `\\/`
    "pulsetracker": {"token": "S3cretPT-TOKEN-2a3b4c5d6e7f"},
    # a quote and a backslash: the JSON-escaped form differs from the value itself
    "pulsepro": {"api_key": 'S3cretPP"KEY\\xyz-4e5f6a7b8c'},
}
SECRET_FIELDS = {"whatpulse": ("token",)}  # the other services: every field
ALERTS = {  # one alert per service, posting into #alerts
    "weldpulse": "weldpulse.realtime",
    "raygun": "raygun.sessions",
    "whatpulse": "whatpulse.keys",
    "pulsetracker": "pulsetracker.messages_sent",
    "pulsepro": "pulsepro.open_actions",
}
COMMANDS = (
    "services",
    "stats 7d",
    "pages 7d",
    "realtime",
    "sessions ana@example.com 7d",
    "pulses ana 7d",
    "apps",
    "actions",
    "inspections 7d",
)
CASES = [
    pytest.param(status, body, id=f"{status}-{body}")
    for status, body in [
        (401, "json"),
        (400, "json"),
        (403, "json"),
        (404, "json"),
        (422, "json"),
        (429, "json"),
        (500, "json"),
        (503, "json"),
        (401, "html"),
        (500, "html"),
    ]
]


def forms(value: str) -> set[str]:
    """`value` as it may be written down: itself, JSON- and Python-escaped, URL-encoded,
    HTML-escaped and base64 (padding left off, so it is found inside a longer one too)."""
    encoded = value.encode()
    return {
        value,
        json.dumps(value)[1:-1],
        repr(value)[1:-1],
        quote(value, safe=""),
        quote_plus(value),
        html.escape(value),
        base64.b64encode(encoded).decode().rstrip("="),
        base64.urlsafe_b64encode(encoded).decode().rstrip("="),
    }


def credential_secrets() -> dict[str, str]:
    """Every secret the services were given, named, with Raygun's Basic pair."""
    named = {
        f"{service}.{name}": value
        for service, fields in CREDENTIALS.items()
        for name, value in fields.items()
        if name in SECRET_FIELDS.get(service, tuple(fields))
    }
    pair = f"{CREDENTIALS['raygun']['client_id']}:{CREDENTIALS['raygun']['client_secret']}"
    named["raygun.basic"] = base64.b64encode(pair.encode()).decode()
    return named


FRAGMENT = 12  # no run of this many characters of a secret may show (its last 4 may)


def fragments(value: str) -> set[str]:
    """Every run of `FRAGMENT` characters of `value`, as is and JSON-escaped: half a
    secret (the part a key-shaped pattern stopped short of) is a leak too."""
    return {
        form[i : i + FRAGMENT]
        for form in (value, json.dumps(value)[1:-1])
        for i in range(len(form) - FRAGMENT + 1)
    }


def leaks(where: str, text: str, secrets: dict[str, str]) -> list[str]:
    found = []
    for name, value in secrets.items():
        for form in [*sorted(forms(value)), *sorted(fragments(value))]:  # whole ones first
            if form in text:
                at = text.index(form)
                found.append(f"{name} ({form!r}) in {where}: …{text[at - 80 : at + 80]!r}…")
                break
    return found


class LogCapture:
    """The app's own logging (`configure_logging`, its filter included) at DEBUG, written
    to a buffer instead of stderr; everything restored afterwards."""

    TOUCHED = (
        "",
        "httpx",
        "httpcore",
        "apscheduler.executors.default",
        "apscheduler.scheduler",
        "slack_bolt",
        "slack_sdk",
    )

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self._saved: tuple[list[logging.Handler], dict[str, int]] | None = None

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def start(self, secrets: list[str]) -> None:
        root = logging.getLogger()
        self._saved = (
            list(root.handlers),
            {name: logging.getLogger(name).level for name in self.TOUCHED},
        )
        configure_logging("DEBUG", secrets)
        handler = root.handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(self.buffer)
        self.handler = handler

    def stop(self) -> None:
        if self._saved is None:
            return
        handlers, levels = self._saved
        root = logging.getLogger()
        root.handlers[:] = handlers
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def log_capture() -> Iterator[LogCapture]:
    capture = LogCapture()
    yield capture
    capture.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))


@pytest.fixture
async def careless(
    database_url: str, slack: FakeSlackServer, clock: FakeClock, log_capture: LogCapture
) -> AsyncIterator[PulseHarness]:
    """The app, its scheduler left to the test, logging at DEBUG into `log_capture`, on
    simulated services that know the credentials above (and never run out of Raygun)."""
    async with SimServer(clock=clock) as sim:
        for service, fields in CREDENTIALS.items():
            sim.control.register_credential(service, **fields)
        sim.control.set_limits(raygun_per_day=100_000, weldpulse_per_minute=100_000)
        urls = {f"{s.upper()}_BASE_URL": url for s, url in sim.base_urls.items()}
        settings = e2e_settings(
            database_url,
            slack,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            PULSEBOT_SCHEDULER="clock",
            LOG_LEVEL="DEBUG",
            **urls,
        )
        log_capture.start(settings.secrets())
        h, runner = await start_harness(settings, slack, clock)
        h.sim = sim
        slack.state.users[BOSS] = {"is_admin": True}
        try:
            yield h
        finally:
            await stop_harness(h, runner)


async def open_form(h: PulseHarness, service: str) -> dict[str, Any]:
    state = h.slack.state
    before = len(state.called("views.open"))
    _, rid = await h.command(f"connect {service}", user_id=BOSS)
    await h.response(rid)
    await state.wait_for(lambda: len(state.called("views.open")) > before, 5)
    view = state.called("views.open")[-1].args["view"]
    assert isinstance(view, dict)
    return view


def filled(view: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """The connect form submitted by the admin with `values` typed into its inputs."""
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    required = {b["block_id"] for b in view["blocks"] if b["type"] == "input" and not b["optional"]}
    assert required <= set(values) <= set(inputs)
    # an optional input left empty comes as None, as Slack sends it
    state = {
        name: {name: {"type": "plain_text_input", "value": values.get(name)}} for name in inputs
    }
    return {
        "type": "view_submission",
        "team": {"id": TEAM.team_id, "domain": "acme"},
        "user": {"id": BOSS, "team_id": TEAM.team_id},
        "api_app_id": "A0PULSE",
        "token": "legacy",
        "trigger_id": f"t.secrets.{next(SUBMISSIONS)}",  # each submission its own
        "view": dict(view, id="V1", team_id=TEAM.team_id, state={"values": state}),
    }


def until_due(clock: FakeClock, metric: str, alert_id: int, interval: float) -> None:
    """Move the clock to the next moment the evaluator checks `alert_id` (Raygun's are
    checked once in two hours, at an offset of their own)."""
    every = max(interval, CATALOGUE[metric].min_interval_seconds)
    offset = alert_id * 97
    now = clock.now().timestamp()
    target = math.ceil((now - offset) / every) * every + offset
    clock.advance(target - now)


async def run_everything(
    h: PulseHarness, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, status: int, body: EchoBody
) -> tuple[list[str], dict[str, str]]:
    """Connect, echo, command, alert, digest; answers what the app said over HTTP (acks,
    form errors) and every Raygun session key it was given."""
    assert h.sim is not None
    control = h.sim.control
    said: list[str] = []
    session_keys: dict[str, str] = {}

    def remembered(answer: Any) -> str:
        key = parse_session_key(answer)
        session_keys[f"raygun.session.{len(session_keys)}"] = key
        return key

    monkeypatch.setattr("bot.clients.raygun.parse_session_key", remembered)
    # the form, first while the service echoes (refused: said on the field), then not
    for service, values in CREDENTIALS.items():
        control.echo(service, status, body=body)
        refused = await h.interact(filled(await open_form(h, service), values))
        said.append(refused.text)
        assert refused.status_code == 200
        assert refused.json()["response_action"] == "errors"
        control.clear_faults(service)
        if status == 429:  # Raygun's 429 stops its calls until the Retry-After (30 s) passes
            clock.advance(31)
        saved = await h.interact(filled(await open_form(h, service), values))
        said.append(saved.text)
        assert saved.text in ("", "{}"), saved.text
    assert await h.runtime.store.credentials.get(TEAM, "pulsepro") == CREDENTIALS["pulsepro"]

    # Raygun's data call echoes the session key just exchanged for the credential
    control.echo("raygun", status, body=body, path=raygun.SESSIONS_PATH)
    ack, rid = await h.command("sessions ana@example.com 7d", user_id=MEMBER)
    said.append(ack.text)
    await h.response(rid)
    assert session_keys, "Raygun never handed out a session key"

    # now every call echoes, the exchange of a new session key included
    control.clear_faults()
    for service in CREDENTIALS:
        control.echo(service, status, body=body)
    clock.advance(15 * 60)  # the session key has lapsed: the next call exchanges again
    for line in COMMANDS:
        ack, rid = await h.command(line, user_id=MEMBER)
        said.append(ack.text)
        await h.response(rid)

    alerts = h.runtime.alerts
    for metric in ALERTS.values():  # as `/pulse alert add METRIC > 0 --in #alerts` would
        await alerts.add(
            TEAM,
            MEMBER,
            metric=CATALOGUE[metric],
            op=">",
            threshold=0,
            over_seconds=3600,
            for_seconds=0,
            channel_id="C0ALERTS",
        )
    raygun_alert = next(
        a for a in await h.runtime.store.alerts.list(TEAM) if a.metric == ALERTS["raygun"]
    )
    for _ in range(3):  # three failures in a row: "cannot be checked"
        until_due(clock, raygun_alert.metric, raygun_alert.id, alerts.interval)
        await alerts.evaluate_all()
        clock.advance(alerts.interval)
    state = h.slack.state
    unknown = [c for c in state.posts("C0ALERTS") if "cannot be checked" in c.args["text"]]
    assert len(unknown) == len(ALERTS), [c.args["text"] for c in state.posts("C0ALERTS")]

    # as `/pulse digest add #digest daily 09:00` and `/pulse digest run 1` would
    digest = await h.runtime.digests.add(
        TEAM,
        MEMBER,
        channel_id="C0DIGEST",
        schedule=Schedule("daily", 0, 9, None, ZoneInfo("UTC")),
    )
    await h.runtime.digests.run(digest.id, clock.now(), manual=True)
    assert state.posts("C0DIGEST"), "the digest was not posted"
    for line in ("digest list", "alert list", "services"):
        ack, rid = await h.command(line, user_id=MEMBER)
        said.append(ack.text)
        await h.response(rid)
    assert await h.runtime.inflight.drain(10) == 0  # every answer's writes are done
    return said, session_keys


def database_files(h: PulseHarness) -> dict[str, bytes]:
    path = Path(h.runtime.settings.database_path)
    found = {}
    for suffix in ("", "-wal", "-shm", "-journal"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            found[part.name] = part.read_bytes()
    return found


@pytest.mark.parametrize(("status", "body"), CASES)
async def test_an_echoing_service_leaks_no_secret_anywhere(
    careless: PulseHarness,
    clock: FakeClock,
    log_capture: LogCapture,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    body: EchoBody,
) -> None:
    h = careless
    said, session_keys = await run_everything(h, clock, monkeypatch, status, body)

    settings = h.runtime.settings
    secrets = {**credential_secrets(), **session_keys}
    configured = {f"setting.{i}": v for i, v in enumerate(settings.secrets())}
    assert BOT_TOKEN in configured.values() and settings.signing_secret in configured.values()
    everything = {**secrets, **configured}

    state = h.slack.state
    sent = json.dumps([c.args for c in state.calls]) + json.dumps(state.responses)
    sent_plain = json.dumps([c.args for c in state.calls], ensure_ascii=False)
    found = leaks("Slack", sent + sent_plain, everything)
    found += leaks("HTTP answers", "\n".join(said), everything)
    log_capture.handler.flush()
    found += leaks("the log", log_capture.text, everything)
    audit = await h.runtime.store.audit.list(TEAM)
    found += leaks("audit", json.dumps([(e.action, e.detail) for e in audit]), everything)
    files = database_files(h)
    assert "pulsebot.db-wal" in files  # read as it is: never checkpointed away
    for name, raw in files.items():
        found += leaks(name, raw.decode("utf-8", "replace"), secrets)
        found += leaks(f"{name} (latin-1)", raw.decode("latin-1"), secrets)
    assert found == [], "\n".join(found)

    # not vacuous: the echoes reached the app, and where an answer's words are shown (a
    # JSON error other than 429) they were shown, without the secrets
    assert h.sim is not None
    assert h.sim.control.count() > 30
    if body == "json" and status in (400, 401, 403, 404, 422):
        for header in ("Authorization", "X-ApiKey", "X-SessionKey"):
            assert f"{header}: [redacted]" in sent, header
    for path in files:
        full = Path(settings.database_path).with_name(path)
        assert stat.S_IMODE(full.stat().st_mode) == 0o600, path


def texts(blocks: Any) -> list[str]:
    """Every `text` string inside Block Kit blocks."""
    if isinstance(blocks, dict):
        found = [blocks["text"]] if isinstance(blocks.get("text"), str) else []
        return found + [t for value in blocks.values() for t in texts(value)]
    if isinstance(blocks, list):
        return [t for value in blocks for t in texts(value)]
    return []


async def test_debug_logs_carry_no_message_bodies(
    careless: PulseHarness, log_capture: LogCapture
) -> None:
    """LOG_LEVEL=DEBUG as the app sets it up: what was asked (the command's form), what
    was answered (the response_url payload) and Slack's own request bodies stay out."""
    h = careless
    for service, values in CREDENTIALS.items():
        await h.runtime.store.credentials.save(TEAM, service, values, BOSS)
    body, rid = h.command_body("stats 7d --public", user_id=MEMBER)
    assert (await h.post(body)).status_code == 200
    answer = await h.response(rid)
    assert await h.runtime.inflight.drain(10) == 0  # the answer's work is all done

    log_capture.handler.flush()
    written = log_capture.text
    assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)
    shown = [t for t in [answer["text"], *texts(answer["blocks"])] if len(t) > 12]
    assert len(shown) > 5
    for text in shown:
        assert text not in written
        assert json.dumps(text)[1:-1] not in written
    assert h.slack.response_url(rid) not in written
    assert f"trigger.{rid}" not in written
    assert "stats+7d" not in written and "stats 7d --public" not in written
    assert "Pulse overview" not in written


@pytest.mark.parametrize("sign", ["wrong secret", "stale", "unsigned"])
async def test_a_connect_form_failing_the_signature_check_is_one_line_without_its_body(
    careless: PulseHarness, log_capture: LogCapture, sign: str
) -> None:
    """Bolt's own check logs the whole body of a request it refuses: here the connect
    form, with a Raygun key, client ID and client secret typed in."""
    h = careless
    view = connect_view("raygun", "C0GENERAL")
    body = urlencode({"payload": json.dumps(filled(view, CREDENTIALS["raygun"]))})
    if sign == "wrong secret":
        response = await h.post(body, secret="not-the-signing-secret-at-all")
    elif sign == "stale":
        response = await h.post(body, timestamp=int(time.time()) - 6 * 60)
    else:
        response = await h.http.post(
            f"{h.url}/slack/events",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 401
    assert await h.runtime.store.credentials.get(TEAM, "raygun") is None

    log_capture.handler.flush()
    written = log_capture.text
    assert leaks("the log", written, credential_secrets()) == []
    refusals = [line for line in written.splitlines() if "/slack/events" in line]
    assert len(refusals) == 1 and refusals[0].endswith(
        f"refused POST /slack/events ({len(body)} bytes): invalid or missing signature"
    )
    assert "view_submission" not in written and "pulse_connect" not in written
