"""WeldPulse commands: the numbers shown are the ones the service sent."""

from __future__ import annotations

import httpx
import respx

from bot.blocks import MAX_BLOCKS, MAX_TEXT
from tests.commands.harness import CommandHarness, text

BASE = "http://weldpulse.test/weldpulse"
KEY = {"api_key": "ak_live_test_key_0000001"}


def page(i: int) -> dict[str, object]:
    return {
        "pathname": f"/docs/page-{i}",
        "visitors": 5000 - i,
        "pageviews": 9000 - i,
        "avg_duration": 32.1,
        "bounce_rate": 0.38,
    }


@respx.mock
async def test_pages_shows_ranked_rows_for_the_exact_period(cmd: CommandHarness) -> None:
    cmd.connect("weldpulse", KEY)
    route = respx.get(f"{BASE}/v1/pages").mock(
        return_value=httpx.Response(200, json={"data": [page(1), page(2)]})
    )
    message = await cmd.run("pages 30d --limit 2")
    shown = text(message)
    assert "/docs/page-1" in shown and "5k" in shown and "38.0%" in shown
    # 24 Oct is still summer time in Berlin (UTC+2), 23 Nov is winter time (UTC+1)
    assert "last 30 days: Sat 24 Oct 16:30 – Mon 23 Nov 15:30 (Europe/Berlin)" in shown
    sent = route.calls.last.request
    assert sent.url.params["limit"] == "2"
    assert sent.url.params["start"] == "2026-10-24T14:30:00Z"
    assert sent.url.params["end"] == "2026-11-23T14:30:00Z"
    assert sent.headers["Authorization"] == "Bearer ak_live_test_key_0000001"


@respx.mock
async def test_pages_limit_100_stays_within_block_kit_limits(cmd: CommandHarness) -> None:
    cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/pages").mock(
        return_value=httpx.Response(200, json={"data": [page(i) for i in range(100)]})
    )
    payload = (await cmd.run("pages --limit 100")).to_slack(share_id="x")
    assert len(payload["blocks"]) <= MAX_BLOCKS
    for block in payload["blocks"]:
        assert len(block.get("text", {}).get("text", "")) <= MAX_TEXT
    assert "/docs/page-99" in text(await cmd.run("pages --limit 100"))


async def test_pages_when_not_connected_says_how(cmd: CommandHarness) -> None:
    shown = text(await cmd.run("pages"))
    assert "WeldPulse is not connected" in shown
    assert "/pulse connect weldpulse" in shown


async def test_bad_limit_names_the_problem_and_the_usage(cmd: CommandHarness) -> None:
    cmd.connect("weldpulse", KEY)
    shown = text(await cmd.run("pages --limit 500"))
    assert "`--limit` must be between 1 and 100 (got 500)" in shown
    assert "Usage: `/pulse pages [RANGE] [--limit N]`" in shown


async def test_bad_range_lists_the_ranges(cmd: CommandHarness) -> None:
    cmd.connect("weldpulse", KEY)
    shown = text(await cmd.run("pages lastweek"))
    assert "`lastweek` is not a range I know" in shown
    assert "last-week" in shown


@respx.mock
async def test_rejected_key_says_reconnect(cmd: CommandHarness) -> None:
    cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/pages").mock(
        return_value=httpx.Response(401, json={"error": "Invalid API key", "code": "UNAUTHORIZED"})
    )
    shown = text(await cmd.run("pages"))
    assert "WeldPulse rejected the saved credential" in shown
    assert "ak_live_test_key" not in shown
    infos = {i.service: i for i in cmd.store.credentials.list(cmd.team)}
    assert infos["weldpulse"].last_error is not None


@respx.mock
async def test_empty_result_is_said_plainly(cmd: CommandHarness) -> None:
    cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/pages").mock(return_value=httpx.Response(200, json={"data": []}))
    assert "No page views recorded in WeldPulse for last 7 days." in text(await cmd.run("pages"))
