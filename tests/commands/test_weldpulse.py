"""WeldPulse commands: the numbers shown are the ones the service sent."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx

from bot.domain.formatting import human, percent
from bot.render.blocks import MAX_BLOCKS, MAX_TEXT
from bot.render.limits import problems
from tests.commands.harness import CommandHarness, charts, table, text

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
    await cmd.connect("weldpulse", KEY)
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
async def test_the_table_cells_are_the_services_numbers(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/pages").mock(
        return_value=httpx.Response(200, json={"data": [page(1), page(2)]})
    )
    message = await cmd.run("pages 30d --limit 2")
    payload = message.to_slack()
    [block] = [b for b in payload["blocks"] if b["type"] == "table"]
    assert [s["align"] for s in block["column_settings"]] == ["right", "left"] + ["right"] * 4
    assert table(message) == [
        ["#", "Page", "Visitors", "Views", "Avg time", "Bounce"],
        ["1", "/docs/page-1", human(4999), human(8999), "32s", percent(0.38)],
        ["2", "/docs/page-2", human(4998), human(8998), "32s", percent(0.38)],
    ]
    assert problems(payload) == []


@respx.mock
async def test_a_hundred_rows_are_all_shown_beyond_one_table(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/pages").mock(
        return_value=httpx.Response(200, json={"data": [page(i) for i in range(100)]})
    )
    message = await cmd.run("pages --limit 100")
    rows = table(message)
    assert len(rows) == 100 and rows[-1][1] == "/docs/page-98"  # a header and 99 pages
    shown = text(message)
    assert "A Slack table holds 99 rows; the rest:" in shown
    assert "100  /docs/page-99" in shown


@respx.mock
async def test_pages_limit_100_stays_within_block_kit_limits(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
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
    await cmd.connect("weldpulse", KEY)
    shown = text(await cmd.run("pages --limit 500"))
    assert "`--limit` must be between 1 and 100 (got 500)" in shown
    assert "Usage: `/pulse pages [RANGE] [--limit N]`" in shown


async def test_bad_range_lists_the_ranges(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    shown = text(await cmd.run("pages lastweek"))
    assert "`lastweek` is not a range I know" in shown
    assert "last-week" in shown


@respx.mock
async def test_rejected_key_says_reconnect(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/pages").mock(
        return_value=httpx.Response(401, json={"error": "Invalid API key", "code": "UNAUTHORIZED"})
    )
    shown = text(await cmd.run("pages"))
    assert "WeldPulse rejected the saved credential" in shown
    assert "ak_live_test_key" not in shown
    infos = {i.service: i for i in await cmd.store.credentials.list(cmd.team)}
    assert infos["weldpulse"].last_error is not None


@respx.mock
async def test_empty_result_is_said_plainly(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/pages").mock(return_value=httpx.Response(200, json={"data": []}))
    assert "No page views recorded in WeldPulse for last 7 days." in text(await cmd.run("pages"))


# ---- helpers for the other WeldPulse commands ---------------------------------------------


def within_block_kit(payload: dict[str, object]) -> None:
    blocks = payload["blocks"]
    assert isinstance(blocks, list) and len(blocks) <= MAX_BLOCKS
    for block in blocks:
        assert len(block.get("text", {}).get("text", "")) <= MAX_TEXT
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        for f in block.get("fields", []):
            assert len(f["text"]) <= 2000
    assert problems(payload) == []


def rows_for(command: str, count: int) -> list[dict[str, object]]:
    """`count` long rows of the shape `command`'s endpoint answers."""
    long = "x" * 60
    makers: dict[str, Callable[[int], dict[str, object]]] = {
        "pages": lambda i: page(i) | {"pathname": f"/{long}/{i}"},
        "referrers": lambda i: {
            "referrer_source": f"{long}-{i}",
            "visitors": 900 - i,
            "pageviews": 1800 - i,
            "bounce_rate": 0.5,
        },
        "geo": lambda i: {
            "country": "US",
            "region": f"{long}-{i}",
            "visitors": 890 - i,
            "pageviews": 2100,
        },
        "devices": lambda i: {
            "device_type": "desktop",
            "browser": f"Chrome {i}",
            "os": long,
            "visitors": 567 - i,
            "pageviews": 1200,
        },
    }
    return [makers[command](i) for i in range(count)]


# ---- referrers, geo, devices --------------------------------------------------------------


