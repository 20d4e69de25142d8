"""The alert metric catalogue: names and typos, durations, call costs and the Raygun
share, and `measure` against respx-mocked services (fresh reads, known bodies)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from bot.clients.pool import Directory
from bot.domain.durations import format_duration, parse_duration
from bot.errors import InvalidRequest, UsageError
from bot.features.alert_metrics import (
    CATALOGUE,
    alert_share,
    check_budget,
    cost_sentence,
    daily_cost,
    due,
    measure,
    parse_for,
    parse_metric,
    parse_over,
)
from tests.commands.harness import MOCK_BASE_URLS, NOW, CommandHarness, make_harness

WELD = MOCK_BASE_URLS["weldpulse"]
RAYGUN = MOCK_BASE_URLS["raygun"]
WHAT = MOCK_BASE_URLS["whatpulse"]
TRACKER = MOCK_BASE_URLS["pulsetracker"]
PRO = MOCK_BASE_URLS["pulsepro"]
CREDENTIALS = {
    "weldpulse": {"api_key": "ak_live_metrics_key_01"},
    "raygun": {"api_key": "rg-key-0001", "client_id": "client", "client_secret": "secret-0001"},
    "whatpulse": {"token": "wp-token-0001", "user": "alice"},
    "pulsetracker": {"token": "pt-token-0001", "allowance": "10000"},  # entered at connect
    "pulsepro": {"api_key": "pp-key-0001"},
}
HOUR = 3600


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[CommandHarness]:
    async with httpx.AsyncClient() as http:
        made = make_harness(tmp_path, http, MOCK_BASE_URLS)
        for service, credential in CREDENTIALS.items():
            await made.connect(service, credential)
        yield made
        made.store.close()


@pytest.fixture
async def directory(harness: CommandHarness) -> Directory:
    """The workspace's clients, as a command made now sees them."""
    return await harness.pool.directory(harness.team)


async def value(directory: Directory, name: str, over: int = HOUR) -> float:
    return await measure(parse_metric(name), directory, over, NOW)


# ---- the catalogue ----------------------------------------------------------------------

REQUIRED = [
    "weldpulse.realtime", "weldpulse.visitors", "weldpulse.pageviews", "weldpulse.sessions",
    "weldpulse.bounce_rate", "weldpulse.avg_duration", "raygun.sessions", "whatpulse.keys",
    "whatpulse.clicks", "pulsetracker.messages_sent", "pulsetracker.quota_percent",
    "pulsepro.overdue_actions", "pulsepro.open_actions", "pulsepro.inspections",
    "pulsepro.average_score",
]  # fmt: skip


def test_catalogue_covers_the_documented_metrics() -> None:
    assert set(REQUIRED) <= set(CATALOGUE)
    for name, metric in CATALOGUE.items():
        assert metric.name == name and name.startswith(f"{metric.service}.")
        assert metric.unit in ("count", "percent", "seconds")
    now = {n for n, m in CATALOGUE.items() if m.point_in_time}
    assert {"weldpulse.realtime", "pulsetracker.quota_percent", "pulsepro.open_actions"} <= now
    assert "weldpulse.visitors" not in now
    assert CATALOGUE["weldpulse.bounce_rate"].unit == "percent"
    assert CATALOGUE["weldpulse.avg_duration"].unit == "seconds"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("weldpulse.visitors", "weldpulse.visitors"),
        ("WeldPulse.Bounce-Rate", "weldpulse.bounce_rate"),
        (" raygun.sessions ", "raygun.sessions"),
    ],
)
def test_lookup(typed: str, expected: str) -> None:
    assert parse_metric(typed).name == expected


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        pytest.param("weldpulse.visiters", "weldpulse.visitors", id="typo"),
        pytest.param("raygun.sesions", "raygun.sessions", id="typo-raygun"),
        pytest.param("pulsepro.score", "pulsepro.", id="same-service"),
        pytest.param("uptime", None, id="nothing-close"),
    ],
)
def test_unknown_metrics_suggest_the_nearest(typed: str, suggested: str | None) -> None:
    with pytest.raises(UsageError) as caught:
        parse_metric(typed)
    said = caught.value.message
    assert f"`{typed}` is not a metric I know." in said
    assert "`/pulse alert list` shows them all" in said
    if suggested is None:
        assert "Did you mean" not in said
    else:
        assert f"Did you mean `{suggested}" in said


