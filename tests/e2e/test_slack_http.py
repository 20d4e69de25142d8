"""The foundation over real HTTP: signing, acks, response_url, OAuth, uninstall, retries."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_bolt.authorization import AuthorizeResult

from bot.slack.bolt import OneBot
from bot.store.slack_stores import StoreInstallationStore
from bot.team import Team
from tests.e2e.harness import PulseHarness


async def test_help_is_acked_and_answered_through_response_url(harness: PulseHarness) -> None:
    started = time.perf_counter()
    response, rid = await harness.command("help")
    assert response.status_code == 200
    assert time.perf_counter() - started < 3
    answer = await harness.response(rid)
    assert answer["response_type"] == "ephemeral"
    assert "Pulse Bot commands" in answer["text"]
    texts = " ".join(b.get("text", {}).get("text", "") for b in answer["blocks"])
    assert "/pulse admins add @USER" in texts
    assert answer["blocks"][-1]["elements"][0]["action_id"] == "pulse_share"


async def test_pulse_is_acknowledged_before_bolt_has_looked_at_it(
    harness: PulseHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All Bolt would add to a command's acknowledgement is an empty body: the ack does
    not wait for it (here, for its authorization step), and the answer follows."""
    release = asyncio.Event()
    authorize = OneBot.__call__

    async def held(self: OneBot, **kwargs: Any) -> AuthorizeResult:
        await release.wait()
        return await authorize(self, **kwargs)

    monkeypatch.setattr(OneBot, "__call__", held)
    async with asyncio.timeout(5):  # a guard: on Bolt's own path the ack never comes
        ack, response_id = await harness.command("help")
    assert (ack.status_code, ack.text) == (200, "")
    assert harness.slack.state.responses == []
    release.set()
    answer = await harness.response(response_id)
    assert "/pulse" in answer["text"]


async def test_unknown_subcommand_suggests_the_nearest(harness: PulseHarness) -> None:
    _, rid = await harness.command("hlep")
    answer = await harness.response(rid)
    assert "`hlep` is not a /pulse command" in answer["text"]
    assert "Did you mean `/pulse help`?" in answer["text"]


async def answered_after(harness: PulseHarness) -> None:
    """Only a signed command sent afterwards is answered: nothing answered the refused one
    (which came from U0FORGER) before it, and Slack never heard of U0FORGER."""
    _, rid = await harness.command("help")
    await harness.response(rid)
    assert [r["_path"] for r in harness.slack.state.responses] == [f"/response/{rid}"]
    assert not any("U0FORGER" in str(c.args) for c in harness.slack.state.calls)


async def test_bad_signature_is_401_and_nothing_happens(harness: PulseHarness) -> None:
    body, _ = harness.command_body("help", user_id="U0FORGER")
    response = await harness.post(body, secret="not-the-signing-secret")
    assert response.status_code == 401
    await answered_after(harness)


async def test_stale_timestamp_is_401(harness: PulseHarness) -> None:
    body, _ = harness.command_body("help", user_id="U0FORGER")
    response = await harness.post(body, timestamp=int(time.time()) - 6 * 60)
    assert response.status_code == 401
    await answered_after(harness)


async def test_public_flag_posts_in_channel(harness: PulseHarness) -> None:
    _, rid = await harness.command("help --public")
    answer = await harness.response(rid)
    assert answer["response_type"] == "in_channel"
    assert all(b.get("block_id") != "pulse_share" for b in answer["blocks"])


async def test_non_admin_cannot_add_admins_but_workspace_admin_can(harness: PulseHarness) -> None:
    harness.slack.state.users["U0BOSS"] = {"is_admin": True}
    _, rid = await harness.command("admins add <@U0FRIEND|friend>", user_id="U0NOBODY")
    refused = await harness.response(rid)
    assert "Only Pulse Bot admins can add admins" in refused["text"]
    _, rid = await harness.command("admins add <@U0FRIEND|friend>", user_id="U0BOSS")
    accepted = await harness.response(rid)
    assert "<@U0FRIEND> is now a Pulse Bot admin" in accepted["text"]
    team = Team("T0000001")
    assert await harness.runtime.store.admins.is_admin(team, "U0FRIEND")
    audit = await harness.runtime.store.audit.list(team)
    assert [(a.user_id, a.action) for a in audit] == [
        ("U0BOSS", "admins.add"),
        ("U0NOBODY", "permission.denied"),  # the attempt, newest first
    ]
    # the friend may now add others: added admins are admins
    _, rid = await harness.command("admins add <@U0THIRD>", user_id="U0FRIEND")
    assert "is now a Pulse Bot admin" in (await harness.response(rid))["text"]


async def test_share_button_reposts_visibly_with_who_shared(harness: PulseHarness) -> None:
    _, rid = await harness.command("help")
    answer = await harness.response(rid)
    button = answer["blocks"][-1]["elements"][0]
    payload = {
        "type": "block_actions",
        "team": {"id": "T0000001", "domain": "acme"},
        "user": {"id": "U0SHARER", "team_id": "T0000001"},
        "api_app_id": "A0PULSE",
        "token": "legacy",
        "trigger_id": "t.1",
        "container": {"type": "message", "is_ephemeral": True},
        "channel": {"id": "C0GENERAL"},
        "response_url": harness.slack.response_url("share1"),
        "actions": [
            {
                "action_id": button["action_id"],
                "block_id": "pulse_share",
                "value": button["value"],
                "type": "button",
                "action_ts": "1",
            }
        ],
    }
    import json
    from urllib.parse import urlencode

    response = await harness.post(urlencode({"payload": json.dumps(payload)}))
    assert response.status_code == 200
    shared = await harness.response("share1")
    assert shared["response_type"] == "in_channel"
    assert shared["replace_original"] is False
    assert shared["text"] == answer["text"]
    assert "Shared by <@U0SHARER>" in json.dumps(shared["blocks"])