@respx.mock
async def test_referrers_shows_sources_and_names_direct_traffic(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    route = respx.get(f"{BASE}/v1/referrers").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {
                        "referrer_source": None,
                        "visitors": 1250,
                        "pageviews": 2400,
                        "bounce_rate": 0.3,
                    },
                    {
                        "referrer_source": "Google",
                        "visitors": 320,
                        "pageviews": 580,
                        "bounce_rate": 0.45,
                    },
                ]
            },
        )
    )
    message = await cmd.run("referrers last-week --limit 5")
    shown = text(message)
    assert "Top referrers — last week" in shown
    assert "Direct" in shown and "1.2k" in shown and "2.4k" in shown and "30.0%" in shown
    assert "Google" in shown and "320" in shown and "45.0%" in shown
    assert "last week: Mon 16 Nov 00:00 – Mon 23 Nov 00:00 (Europe/Berlin)" in shown
    assert message.text == "Top referrers — last week: Direct leads with 1250 visitors"
    sent = route.calls.last.request.url.params
    assert sent["limit"] == "5"
    assert sent["start"] == "2026-11-15T23:00:00Z" and sent["end"] == "2026-11-22T23:00:00Z"


@respx.mock
async def test_geo_shows_country_and_region(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/geo").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {"country": "US", "region": "California", "visitors": 890, "pageviews": 2100},
                    {"country": "NZ", "region": None, "visitors": 120, "pageviews": 300},
                ]
            },
        )
    )
    message = await cmd.run("geo 30d")
    shown = text(message)
    assert "Visitors by place — last 30 days" in shown
    assert "California" in shown and "890" in shown and "2.1k" in shown
    assert "NZ" in shown and "—" in shown
    assert message.text.endswith("California, US leads with 890 visitors")


@respx.mock
async def test_devices_shows_device_browser_and_os(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    route = respx.get(f"{BASE}/v1/devices").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {
                        "device_type": "desktop",
                        "browser": "Chrome",
                        "os": "macOS",
                        "visitors": 567,
                        "pageviews": 1200,
                    },
                    {
                        "device_type": "mobile",
                        "browser": None,
                        "os": "iOS",
                        "visitors": 80,
                        "pageviews": 95,
                    },
                ]
            },
        )
    )
    message = await cmd.run("devices")
    shown = text(message)
    assert "Desktop" in shown and "Chrome" in shown and "macOS" in shown and "1.2k" in shown
    assert "Mobile" in shown and "iOS" in shown
    assert message.text.endswith("Desktop (Chrome on macOS) leads with 567 visitors")
    assert route.calls.last.request.url.params["limit"] == "10"


@pytest.mark.parametrize("command", ["pages", "referrers", "geo", "devices"])
@respx.mock
async def test_limit_100_stays_within_block_kit_limits(cmd: CommandHarness, command: str) -> None:
    await cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/{command}").mock(
        return_value=httpx.Response(200, json={"data": rows_for(command, 100)})
    )
    message = await cmd.run(f"{command} 90d --limit 100")
    within_block_kit(message.to_slack(share_id="share-1"))
    assert len(message.blocks) <= MAX_BLOCKS - 1  # room for the share button
    assert len(message.text) < 300


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            "referrers --limit 0", "`--limit` must be between 1 and 100 (got 0)", id="zero"
        ),
        pytest.param("geo --limit lots", "`--limit` must be a whole number, not `lots`", id="word"),
        pytest.param("devices --top 5", "This command does not take `--top`", id="unknown-option"),
        pytest.param("referrers 7d 30d", "Give one range only", id="two-ranges"),
        pytest.param("geo 7d everywhere", "I don't know what `everywhere` means here", id="stray"),
        pytest.param("events --limit 5", "This command does not take `--limit`", id="events-limit"),
    ],
)
async def test_bad_arguments_say_what_and_show_usage(
    cmd: CommandHarness, line: str, expected: str
) -> None:
    await cmd.connect("weldpulse", KEY)
    shown = text(await cmd.run(line))
    assert expected in shown
    assert f"Usage: `/pulse {line.split()[0]} [RANGE]" in shown


# ---- events -------------------------------------------------------------------------------


@respx.mock
async def test_events_are_sorted_by_total_with_a_summary(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    route = respx.get(f"{BASE}/v1/events").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {"event_name": "newsletter", "total": 40, "unique_visitors": 38},
                    {"event_name": "signup_click", "total": 2340, "unique_visitors": 1890},
                ]
            },
        )
    )
    message = await cmd.run("events yesterday")
    shown = text(message)
    assert shown.index("signup_click") < shown.index("newsletter")
    assert "2.3k" in shown and "1.9k" in shown
    assert "yesterday: Sun 22 Nov 00:00 – Mon 23 Nov 00:00 (Europe/Berlin)" in shown
    assert message.text == (
        "Custom events — yesterday: 2380 events of 2 events; signup_click leads with 2340"
    )
    assert "limit" not in route.calls.last.request.url.params