# ---- durations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h", 3600), ("2h30m", 9000), ("1d", 86400), ("0", 0),
     ("1D2H", 93600), ("90m", 5400)],
)  # fmt: skip
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "1x", "h", "1h 30m", "-5m", "1.5h", "30m1h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(UsageError, match="is not a duration"):
        parse_duration(text)


def test_duration_bounds_per_option() -> None:
    assert parse_over("1m") == 60 and parse_over("30d") == 30 * 86400
    assert parse_for("0") == 0 and parse_for("7d") == 7 * 86400
    with pytest.raises(UsageError, match=r"`--over` must be between 1m and 30d \(got 30s\)"):
        parse_over("30s")
    with pytest.raises(UsageError, match=r"`--over` must be between 1m and 30d \(got 31d\)"):
        parse_over("31d")
    with pytest.raises(UsageError, match=r"`--for` must be between 0 and 7d \(got 8d\)"):
        parse_for("8d")
    assert format_duration(9000) == "2h30m" and format_duration(0) == "0"


# ---- cost -------------------------------------------------------------------------------


def test_daily_costs() -> None:
    raygun = CATALOGUE["raygun.sessions"]
    weld = CATALOGUE["weldpulse.visitors"]
    # a Raygun evaluation is 2 calls (session key + search), at most every 2 hours
    assert daily_cost(raygun, 60) == 24
    assert daily_cost(raygun, 4 * HOUR) == 12
    assert daily_cost(weld, 60) == 1440
    assert daily_cost(weld, 60) < weld.spec.limits.per_day_allowance() == 144000
    assert daily_cost(weld, 300) == 288
    assert cost_sentence(raygun, 60) == "Checked every 2h: about 24 raygun calls a day of 50."
    assert cost_sentence(weld, 60) == (
        "Checked every 1m: about 1,440 weldpulse calls a day of 144,000."
    )


def test_raygun_budget_share() -> None:
    metric = CATALOGUE["raygun.sessions"]
    cost = daily_cost(metric, 60)
    assert alert_share(metric.spec) == 30
    check_budget(metric.spec, 0, cost)  # the first Raygun alert fits
    check_budget(metric.spec, 30 - cost, cost)
    with pytest.raises(UsageError) as caught:
        check_budget(metric.spec, cost, cost)  # a second one would take 48 of the 50
    said = caught.value.message
    assert "This alert would cost 24 Raygun Pulse calls a day" in said
    assert "at most 30 of Raygun Pulse's 50 daily calls (leaving 20 for people)" in said
    assert "already use 24" in said


def test_slow_metrics_are_due_once_per_slot() -> None:
    raygun, weld = CATALOGUE["raygun.sessions"], CATALOGUE["weldpulse.visitors"]
    ticks = [NOW + timedelta(seconds=60 * i + 1) for i in range(24 * 60)]
    assert sum(due(raygun, t, 60) for t in ticks) == 12
    assert sum(due(raygun, t, 60, offset_seconds=600) for t in ticks) == 12
    assert all(due(weld, t, 60) for t in ticks)


# ---- measuring --------------------------------------------------------------------------

STATS = {
    "visitors": 1250,
    "pageviews": 5000,
    "sessions": 900,
    "avg_duration": 200.5,
    "bounce_rate": 0.42,
}