async def test_healthz_reports_database_and_scheduler(harness: PulseHarness) -> None:
    response = await harness.http.get(f"{harness.url}/healthz")
    assert response.status_code == 200
    scheduler = harness.runtime.scheduler
    assert scheduler is not None
    assert response.json() == {
        "database": True,
        "scheduler": True,
        "scheduler_holder": scheduler.holder,  # this process holds the lease
        "this_process": scheduler.holder,
    }
    harness.runtime.apscheduler.shutdown(wait=False)  # type: ignore[union-attr]
    await asyncio.sleep(0)
    response = await harness.http.get(f"{harness.url}/healthz")
    assert response.status_code == 503
    assert response.json()["scheduler"] is False


async def test_app_uninstalled_deletes_the_workspace(harness: PulseHarness) -> None:
    store = harness.runtime.store
    mine, other = Team("T0000001"), Team("T0OTHER1")
    for team in (mine, other):
        await store.credentials.save(team, "weldpulse", {"api_key": "ak_live_secret_value"}, "U1")
        await store.admins.add(team, "U0FRIEND", "U1")
    response = await harness.event({"type": "app_uninstalled"}, event_id="Ev0UNINSTALL")
    assert response.status_code == 200

    for _ in range(500):  # no Slack call to wait on when the store changes: poll, up to 5 s
        if await store.credentials.get(mine, "weldpulse") is None:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the workspace's credential was not deleted within 5 s")
    assert not await store.admins.is_admin(mine, "U0FRIEND")
    assert await store.credentials.get(other, "weldpulse") is not None
    assert await store.admins.is_admin(other, "U0FRIEND")


async def test_retried_delivery_is_not_acted_on_twice(harness: PulseHarness) -> None:
    event = {"type": "app_home_opened", "user": "U0CALLER", "channel": "D1", "tab": "home"}
    first = await harness.event(event, event_id="Ev0HOME1")
    assert first.status_code == 200
    state = harness.slack.state
    await state.wait_for(lambda: len(state.called("views.publish")) == 1, 5)
    again = await harness.event(event, event_id="Ev0HOME1", retry=1)
    assert again.status_code == 200
    await harness.event(event, event_id="Ev0HOME2")
    await harness.event(event, event_id="Ev0HOME3")  # a wrongly accepted retry would beat it
    await state.wait_for(lambda: len(state.called("views.publish")) >= 3, 5)
    assert len(state.called("views.publish")) == 3


async def test_oauth_install_round_trip_stores_encrypted_installation(
    oauth_harness: PulseHarness,
) -> None:
    h = oauth_harness
    install = await h.http.get(f"{h.url}/slack/install")
    assert install.status_code == 200
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', install.text)
    assert link is not None
    state = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)["state"][0]
    # the state cookie is Secure (https in production), so carry it by hand over loopback
    cookie = install.headers["set-cookie"].split(";", 1)[0]
    callback = await h.http.get(
        f"{h.url}/slack/oauth_redirect",
        params={"code": "code-123", "state": state},
        headers={"Cookie": cookie},
    )
    assert callback.status_code == 200
    exchange = h.slack.state.called("oauth.v2.access")
    assert len(exchange) == 1
    assert exchange[0].args["code"] == "code-123"
    installations = StoreInstallationStore(h.runtime.store)
    found = await installations.async_find_installation(enterprise_id=None, team_id="T0OAUTH1")
    assert found is not None
    assert found.bot_token == "xoxb-oauth-issued-token-1"
    db = h.runtime.store.db
    stored = await db.run(
        lambda: [*db.query("SELECT * FROM installations"), *db.query("SELECT * FROM bots")]
    )
    assert stored and "xoxb-oauth-issued-token-1" not in repr(stored)  # encrypted, either engine
    if h.runtime.settings.database_url is None:  # and in the SQLite file's bytes, WAL included
        raw = b"".join(
            Path(f"{h.runtime.settings.database_path}{suffix}").read_bytes()
            for suffix in ("", "-wal")
            if Path(f"{h.runtime.settings.database_path}{suffix}").exists()
        )
        assert b"xoxb-oauth-issued-token-1" not in raw
    # the same state cannot be used twice
    replay = await h.http.get(
        f"{h.url}/slack/oauth_redirect",
        params={"code": "code-456", "state": state},
        headers={"Cookie": cookie},
    )
    assert replay.status_code in (400, 401)
    assert len(h.slack.state.called("oauth.v2.access")) == 1


async def test_oauth_mode_answers_commands_with_the_installed_token(
    oauth_harness: PulseHarness,
) -> None:
    h = oauth_harness
    install = await h.http.get(f"{h.url}/slack/install")
    link = re.search(r"state=([A-Za-z0-9_-]+)", install.text)
    assert link is not None
    cookie = install.headers["set-cookie"].split(";", 1)[0]
    done = await h.http.get(
        f"{h.url}/slack/oauth_redirect",
        params={"code": "c", "state": link.group(1)},
        headers={"Cookie": cookie},
    )
    assert done.status_code == 200
    _, rid = await h.command("help", team_id="T0OAUTH1")
    answer = await h.response(rid)
    assert "Pulse Bot commands" in answer["text"]
    tokens = {c.token for c in h.slack.state.calls if c.method == "users.info"}
    assert tokens == {"xoxb-oauth-issued-token-1"}