@respx.mock
async def test_no_events_is_said_plainly(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/events").mock(return_value=httpx.Response(200, json={"data": []}))
    shown = text(await cmd.run("events today"))
    assert "No custom events recorded in WeldPulse for today so far." in shown


# ---- realtime and sites -------------------------------------------------------------------


REALTIME = {
    "data": [
        {
            "pathname": "/",
            "country": "US",
            "device_type": "desktop",
            "referrer_source": "Google",
            "current_visitors": 3,
        },
        {
            "pathname": "/pricing",
            "country": "NZ",
            "device_type": "mobile",
            "referrer_source": None,
            "current_visitors": 2,
        },
        {
            "pathname": "/",
            "country": "NZ",
            "device_type": "mobile",
            "referrer_source": None,
            "current_visitors": 4,
        },
        {
            "pathname": "/docs",
            "country": None,
            "device_type": None,
            "referrer_source": None,
            "current_visitors": 1,
        },
    ]
}


@respx.mock
async def test_realtime_totals_by_page_country_and_device(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    route = respx.get(f"{BASE}/v1/realtime").mock(return_value=httpx.Response(200, json=REALTIME))
    message = await cmd.run("realtime")
    shown = text(message)
    assert message.text == "Right now: 10 visitors on the site; most are on /"
    lines = shown.splitlines()
    # "/" has 3 + 4 = 7, NZ 2 + 4 = 6, Mobile 6, and unknowns are named
    assert any(line.split() == ["/", "7"] for line in lines)
    assert any(line.split() == ["NZ", "6"] for line in lines)
    assert any(line.split() == ["Mobile", "6"] for line in lines)
    assert any(line.split() == ["Unknown", "1"] for line in lines)
    assert "as of Mon 23 Nov 15:30 (Europe/Berlin)" in shown
    await cmd.run("realtime")
    assert route.call_count == 2, "realtime is read fresh every time, never from the cache"
    assert "start" not in route.calls.last.request.url.params


@respx.mock
async def test_realtime_with_nobody_on_the_site(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/realtime").mock(return_value=httpx.Response(200, json={"data": []}))
    shown = text(await cmd.run("realtime"))
    assert "Nobody is on the site right now" in shown


@respx.mock
async def test_realtime_with_many_pages_stays_small(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    rows = [
        {
            "pathname": f"/p/{i}",
            "country": f"C{i}",
            "device_type": "desktop",
            "referrer_source": None,
            "current_visitors": 1,
        }
        for i in range(300)
    ]
    respx.get(f"{BASE}/v1/realtime").mock(return_value=httpx.Response(200, json={"data": rows}))
    message = await cmd.run("realtime")
    within_block_kit(message.to_slack(share_id="s"))
    assert "290 more" in text(message)


@pytest.mark.parametrize("line", ["realtime 7d", "sites now", "realtime --limit 3"])
async def test_realtime_and_sites_take_no_arguments(cmd: CommandHarness, line: str) -> None:
    await cmd.connect("weldpulse", KEY)
    shown = text(await cmd.run(line))
    assert f"Usage: `/pulse {line.split()[0]}`" in shown


@respx.mock
async def test_sites_lists_sites_without_their_keys(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/sites").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {
                        "id": "b",
                        "domain": "docs.example.com",
                        "name": "Docs",
                        "site_key": "sk_live_secret_2",
                        "is_active": False,
                        "created_at": "2024-03-05T09:30:00Z",
                    },
                    {
                        "id": "a",
                        "domain": "example.com",
                        "name": "Main Site",
                        "site_key": "sk_live_secret_1",
                        "is_active": True,
                        "created_at": "2024-01-01T00:00:00Z",
                    },
                ]
            },
        )
    )
    message = await cmd.run("sites")
    shown = text(message)
    assert message.text == "2 sites in the WeldPulse project (1 active)"
    assert shown.index("Main Site") < shown.index("Docs"), "active sites first"
    assert "example.com" in shown and "inactive" in shown and "05 Mar 2024" in shown
    assert "sk_live" not in shown and "sk_live" not in repr(message)