@respx.mock
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("weldpulse.visitors", 1250.0),
        ("weldpulse.pageviews", 5000.0),
        ("weldpulse.sessions", 900.0),
        ("weldpulse.avg_duration", 200.5),
        ("weldpulse.bounce_rate", 42.0),
    ],
)
async def test_weldpulse_stats_over_the_window(
    directory: Directory, name: str, expected: float
) -> None:
    route = respx.get(f"{WELD}/v1/stats").mock(
        return_value=httpx.Response(200, json={"data": [STATS]})
    )
    assert await value(directory, name, over=2 * HOUR) == pytest.approx(expected)
    sent = route.calls.last.request.url.params
    assert (sent["start"], sent["end"]) == ("2026-11-23T12:30:00Z", "2026-11-23T14:30:00Z")
    assert await value(directory, name, over=2 * HOUR) == pytest.approx(expected)
    assert route.call_count == 2, "alerts read fresh values, not the answer cache"


@respx.mock
async def test_weldpulse_realtime_is_point_in_time(directory: Directory) -> None:
    rows = [
        {"pathname": "/", "country": "NZ", "device_type": "desktop", "current_visitors": 7},
        {"pathname": "/docs", "country": None, "device_type": None, "current_visitors": 5},
    ]
    route = respx.get(f"{WELD}/v1/realtime").mock(
        return_value=httpx.Response(200, json={"data": rows})
    )
    assert await value(directory, "weldpulse.realtime", over=30 * 86400) == 12.0
    assert await value(directory, "weldpulse.realtime") == 12.0
    assert route.call_count == 2


@respx.mock
async def test_raygun_sessions_total_with_one_search_per_evaluation(
    directory: Directory,
) -> None:
    auth = respx.get(f"{RAYGUN}/api/v1/pulse/authenticate").mock(
        return_value=httpx.Response(200, json={"sessionKey": "sk-test-1"})
    )
    search = respx.get(f"{RAYGUN}/api/v1/pulse/sessions").mock(
        return_value=httpx.Response(200, json={"totalSessions": 321, "sessions": []})
    )
    assert await value(directory, "raygun.sessions") == 321.0
    assert await value(directory, "raygun.sessions") == 321.0
    assert search.call_count == 2 and auth.call_count == 1
    sent = search.calls.last.request.url.params
    assert sent["limit"] == "1"
    assert (sent["dateFrom"], sent["dateTo"]) == ("2026-11-23T13:30:00Z", "2026-11-23T14:30:00Z")


def pulse(ident: int, when: str, keys: int) -> dict[str, Any]:
    return {
        "id": ident, "date": when, "keys": keys, "clicks": keys // 10, "scrolls": None,
        "download_mb": 1.0, "upload_mb": 1.0, "uptime_seconds": 60, "distance_miles": 0.0,
        "auto_pulse": True, "client_version": "5.11",
    }  # fmt: skip


@respx.mock
@pytest.mark.parametrize(("name", "expected"), [("whatpulse.keys", 3000.0),
                                                ("whatpulse.clicks", 300.0)])  # fmt: skip
async def test_whatpulse_counts_only_pulses_inside_the_window(
    directory: Directory, name: str, expected: float
) -> None:
    pulses = [
        pulse(1, "2026-11-23T12:00:00Z", 50000),  # before the 1 h window
        pulse(2, "2026-11-23T13:45:00Z", 1000),
        pulse(3, "2026-11-23T14:30:00Z", 2000),
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
    assert await value(directory, name) == expected
    assert await value(directory, name) == expected
    assert route.call_count == 2
    sent = route.calls.last.request.url.params
    assert (sent["date_from"], sent["date_to"]) == ("2026-11-22", "2026-11-24")


async def test_whatpulse_without_a_user_is_an_upstream_problem(
    harness: CommandHarness,
) -> None:
    await harness.connect("whatpulse", {"token": "wp-token-0001"})
    directory = await harness.pool.directory(harness.team)  # as the next command sees it
    with pytest.raises(InvalidRequest, match="no WhatPulse user"):
        await value(directory, "whatpulse.keys")


def app(key: str, nov: int) -> dict[str, Any]:
    return {
        "key": key,
        "name": f"App {key}",
        "quota": [
            {"year": 2026, "month": 10, "messages_sent": 9999},
            {"year": 2026, "month": 11, "messages_sent": nov},
        ],
        "devices_count": 1,
    }


@respx.mock
@pytest.mark.parametrize(
    ("name", "expected"),
    [("pulsetracker.messages_sent", 11000.0), ("pulsetracker.quota_percent", 85.0)],
)
async def test_pulsetracker_this_month(directory: Directory, name: str, expected: float) -> None:
    route = respx.get(f"{TRACKER}/api/apps").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [app("a1", 8500), app("a2", 2500)],
                "meta": {"current_page": 1, "last_page": 1, "total": 2, "per_page": 12},
            },
        )
    )
    assert await value(directory, name) == pytest.approx(expected)
    assert await value(directory, name) == pytest.approx(expected)
    assert route.call_count == 2


