"""A bad day at the data centre, against the real app on loopback: a service that trickles,
Slack's Web API down when the app starts, a database gone read-only, a stuck scheduler,
and a deploy in the middle of answering. Each ends in a sentence, a 503, or an answer —
never in silence or a stack trace."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from cryptography.fernet import Fernet

from bot.runner import stop
from bot.sim.demo import DEMO_CREDENTIALS
from bot.sim.server import SimServer
from bot.slack.reachability import UNREACHABLE
from bot.store import Secrets, Store, open_database
from bot.team import Team
from tests.e2e.harness import SIGNING_SECRET as SECRET
from tests.e2e.harness import PulseHarness, e2e_settings, start_harness, stop_harness
from tests.fakes.clock import FakeClock
from tests.fakes.slack import FakeSlackServer, signed_headers

SLOW, FAST = Team("T0SLOW"), Team("T0FAST")


async def _start(
    database_url: str, slack: FakeSlackServer, sim: SimServer, clock: FakeClock | None = None
) -> tuple[PulseHarness, web.AppRunner]:
    urls = {f"{s.upper()}_BASE_URL": url for s, url in sim.base_urls.items()}
    settings = e2e_settings(
        database_url,
        slack,
        SLACK_BOT_TOKEN="xoxb-single-workspace-token",
        PULSEBOT_ALERT_INTERVAL="1",
        **urls,
    )
    h, runner = await start_harness(settings, slack, clock)
    h.sim = sim
    return h, runner


@pytest.fixture
async def running(
    database_url: str, slack: FakeSlackServer, sim: SimServer
) -> AsyncIterator[PulseHarness]:
    h, runner = await _start(database_url, slack, sim)
    try:
        yield h
    finally:
        await stop_harness(h, runner)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # about the services
async def test_a_trickling_service_slows_only_itself(running: PulseHarness) -> None:
    h = running
    assert h.sim is not None
    store = h.runtime.store
    await store.credentials.save(SLOW, "weldpulse", dict(DEMO_CREDENTIALS["weldpulse"]), "U1")
    await store.credentials.save(FAST, "pulsepro", dict(DEMO_CREDENTIALS["pulsepro"]), "U2")
    h.sim.control.set_traffic(1000)
    _, rid = await h.command(
        "alert add weldpulse.realtime > 40 --in <#C0SLOW|slow>", team_id=SLOW.team_id
    )
    assert "Alert #1 added" in (await h.response(rid))["text"]
    h.sim.control.trickle("weldpulse")  # headers, then a byte every half second, for ever

    _, rid = await h.command(
        "alert add pulsepro.open_actions > 0 --in <#C0FAST|fast>", team_id=FAST.team_id
    )
    assert "Alert #1 added" in (await h.response(rid))["text"]  # its workspace's first
    state = h.slack.state
    # the other workspace's alert fires while WeldPulse trickles (3 s when all is well)
    await state.wait_for(lambda: len(state.posts("C0FAST")) == 1, timeout=10)
    assert state.posts("C0SLOW") == []

    # the trickled command is answered, in a sentence, within the overall deadline
    _, rid = await h.command("realtime", team_id=SLOW.team_id)
    answer = (await h.response(rid, timeout=20))["text"]
    assert answer == "WeldPulse did not answer within 10 s; try again in a few minutes."


async def test_slack_down_at_start_is_said_and_recovers_by_itself(
    database_url: str, slack: FakeSlackServer, sim: SimServer
) -> None:
    slack.state.down = True
    h, runner = await _start(database_url, slack, sim)
    try:
        await h.runtime.watch_slack(every=0.05)
        ack, _ = await h.command("help")
        assert (ack.status_code, ack.text) == (200, UNREACHABLE)
        assert "SLACK_" not in ack.text

        slack.state.down = False
        watch = h.runtime.reachability
        assert watch is not None
        for _ in range(200):  # the probe asks every 0.05 s
            if watch.reachable:
                break
            await asyncio.sleep(0.05)
        assert watch.reachable
        ack, rid = await h.command("help")
        assert (ack.status_code, ack.text) == (200, "")
        assert "Pulse Bot commands" in (await h.response(rid))["text"]
    finally:
        await stop_harness(h, runner)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_read_only_database_is_said_and_healthz_names_it(
    running: PulseHarness, database_url: str
) -> None:
    import psycopg

    h = running
    with psycopg.connect(database_url, autocommit=True) as admin:
        name = admin.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        admin.execute(  # the app's connections start again, read-only
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )

    health = await h.http.get(f"{h.url}/healthz")
    assert health.status_code == 503
    assert health.json()["database"] is False

    answers = []
    for line in ("help", "digest add here daily 09:00 UTC"):
        ack, rid = await h.command(line)
        assert ack.status_code == 200
        answers.append((await h.response(rid))["text"])
    help_text, refused = answers
    assert "Pulse Bot commands" in help_text  # reading works; the Share store is optional
    assert refused == (
        "Pulse Bot cannot reach its database right now, so nothing was read or changed; "
        "try again in a minute."
    )


async def test_healthz_reports_a_scheduler_whose_sweep_is_overdue(
    database_url: str, slack: FakeSlackServer, sim: SimServer, clock: FakeClock
) -> None:
    h, runner = await _start(database_url, slack, sim, clock)
    try:
        health = await h.http.get(f"{h.url}/healthz")
        assert (health.status_code, health.json()["scheduler"]) == (200, True)
        clock.advance(10 * 60)  # ten minutes without a sweep: the scheduler is stuck
        health = await h.http.get(f"{h.url}/healthz")
        assert (health.status_code, health.json()["scheduler"]) == (503, False)
    finally:
        await stop_harness(h, runner)


async def test_a_deploy_finishes_the_answers_in_flight_and_takes_no_new_ones(
    database_url: str, slack: FakeSlackServer, sim: SimServer
) -> None:
    h, runner = await _start(database_url, slack, sim)
    try:
        await h.runtime.store.credentials.save(
            Team("T0000001"), "weldpulse", dict(DEMO_CREDENTIALS["weldpulse"]), "U1"
        )
        sim.control.latency("weldpulse", 1.0)  # every answer takes a second to work out
        acks = await asyncio.gather(*(h.command(f"pages 7d --limit {n}") for n in range(1, 6)))
        assert [ack.status_code for ack, _ in acks] == [200] * 5
        assert h.runtime.inflight.busy == 5

        stopping = asyncio.create_task(stop(h.runtime, runner))
        await asyncio.sleep(0)  # the listening socket closes first
        body, _ = h.command_body("help")
        async with httpx.AsyncClient() as newcomer:  # a new connection, as Slack's would be
            with pytest.raises(httpx.ConnectError):
                await newcomer.post(
                    f"{h.url}/slack/events", content=body, headers=signed_headers(SECRET, body)
                )
        await stopping
        answers = sorted(r["_path"] for r in h.slack.state.responses)
        assert answers == sorted(f"/response/{rid}" for _, rid in acks)  # all five answered
        assert not [r for r in h.slack.state.responses if "try again" in r["text"]]
        assert h.runtime.scheduler is None  # and the scheduler gave up its lease
    finally:
        await h.http.aclose()
        await h.runtime.close()


async def test_secrets_some_keys_cannot_read_are_a_503_and_a_sentence_naming_no_setting(
    database_url: str, slack: FakeSlackServer, sim: SimServer, clock: FakeClock
) -> None:
    lost_key, kept_key = Fernet.generate_key(), Fernet.generate_key()
    team = Team("T0000001")
    for key, service in ((lost_key, "weldpulse"), (kept_key, "pulsepro")):
        store = Store(open_database(database_url), Secrets([key]), clock)
        try:
            await store.credentials.save(team, service, dict(DEMO_CREDENTIALS[service]), "U1")
        finally:
            store.close()
    urls = {f"{s.upper()}_BASE_URL": url for s, url in sim.base_urls.items()}
    settings = e2e_settings(
        database_url,
        slack,
        SLACK_BOT_TOKEN="xoxb-single-workspace-token",
        PULSEBOT_SECRET_KEY=kept_key.decode(),
        **urls,
    )
    h, runner = await start_harness(settings, slack, clock)
    try:
        health = await h.http.get(f"{h.url}/healthz")
        assert (health.status_code, health.json()["secrets"]) == (503, False)
        _, rid = await h.command("stats 7d")
        said = (await h.response(rid))["text"]
        assert said == (
            "Pulse Bot is not set up right, so it cannot do that now; its operator can see "
            "why in the log."
        )
        _, rid = await h.command("actions")  # PulsePro's secret is readable: it answers
        assert "not set up right" not in (await h.response(rid))["text"]
    finally:
        await stop_harness(h, runner)
