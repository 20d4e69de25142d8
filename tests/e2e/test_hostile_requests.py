"""Requests from outside, against the real app on loopback: floods of unsigned bodies,
bodies with newlines, malformed signed bodies, and byte-identical replays of a command and
of a button click. Nothing crashes, nothing floods or forges the log, nothing is acted on
twice."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from bot.features.alert_messages import MUTE
from bot.slack.gate import MAX_BODY
from bot.team import Team
from tests.e2e.harness import SIGNING_SECRET, PulseHarness
from tests.e2e.test_alert_buttons import add_alert, pressed
from tests.fakes.slack import signed_headers

TEAM = Team("T0000001")
REPLAYED = "acknowledged a replayed request without acting on it again"


def signed(raw: bytes, *, timestamp: str | None = None) -> dict[str, str]:
    ts = timestamp or str(int(time.time()))
    base = b"v0:" + ts.encode() + b":" + raw
    digest = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


async def replays_seen(caplog: pytest.LogCaptureFixture, count: int) -> None:
    """Wait until the app has said `count` times that it acknowledged a replay."""
    for _ in range(500):
        if sum(REPLAYED in r.getMessage() for r in caplog.records) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} replays were recognised")


# ---- floods and forged lines ----------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # about HTTP
async def test_a_flood_of_unsigned_megabytes_is_refused_unread_and_barely_logged(
    harness: PulseHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    megabyte = b"x" * (1024 * 1024)

    async def one() -> int:
        response = await harness.http.post(
            f"{harness.url}/slack/events",
            content=megabyte,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        return response.status_code

    statuses = await asyncio.gather(*(one() for _ in range(50)))
    assert set(statuses) == {413}
    app = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert sum(len(r.getMessage()) for r in app) < 50 * 100  # 52 MB before the gate
    assert not any("xxxxxxxx" in r.getMessage() for r in app)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # about HTTP
async def test_a_body_with_newlines_writes_no_line_of_its_own(
    harness: PulseHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    forged = "token=x&text=help\n2026-12-01 00:00:00 INFO bot.app admin U0EVIL granted\n"
    unsigned = await harness.http.post(
        f"{harness.url}/slack/events",
        content=forged,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert unsigned.status_code == 401
    assert not any("U0EVIL" in r.getMessage() for r in caplog.records)
    assert any(
        r.getMessage() == f"refused POST /slack/events ({len(forged)} bytes): "
        "invalid or missing signature"
        for r in caplog.records
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # about HTTP
async def test_a_body_over_the_limit_is_refused_even_when_signed(harness: PulseHarness) -> None:
    body = urlencode({"payload": json.dumps({"type": "block_actions", "pad": "y" * MAX_BODY})})
    response = await harness.post(body)
    assert response.status_code == 413


# ---- malformed signed bodies ----------------------------------------------------------

COMMAND = {
    "team_id": "T0000001",
    "channel_id": "C0GENERAL",
    "user_id": "U0CALLER",
    "command": "/pulse",
    "text": "help",
}


def form(**fields: Any) -> bytes:
    return urlencode(fields).encode()


MALFORMED: list[tuple[str, bytes, str]] = [
    ("empty form", b"", "form"),
    ("not a form", b"%%%", "form"),
    ("payload not json", form(payload="{"), "form"),
    ("payload a list", form(payload="[]"), "form"),
    ("payload null", form(payload="null"), "form"),
    ("payload a string", form(payload='"x"'), "form"),
    ("payload without type", form(payload="{}"), "form"),
    ("payload of unknown type", form(payload='{"type": "nonsense"}'), "form"),
    ("block_actions without actions", form(payload='{"type": "block_actions"}'), "form"),
    (
        "block_actions with empty actions",
        form(payload=json.dumps({"type": "block_actions", "actions": [], "team": {}})),
        "form",
    ),
    (
        "block_actions whose actions are not objects",
        form(payload=json.dumps({"type": "block_actions", "actions": ["x", 1]})),
        "form",
    ),
    (
        "a share press without a user",
        form(
            payload=json.dumps(
                {
                    "type": "block_actions",
                    "team": {"id": "T0000001"},
                    "actions": [{"action_id": "pulse_share", "value": "x"}],
                }
            )
        ),
        "form",
    ),
    (
        "an alert press with a non-object user",
        form(
            payload=json.dumps(
                {
                    "type": "block_actions",
                    "team": {"id": "T0000001"},
                    "user": "U1",
                    "trigger_id": "t.malformed.1",
                    "actions": [{"action_id": MUTE, "value": "²"}],
                }
            )
        ),
        "form",
    ),
    ("view_submission without view", form(payload='{"type": "view_submission"}'), "form"),
    (
        "view_submission with a view that is a list",
        form(payload=json.dumps({"type": "view_submission", "view": []})),
        "form",
    ),
    (
        "view_submission of the connect form with no state",
        form(
            payload=json.dumps(
                {
                    "type": "view_submission",
                    "team": {"id": "T0000001"},
                    "user": {"id": "U0CALLER"},
                    "trigger_id": "t.malformed.2",
                    "view": {"callback_id": "pulse_connect", "private_metadata": "{"},
                }
            )
        ),
        "form",
    ),
    ("command without text", form(**{k: v for k, v in COMMAND.items() if k != "text"}), "form"),
    ("command without team", form(**{k: v for k, v in COMMAND.items() if k != "team_id"}), "form"),
    ("command without user", form(**{k: v for k, v in COMMAND.items() if k != "user_id"}), "form"),
    ("command of another name", form(**{**COMMAND, "command": "/other"}), "form"),
    ("command with nul bytes", form(**{**COMMAND, "text": "stats\x00\x00"}), "form"),
    ("repeated fields", form(**COMMAND) + b"&team_id=T2&team_id=T3", "form"),
    ("not utf-8", b"text=\xff\xfe\xfd&command=%2Fpulse", "form"),
    ("json that is a list", b"[1, 2]", "json"),
    ("json that is a number", b"12", "json"),
    ("json that is broken", b'{"type": ', "json"),
    ("event_callback without event", b'{"type": "event_callback"}', "json"),
    ("event_callback with an event list", b'{"type": "event_callback", "event": []}', "json"),
    (
        "app_home_opened without user",
        json.dumps(
            {
                "type": "event_callback",
                "team_id": "T0000001",
                "event_id": "Ev.malformed",
                "event": {"type": "app_home_opened", "tab": "home"},
            }
        ).encode(),
        "json",
    ),
    ("url_verification without challenge", b'{"type": "url_verification"}', "json"),
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # about HTTP
@pytest.mark.parametrize(("what", "raw", "kind"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_a_malformed_signed_body_is_never_a_server_error(
    harness: PulseHarness, what: str, raw: bytes, kind: str
) -> None:
    content_type = "application/json" if kind == "json" else "application/x-www-form-urlencoded"
    response = await harness.http.post(
        f"{harness.url}/slack/events",
        content=raw,
        headers={**signed(raw), "Content-Type": content_type},
    )
    assert response.status_code < 500, what
    _, rid = await harness.command("help")  # and the app still answers
    assert "Pulse Bot commands" in (await harness.response(rid))["text"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # about HTTP
@pytest.mark.parametrize("timestamp", ["soon", "1e9", "-1", "١٧٠٠٠٠٠٠٠٠", "9" * 40, "1.5", ""])
async def test_a_timestamp_that_is_not_a_number_is_401(
    harness: PulseHarness, timestamp: str
) -> None:
    raw = form(**COMMAND)
    response = await harness.http.post(
        f"{harness.url}/slack/events",
        content=raw,
        headers={  # as bytes: any header value goes, as an attacker sends it
            **{k.encode(): v.encode() for k, v in signed(raw, timestamp=timestamp or None).items()},
            b"X-Slack-Request-Timestamp": timestamp.encode(),
            b"Content-Type": b"application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 401


# ---- replays ----------------------------------------------------------------------------


async def test_a_command_sent_four_times_is_acted_on_once(
    harness: PulseHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body, rid = harness.command_body("digest add here daily 09:00 UTC")
    headers = {**signed_headers(SIGNING_SECRET, body)}
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    retries = [{}, {}, {"X-Slack-Retry-Num": "1"}, {"X-Slack-Retry-Num": "2"}]
    for extra in retries:  # byte-identical, as a replay or Slack's retries send it
        response = await harness.http.post(
            f"{harness.url}/slack/events", content=body, headers={**headers, **extra}
        )
        assert response.status_code == 200
    assert (await harness.response(rid))["text"].startswith("Digest #1 added.")
    await replays_seen(caplog, 3)
    assert len(await harness.runtime.store.digests.list(TEAM)) == 1
    assert len([r for r in harness.slack.state.responses if r["_path"] == f"/response/{rid}"]) == 1


async def test_a_replayed_digest_run_posts_once(
    harness: PulseHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    _, rid = await harness.command("digest add here daily 09:00 UTC")
    assert (await harness.response(rid))["text"].startswith("Digest #1 added.")
    body, rid = harness.command_body("digest run 1")
    headers = {**signed_headers(SIGNING_SECRET, body)}
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    for _ in range(3):
        response = await harness.http.post(
            f"{harness.url}/slack/events", content=body, headers=headers
        )
        assert response.status_code == 200
    await harness.response(rid)
    await replays_seen(caplog, 2)
    posts = [c for c in harness.slack.state.calls if c.method == "chat.postMessage"]
    assert len(posts) == 1


async def test_a_replayed_button_click_is_acted_on_once(
    harness: PulseHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    alert = await add_alert(harness)
    body = urlencode({"payload": json.dumps(pressed(harness, MUTE, str(alert.id), "m1"))})
    headers = {**signed_headers(SIGNING_SECRET, body)}
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    for _ in range(3):
        response = await harness.http.post(
            f"{harness.url}/slack/events", content=body, headers=headers
        )
        assert response.status_code == 200
    await harness.response("m1")
    await replays_seen(caplog, 2)
    audit = await harness.runtime.store.audit.list(TEAM)
    assert [a.action for a in audit] == ["alert.mute"]
    assert len([r for r in harness.slack.state.responses if r["_path"] == "/response/m1"]) == 1


async def test_the_same_command_typed_again_is_not_a_replay(harness: PulseHarness) -> None:
    """A person running the same line twice sends two requests (two trigger IDs): both act."""
    for _ in range(2):
        _, rid = await harness.command("digest add here daily 09:00 UTC")
        assert "added" in (await harness.response(rid))["text"]
    assert len(await harness.runtime.store.digests.list(TEAM)) == 2


# ---- the install page ------------------------------------------------------------------


async def test_an_install_flood_leaves_the_state_table_bounded(oauth_harness: PulseHarness) -> None:
    h = oauth_harness
    h.runtime.store.oauth_states.max_pending = cap = 50  # the default, 1000, takes longer
    limit = asyncio.Semaphore(20)

    async def visit() -> httpx.Response:
        async with limit:
            return await h.http.get(f"{h.url}/slack/install")

    pages = await asyncio.gather(*(visit() for _ in range(3 * cap)))
    assert {p.status_code for p in pages} == {200}
    assert await h.runtime.store.oauth_states.count() <= cap
    last = await h.http.get(f"{h.url}/slack/install")  # whoever opens it now can install
    state = re.search(r"state=([A-Za-z0-9_-]+)", last.text)
    assert state is not None
    done = await h.http.get(
        f"{h.url}/slack/oauth_redirect",
        params={"code": "c", "state": state.group(1)},
        headers={"Cookie": last.headers["set-cookie"].split(";", 1)[0]},
    )
    assert done.status_code == 200


# ---- a long command ------------------------------------------------------------------


async def test_a_long_command_is_refused_in_a_sentence_and_delays_nobody(
    harness: PulseHarness,
) -> None:
    """A mention bomb as long as fits a request (the quadratic parse took 2.3 s at 40k
    characters), a 100k-character line, and a `help` sent beside them."""
    bomb, bomb_rid = harness.command_body("stats " + "<#C1|" * 5000)
    huge, _ = harness.command_body("stats " + "x" * 100_000)

    async def timed_help() -> tuple[float, str]:
        started = time.perf_counter()
        response, rid = await harness.command("help")
        assert response.status_code == 200
        return time.perf_counter() - started, rid

    bombed, too_big, (help_ack, help_rid) = await asyncio.gather(
        harness.post(bomb), harness.post(huge), timed_help()
    )
    assert bombed.status_code == 200
    assert too_big.status_code == 413  # over the gate's limit: never parsed
    assert help_ack < 3  # Slack's deadline for the acknowledgement
    assert "Pulse Bot commands" in (await harness.response(help_rid))["text"]
    refused = (await harness.response(bomb_rid))["text"]
    assert "That command is" in refused and "characters long" in refused
