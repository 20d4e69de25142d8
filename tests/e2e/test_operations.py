"""What operators see: Prometheus metrics at /metrics, and /healthz naming the process
that holds the scheduler."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families

from bot.sim.demo import DEMO_CREDENTIALS
from bot.team import Team
from tests.e2e.harness import PulseHarness


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_count_commands_acks_upstream_calls_and_the_scheduler(
    sim_harness: PulseHarness,
) -> None:
    h = sim_harness
    before = samples((await h.http.get(f"{h.url}/metrics")).text)
    await h.runtime.store.credentials.save(
        Team("T0000001"), "weldpulse", dict(DEMO_CREDENTIALS["weldpulse"]), "U0BOSS"
    )
    response, rid = await h.command("sites")
    assert response.status_code == 200
    await h.response(rid)
    response, rid = await h.command("pgaes")
    await h.response(rid)

    scraped = await h.http.get(f"{h.url}/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["Content-Type"].startswith("text/plain")
    after = samples(scraped.text)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("pulsebot_commands_total", outcome="ok") == 1
    assert grew("pulsebot_commands_total", outcome="refused") == 1  # the typo: a sentence
    assert grew("pulsebot_acks_total", outcome="2xx") >= 2
    assert grew("pulsebot_ack_seconds_count") >= 2
    assert grew("pulsebot_upstream_calls_total", service="weldpulse", status="200") == 1
    assert after[("pulsebot_scheduler_leader", ())] == 1.0
    assert re.search(r'pulsebot_digests\{state="active"\}', scraped.text)


async def test_healthz_names_the_scheduler_holder(harness: PulseHarness) -> None:
    report = (await harness.http.get(f"{harness.url}/healthz")).json()
    assert report["database"] is True and report["scheduler"] is True
    assert report["scheduler_holder"] == report["this_process"] is not None