@respx.mock
async def test_no_sites_says_what_to_do(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/sites").mock(return_value=httpx.Response(200, json={"data": []}))
    assert "has no sites yet; add one in WeldPulse" in text(await cmd.run("sites"))


# ---- timeseries ---------------------------------------------------------------------------


def buckets(count: int, step: timedelta, start: datetime) -> dict[str, object]:
    return {
        "data": [
            {
                "t": (start + i * step).strftime("%Y-%m-%dT%H:%M:%S"),
                "visitors": 100 + i,
                "pageviews": 200 + 2 * i,
                "sessions": 150 + i,
            }
            for i in range(count)
        ]
    }


def every_bucket(request: httpx.Request) -> httpx.Response:
    """A WeldPulse answering every bucket of the asked range, aligned to UTC as its own
    are: the i-th has 100 + i visitors, 200 + 2i pageviews, 150 + i sessions."""
    step = timedelta(hours=1 if request.url.params["interval"] == "1 hour" else 24)
    start = datetime.fromisoformat(request.url.params["start"])
    end = datetime.fromisoformat(request.url.params["end"])
    first = start - (start - start.replace(hour=0, minute=0)) % step
    count = math.ceil((end - first) / step)
    return httpx.Response(200, json=buckets(count, step, first.replace(tzinfo=None)))


@pytest.mark.parametrize(
    ("line", "zone", "sent", "shown"),
    [
        pytest.param("timeseries 24h", "Europe/Berlin", "1 hour", "25 hourly", id="24h-hourly"),
        pytest.param("timeseries this-week", "Europe/Berlin", "1 hour", "16 hourly", id="3d-hours"),
        # Berlin's days are not WeldPulse's (UTC) days: hours are asked and added up
        pytest.param("timeseries", "Europe/Berlin", "1 hour", "8 daily", id="7d-daily"),
        pytest.param("timeseries", "UTC", "1 day", "8 daily", id="7d-daily-utc-asks-days"),
        pytest.param(
            "timeseries 7d --interval 1h", "Europe/Berlin", "1 hour", "169 hourly", id="7d-h"
        ),
        pytest.param(
            "timeseries 24h interval=1d", "Europe/Berlin", "1 hour", "2 daily", id="24h-d"
        ),
        pytest.param(
            "timeseries 90d --interval 1d", "Europe/Berlin", "1 hour", "91 daily", id="90d"
        ),
    ],
)
@respx.mock
async def test_timeseries_interval_sent_and_answer_within_limits(
    cmd: CommandHarness, line: str, zone: str, sent: str, shown: str
) -> None:
    await cmd.connect("weldpulse", KEY)
    cmd.tz = ZoneInfo(zone)
    route = respx.get(f"{BASE}/v1/timeseries").mock(side_effect=every_bucket)
    message = await cmd.run(line)
    assert route.calls.last.request.url.params["interval"] == sent
    assert f"{shown} buckets" in text(message)
    within_block_kit(message.to_slack(share_id="s"))
    [(title, categories, series)] = charts(message)
    assert title.startswith("WeldPulse per ") and len(title) <= 50
    assert 1 < len(categories) <= 20 and len(set(categories)) == len(categories)
    # the points add up WeldPulse's buckets: nothing lost, nothing doubled
    upstream = route.calls.last.response.json()["data"]
    for name in ("Visitors", "Pageviews", "Sessions"):
        assert sum(series[name]) == sum(b[name.lower()] for b in upstream)


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Pacific/Auckland"])
@respx.mock
async def test_timeseries_days_are_the_callers_days_not_utc_days(
    cmd: CommandHarness, zone: str
) -> None:
    # last week is Mon 16 – Sun 22 Nov for both (Mon 06:30 in LA, Tue 03:30 in Auckland);
    # WeldPulse's days are UTC days, a day early or late there, so hours are asked for
    await cmd.connect("weldpulse", KEY)
    cmd.tz = ZoneInfo(zone)
    route = respx.get(f"{BASE}/v1/timeseries").mock(side_effect=every_bucket)
    message = await cmd.run("timeseries last-week")
    assert route.calls.last.request.url.params["interval"] == "1 hour"
    [(_, categories, series)] = charts(message)
    assert categories == [f"{d} Nov" for d in range(16, 23)], "whole local days, none cut"
    # the k-th day adds up hours 24k … 24k + 23, of 100 + i visitors each
    assert series["Visitors"] == [
        sum(100 + i for i in range(24 * k, 24 * k + 24)) for k in range(7)
    ]
    assert "Busiest day: Sun 22 Nov" in text(message)


@respx.mock
async def test_timeseries_totals_busiest_bucket_and_sparkline(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/timeseries").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {
                        "t": "2026-11-22T14:00:00",
                        "visitors": 400,
                        "pageviews": 900,
                        "sessions": 500,
                    },
                    {
                        "t": "2026-11-22T15:00:00",
                        "visitors": 1100,
                        "pageviews": 2300,
                        "sessions": 1200,
                    },
                    {"t": "2026-11-22T16:00:00", "visitors": 0, "pageviews": 0, "sessions": 0},
                ]
            },
        )
    )
    message = await cmd.run("timeseries 24h")
    shown = text(message)
    assert message.text == (
        "WeldPulse traffic — last 24 hours: 1.5k visitors, 3.2k pageviews, 1.7k sessions"
    )
    assert "Visitors: 1.5k" in shown and "Pageviews: 3.2k" in shown and "Sessions: 1.7k" in shown
    # 15:00 UTC is 16:00 in Berlin
    assert "Busiest hour: Sun 22 Nov 16:00 · 1.1k visitors" in shown
    # the chart is the buckets themselves, labelled in the reader's zone (UTC+1); the first
    # hour began before the window did (15:30), and says so
    assert charts(message) == [
        (
            "WeldPulse per hour — last 24 hours",
            ["Sun 15:00 (part)", "Sun 16:00", "Sun 17:00"],
            {"Visitors": [400, 1100, 0], "Pageviews": [900, 2300, 0], "Sessions": [500, 1200, 0]},
        )
    ]
    # the sparkline draws the cut hour as partial, not as a value, and leaves it out of the
    # numbers: 1100 and 0 are the whole hours
    assert "Visitors   ░█▁  min 0 · max 1.1k · last 0 · ░ part" in shown
    assert "last 24 hours: Sun 22 Nov 15:30 – Mon 23 Nov 15:30 (Europe/Berlin)" in shown


