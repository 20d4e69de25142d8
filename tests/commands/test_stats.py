"""`/pulse stats`: a section per connected service, numbers against the previous period."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import respx

from bot.domain import headlines as overview
from bot.errors import Unavailable
from bot.render.blocks import MAX_BLOCKS, MAX_HEADER, MAX_TEXT
from bot.render.limits import problems
from bot.render.message import Message
from tests.commands.harness import MOCK_BASE_URLS, CommandHarness, charts, text

WELD = MOCK_BASE_URLS["weldpulse"]
RAYGUN = MOCK_BASE_URLS["raygun"]
WHAT = MOCK_BASE_URLS["whatpulse"]
TRACKER = MOCK_BASE_URLS["pulsetracker"]
PRO = MOCK_BASE_URLS["pulsepro"]
CREDENTIALS = {
    "weldpulse": {"api_key": "ak_live_stats_key_0001"},
    "raygun": {"api_key": "rg-key-0001", "client_id": "client", "client_secret": "secret-0001"},
    "whatpulse": {"token": "wp-token-0001", "user": "alice"},
    "pulsetracker": {"token": "pt-token-0001", "allowance": "10000"},  # an admin entered it
    "pulsepro": {"api_key": "pp-key-0001"},
}
# The harness clock is Mon 23 Nov 2026 14:30 UTC; `7d` is 16 Nov 14:30 – 23 Nov 14:30 UTC,
# and the previous period 9 Nov 14:30 – 16 Nov 14:30 UTC.
NOW_START, BEFORE_START = "2026-11-16T14:30:00Z", "2026-11-09T14:30:00Z"


async def connect(cmd: CommandHarness, *services: str) -> None:
    for service in services:
        await cmd.connect(service, CREDENTIALS[service])


def within_block_kit(message: Message) -> None:
    payload = message.to_slack(share_id="share-1")
    assert len(payload["blocks"]) <= MAX_BLOCKS
    for block in payload["blocks"]:
        limit = MAX_HEADER if block["type"] == "header" else MAX_TEXT
        assert len(block.get("text", {}).get("text", "")) <= limit
        assert len(block.get("fields", [])) <= 10
    assert problems(payload) == []


# ---- upstream answers ---------------------------------------------------------------------


def weldpulse_stats(request: httpx.Request) -> httpx.Response:
    current = {
        "visitors": 1250,
        "pageviews": 5000,
        "sessions": 900,
        "avg_duration": 200.0,
        "bounce_rate": 0.42,
    }
    before = {
        "visitors": 1000,
        "pageviews": 5000,
        "sessions": 1000,
        "avg_duration": 160.0,
        "bounce_rate": 0.40,
    }
    ends_now = request.url.params["end"] == "2026-11-23T14:30:00Z"
    return httpx.Response(200, json={"data": [current if ends_now else before]})


def mock_weldpulse() -> respx.Route:
    # Berlin's days are not UTC days, so hours are asked for: one busy hour (14:00 UTC) a
    # day, from the hour the window starts in (14:30) to the one it ends in
    respx.get(f"{WELD}/v1/timeseries").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {"t": f"2026-11-{d}T14:00:00", "visitors": v, "pageviews": 0, "sessions": 0}
                    for d, v in zip(range(16, 24), (10, 20, 30, 40, 50, 60, 70, 80), strict=True)
                ]
            },
        )
    )
    return respx.get(f"{WELD}/v1/stats").mock(side_effect=weldpulse_stats)


def inspection(ident: int, when: str, score: float) -> dict[str, Any]:
    return {"id": ident, "title": f"Inspection {ident}", "conducted_at": when, "score": score}


def pulsepro_inspections(request: httpx.Request) -> httpx.Response:
    days = (request.url.params["date_from"], request.url.params["date_to"])
    results = {
        ("2026-11-16", "2026-11-23"): [
            inspection(1, "2026-11-16T08:00:00Z", 10.0),  # that day, but before the period
            inspection(2, "2026-11-17T09:30:00Z", 90.0),
            inspection(3, "2026-11-19T09:30:00Z", 86.0),
            inspection(4, "2026-11-23T10:00:00Z", 88.0),
        ],
        ("2026-11-09", "2026-11-16"): [
            inspection(5, "2026-11-10T09:30:00Z", 80.0),
            inspection(6, "2026-11-12T09:30:00Z", 80.0),
        ],
    }.get(days, [])
    return httpx.Response(200, json={"count": len(results), "next": None, "results": results})


def action(ident: int, title: str, due: str, overdue: bool) -> dict[str, Any]:
    return {
        "id": ident,
        "title": title,
        "status": "open",
        "due_date": due,
        "overdue": overdue,
        "location": {"id": 14, "name": "Petone Warehouse"},
    }


def mock_pulsepro(overdue: int = 2) -> None:
    respx.get(f"{PRO}/api/v1/inspections").mock(side_effect=pulsepro_inspections)
    items = [
        action(900 + i, f"Fix thing {i}", str(date(2026, 11, 10) + timedelta(days=i)), True)
        for i in range(overdue)
    ]
    items.append(action(999, "Label chemical storage", "2026-12-01", False))
    respx.get(f"{PRO}/api/v1/actions").mock(
        return_value=httpx.Response(200, json={"count": len(items), "next": None, "results": items})
    )


# ---- the overview -------------------------------------------------------------------------


@respx.mock
async def test_mixed_workspace_shows_each_connected_service(cmd: CommandHarness) -> None:
    await connect(cmd, "weldpulse", "raygun", "pulsepro")  # whatpulse and pulsetracker are not
    stats_route = mock_weldpulse()
    mock_pulsepro()
    auth = respx.get(f"{RAYGUN}/api/v1/pulse/authenticate").mock(
        return_value=httpx.Response(503, text="Service Unavailable")
    )
    message = await cmd.run("stats")
    shown = text(message)

    # WeldPulse, against the previous 7 days
    assert "Visitors: 1.2k  ▲ 25.0%" in shown
    assert "Pageviews: 5k  — no change" in shown
    assert "Sessions: 900  ▼ 10.0%" in shown
    assert "Avg duration: 3m 20s  ▲ 25.0%" in shown
    assert "Bounce rate: 42.0%  ▲ 2.0 pts" in shown  # a rate changes in points: 40% → 42%
    # the buckets as a chart: one point per day, in the reader's zone, the same values; the
    # first and last days are cut by the window (15:30 to 15:30), and say so
    [(title, days, series)] = charts(message)
    assert title == "Visitors per day — last 7 days"
    assert days == ["16 Nov (part)", *(f"{d} Nov" for d in range(17, 23)), "23 Nov (part)"]
    assert series == {"Visitors": [10, 20, 30, 40, 50, 60, 70, 80]}
    # the sparkline does not draw the cut days as if they were whole
    assert "Visitors  ░▁▂▄▅▇█░  min 20 · max 70 · last 70 · ░ part" in shown
    assert {c.request.url.params["start"] for c in stats_route.calls} == {NOW_START, BEFORE_START}

    # PulsePro: the inspection before 14:30 on the first day is not in the period
    assert "Inspections: 3  ▲ 50.0%" in shown
    assert "Average score: 88.0%  ▲ 8.0 pts" in shown  # 80% → 88%: points, not percent
    assert "Open actions: 3" in shown and "Overdue actions: 2" in shown
    assert "• 2 corrective actions overdue" in shown
    assert "• Overdue: Fix thing 0 (due 10 Nov, Petone Warehouse)" in shown

    # Raygun failed: one line, and the others are still there
    failures = [line for line in shown.splitlines() if "Raygun" in line]
    assert len(failures) == 1
    assert "Raygun Pulse is not answering right now" in failures[0]
    assert "The others are below." in failures[0]
    assert auth.call_count == 1
    assert shown.index("Raygun Pulse") < shown.index("WeldPulse") < shown.index("PulsePro")

    assert "WhatPulse" not in shown and "Pulsetracker" not in shown
    assert "last 7 days: Mon 16 Nov 15:30 – Mon 23 Nov 15:30 (Europe/Berlin)" in shown
    assert "before: Mon 09 Nov 15:30 – Mon 16 Nov 15:30 (Europe/Berlin)" in shown
    assert message.text == (
        "Pulse overview — last 7 days: WeldPulse: 1.2k visitors (▲ 25.0%); "
        "PulsePro: 3 inspections (▲ 50.0%); not answering: Raygun Pulse"
    )
    within_block_kit(message)


@respx.mock
async def test_today_is_compared_with_yesterday_until_the_same_time(cmd: CommandHarness) -> None:
    await connect(cmd, "weldpulse")
    stats_route = mock_weldpulse()
    shown = text(await cmd.run("stats today"))
    # today until 15:30 in Berlin against yesterday 00:00–15:30, not the 15h30m before
    asked = {
        (c.request.url.params["start"], c.request.url.params["end"]) for c in stats_route.calls
    }
    assert asked == {
        ("2026-11-22T23:00:00Z", "2026-11-23T14:30:00Z"),
        ("2026-11-21T23:00:00Z", "2026-11-22T14:30:00Z"),
    }
    assert "today so far: Mon 23 Nov 00:00 – Mon 23 Nov 15:30 (Europe/Berlin)" in shown
    assert (
        "▲/▼ against yesterday until the same time: "
        "Sun 22 Nov 00:00 – Sun 22 Nov 15:30 (Europe/Berlin)"
    ) in shown


async def test_nothing_connected_says_how_to_connect(cmd: CommandHarness) -> None:
    shown = text(await cmd.run("stats"))
    assert "No service is connected in this workspace yet" in shown
    assert "`/pulse connect SERVICE`" in shown and "An admin can" in shown


@respx.mock
async def test_raygun_counts_sessions_with_one_call_per_period(cmd: CommandHarness) -> None:
    await connect(cmd, "raygun")
    respx.get(f"{RAYGUN}/api/v1/pulse/authenticate").mock(
        return_value=httpx.Response(200, json={"sessionKey": "sk-test-1"})
    )

    def sessions(request: httpx.Request) -> httpx.Response:
        total = 40 if request.url.params["dateFrom"] == NOW_START else 32
        return httpx.Response(200, json={"totalSessions": total, "sessions": []})

    route = respx.get(f"{RAYGUN}/api/v1/pulse/sessions").mock(side_effect=sessions)
    shown = text(await cmd.run("stats"))
    assert "Sessions: 40  ▲ 25.0%" in shown
    assert route.call_count == 2
    assert {c.request.url.params["limit"] for c in route.calls} == {"1"}
    assert "Raygun Pulse" in shown and "per day" not in shown  # no sparkline


@respx.mock
async def test_whatpulse_totals_for_the_connected_user(cmd: CommandHarness) -> None:
    await connect(cmd, "whatpulse")

    def pulse(ident: int, when: str, keys: int) -> dict[str, Any]:
        return {
            "id": ident,
            "date": when,
            "keys": keys,
            "clicks": keys // 2,
            "scrolls": None,
            "download_mb": 1024.0,
            "upload_mb": 100.0,
            "uptime_seconds": 3600,
            "distance_miles": 0.1,
            "auto_pulse": True,
            "client_version": "5.11",
        }

    pulses = [
        pulse(1, "2026-11-10T12:00:00Z", 8000),  # previous period
        pulse(2, "2026-11-17T12:00:00Z", 6000),
        pulse(3, "2026-11-20T12:00:00Z", 4000),
    ]
    route = respx.get(f"{WHAT}/api/v1/users/alice/pulses").mock(
        return_value=httpx.Response(
            200,
            json={
                "pulses": pulses,
                "pagination": {"current_page": 1, "per_page": 100, "total": 3, "last_page": 1},
                "links": {"next": None},
            },
        )
    )
    shown = text(await cmd.run("stats"))
    assert "WhatPulse — alice" in shown
    assert "Keys: 10k  ▲ 25.0%" in shown
    assert "Clicks: 5k  ▲ 25.0%" in shown
    assert "Download: 2.0 GB  ▲ 100.0%" in shown
    assert "Uptime: 2h  ▲ 100.0%" in shown
    assert "Keys per day" in shown
    assert route.call_count == 1, "both periods come from one query"
    sent = route.calls.last.request.url.params
    assert (sent["date_from"], sent["date_to"]) == ("2026-11-09", "2026-11-23")


@respx.mock
async def test_pulsetracker_apps_near_their_quota_are_notable(cmd: CommandHarness) -> None:
    await connect(cmd, "pulsetracker")

    def app(key: str, name: str, nov: int, oct_: int, devices: int) -> dict[str, Any]:
        return {
            "key": key,
            "name": name,
            "quota": [
                {"year": 2026, "month": 10, "messages_sent": oct_},
                {"year": 2026, "month": 11, "messages_sent": nov},
            ],
            "devices_count": devices,
        }

    respx.get(f"{TRACKER}/api/apps").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    app("a1", "Delivery fleet", 8500, 8000, 14),
                    app("a2", "Field sales", 2500, 2000, 3),
                ],
                "meta": {"current_page": 1, "last_page": 1, "total": 2, "per_page": 12},
            },
        )
    )
    shown = text(await cmd.run("stats"))
    assert "Apps: 2" in shown and "Devices: 17" in shown
    # November is still running: its messages so far are not compared with all of October's
    assert "Messages in Nov 2026 so far: 11k  all of Oct: 10k" in shown
    assert "• Delivery fleet has used 85% of its 10k monthly messages (8.5k in November)" in shown
    assert "Field sales has used" not in shown


@respx.mock
async def test_pulsetracker_a_finished_month_is_compared_with_the_month_before(
    cmd: CommandHarness,
) -> None:
    await connect(cmd, "pulsetracker")
    quota = [(9, 8000), (10, 10000), (11, 500)]
    app = {
        "key": "a1",
        "name": "Delivery fleet",
        "quota": [{"year": 2026, "month": m, "messages_sent": n} for m, n in quota],
        "devices_count": 1,
    }
    meta = {"current_page": 1, "last_page": 1, "total": 1, "per_page": 12}
    respx.get(f"{TRACKER}/api/apps").respond(200, json={"data": [app], "meta": meta})
    shown = text(await cmd.run("stats last-month"))
    assert "Messages in Oct 2026: 10k  ▲ 25.0% vs Sep" in shown


@respx.mock
async def test_everything_connected_with_long_lists_stays_within_limits(
    cmd: CommandHarness,
) -> None:
    await connect(cmd, *CREDENTIALS)
    mock_weldpulse()
    mock_pulsepro(overdue=40)
    respx.get(f"{RAYGUN}/api/v1/pulse/authenticate").mock(
        return_value=httpx.Response(200, json={"sessionKey": "sk-test-1"})
    )
    respx.get(f"{RAYGUN}/api/v1/pulse/sessions").mock(
        return_value=httpx.Response(200, json={"totalSessions": 5, "sessions": []})
    )
    respx.get(f"{WHAT}/api/v1/users/alice/pulses").mock(
        return_value=httpx.Response(401, json={"message": "Unauthenticated."})
    )
    respx.get(f"{TRACKER}/api/apps").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {
                        "key": f"k{i}",
                        "name": f"App {i} " + "x" * 80,
                        "quota": [{"year": 2026, "month": 11, "messages_sent": 9000}],
                        "devices_count": 1,
                    }
                    for i in range(12)
                ],
                "meta": {"current_page": 1, "last_page": 1, "total": 12, "per_page": 12},
            },
        )
    )
    message = await cmd.run("stats 90d")
    shown = text(message)
    within_block_kit(message)
    assert "WhatPulse rejected the saved credential" in shown
    assert "…and 37 more: `/pulse actions --overdue`" in shown
    assert "…and 7 more apps above 80% of their monthly messages" in shown
    assert "last 90 days:" in shown


@respx.mock
async def test_rate_limited_service_says_when_to_retry(cmd: CommandHarness) -> None:
    await connect(cmd, "weldpulse")
    respx.get(f"{WELD}/v1/stats").mock(
        return_value=httpx.Response(
            429, json={"error": "Too many", "code": "RATE_LIMITED"}, headers={"Retry-After": "20"}
        )
    )
    respx.get(f"{WELD}/v1/timeseries").mock(return_value=httpx.Response(200, json={"data": []}))
    message = await cmd.run("stats")
    assert "WeldPulse is rate limiting us; try again in" in text(message)
    assert message.text == "Pulse overview — last 7 days: not answering: WeldPulse"


async def test_a_bug_in_one_service_is_not_hidden_as_a_failed_service(
    cmd: CommandHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await connect(cmd, "weldpulse", "pulsepro")

    async def broken(*_: object) -> overview.Headline:
        raise KeyError("a bug")

    async def down(*_: object) -> overview.Headline:
        raise Unavailable("pulsepro", "HTTP 503", status=503)

    monkeypatch.setitem(overview.HEADLINES, "weldpulse", broken)
    monkeypatch.setitem(overview.HEADLINES, "pulsepro", down)
    with pytest.raises(KeyError):
        await overview.collect(
            (await cmd.context()).directory, ["weldpulse", "pulsepro"], *_periods(cmd)
        )
    shown = text(await cmd.run("stats"))
    assert "Sorry, something went wrong on our side" in shown


def _periods(cmd: CommandHarness) -> tuple[Any, Any]:
    from bot.domain.periods import parse_range

    period = parse_range("7d", cmd.clock.now(), cmd.tz)
    return period, period.previous()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("stats --limit 5", "This command does not take `--limit`", id="option"),
        pytest.param("stats 7d everything", "I don't know what `everything` means", id="stray"),
        pytest.param("stats fortnight", "`fortnight` is not a range I know", id="bad-range"),
    ],
)
async def test_bad_arguments(cmd: CommandHarness, line: str, expected: str) -> None:
    shown = text(await cmd.run(line))
    assert expected in shown
    assert "Usage: `/pulse stats [RANGE]`" in shown