@respx.mock
async def test_quota_percent_without_an_allowance_says_how_to_set_one(
    harness: CommandHarness,
) -> None:
    await harness.connect("pulsetracker", {"token": "pt-token-0001"})  # no allowance entered
    page = {"data": [app("a1", 8500)], "meta": {"current_page": 1, "last_page": 1, "total": 1}}
    route = respx.get(f"{TRACKER}/api/apps").respond(200, json=page)
    directory = await harness.pool.directory(harness.team)
    with pytest.raises(UsageError, match="“Monthly messages per app” field of `/pulse connect"):
        await value(directory, "pulsetracker.quota_percent")
    assert not route.called  # a percentage of nothing is not asked for
    assert await value(directory, "pulsetracker.messages_sent") == 8500


def action(ident: int, overdue: bool) -> dict[str, Any]:
    due_date = "2026-11-10" if overdue else "2026-12-01"
    return {"id": ident, "title": f"Fix {ident}", "status": "open", "due_date": due_date,
            "overdue": overdue}  # fmt: skip


@respx.mock
async def test_pulsepro_actions(directory: Directory) -> None:
    def actions(request: httpx.Request) -> httpx.Response:
        only_overdue = request.url.params.get("overdue") == "true"
        items = [action(i, i < 2) for i in range(5)]
        items = [a for a in items if a["overdue"]] if only_overdue else items
        return httpx.Response(200, json={"count": len(items), "next": None, "results": items})

    route = respx.get(f"{PRO}/api/v1/actions").mock(side_effect=actions)
    assert await value(directory, "pulsepro.overdue_actions") == 2.0
    assert await value(directory, "pulsepro.open_actions") == 5.0
    assert await value(directory, "pulsepro.open_actions") == 5.0
    assert route.call_count == 3
    assert route.calls[0].request.url.params["status"] == "open"


@respx.mock
async def test_pulsepro_inspections_in_the_window(directory: Directory) -> None:
    results = [
        {"id": 1, "title": "Early", "conducted_at": "2026-11-23T10:00:00Z", "score": 10.0},
        {"id": 2, "title": "A", "conducted_at": "2026-11-23T13:00:00Z", "score": 90.0},
        {"id": 3, "title": "B", "conducted_at": "2026-11-23T14:00:00Z", "score": 80.0},
        {"id": 4, "title": "No score", "conducted_at": "2026-11-23T14:10:00Z", "score": None},
    ]
    route = respx.get(f"{PRO}/api/v1/inspections").mock(
        return_value=httpx.Response(200, json={"count": 4, "next": None, "results": results})
    )
    assert await value(directory, "pulsepro.inspections", over=2 * HOUR) == 3.0
    assert await value(directory, "pulsepro.average_score", over=2 * HOUR) == 85.0
    assert route.call_count == 2
    # no inspection in the window: nothing to average, and no alert condition holds
    empty = await value(directory, "pulsepro.average_score", over=60)
    assert empty != empty  # NaN


async def test_measure_needs_an_aware_time(directory: Directory) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await measure(CATALOGUE["weldpulse.visitors"], directory, HOUR, datetime(2026, 1, 1))
    assert NOW.tzinfo is UTC