async def test_timeseries_90d_hourly_is_refused_without_a_call(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    with respx.mock(assert_all_called=False) as mock:
        route = mock.get(f"{BASE}/v1/timeseries")
        shown = text(await cmd.run("timeseries 90d --interval 1h"))
    assert not route.called
    assert "Last 90 days in hourly buckets would be 2,160 points" in shown
    assert "use `--interval 1d`" in shown
    assert "Usage: `/pulse timeseries [RANGE] [--interval 1h|1d]`" in shown


@pytest.mark.parametrize("value", ["5m", "1w", "hours2"])
async def test_timeseries_bad_interval(cmd: CommandHarness, value: str) -> None:
    await cmd.connect("weldpulse", KEY)
    shown = text(await cmd.run(f"timeseries --interval {value}"))
    assert f"`--interval` must be `1h` or `1d`, not `{value}`." in shown
    assert "Usage: `/pulse timeseries [RANGE] [--interval 1h|1d]`" in shown


@respx.mock
async def test_timeseries_without_data_has_no_chart(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/timeseries").mock(return_value=httpx.Response(200, json={"data": []}))
    message = await cmd.run("timeseries")
    assert charts(message) == []
    assert "No visits recorded in WeldPulse for last 7 days." in text(message)


@respx.mock
async def test_timeseries_rate_limited_says_when_to_retry(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", KEY)
    respx.get(f"{BASE}/v1/timeseries").mock(
        return_value=httpx.Response(
            429,
            json={"error": "Too many requests", "code": "RATE_LIMITED"},
            headers={"Retry-After": "30"},
        )
    )
    shown = text(await cmd.run("timeseries"))
    assert "WeldPulse is rate limiting us; try again in" in shown


@respx.mock
async def test_the_busiest_bucket_is_a_whole_one_not_the_first_hour_cut_by_the_window(
    cmd: CommandHarness,
) -> None:
    await cmd.connect("weldpulse", KEY)
    rows = [
        {"t": "2026-11-22T14:00:00", "visitors": 5000, "pageviews": 1, "sessions": 1},
        {"t": "2026-11-22T15:00:00", "visitors": 1100, "pageviews": 1, "sessions": 1},
        {"t": "2026-11-23T14:00:00", "visitors": 9000, "pageviews": 1, "sessions": 1},
    ]
    respx.get(f"{BASE}/v1/timeseries").mock(return_value=httpx.Response(200, json={"data": rows}))
    shown = text(await cmd.run("timeseries 24h"))
    # 14:00 UTC on the 22nd began before the window (14:30), 14:00 on the 23rd is still
    # running when it ends: both hold part of an hour, so neither is "the busiest hour"
    assert "Busiest hour: Sun 22 Nov 16:00 · 1.1k visitors" in shown
