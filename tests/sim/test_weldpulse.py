"""The simulated WeldPulse API over HTTP: shapes, errors, rate limit, consistent numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sim import OTHER_WELDPULSE_KEY, SimServer
from bot.sim import weldpulse_data as model
from bot.sim.data import EPOCH, key_seed
from tests.fakes.clock import FakeClock

from .helpers import WELDPULSE_KEY, Shape, assert_shape, bearer

WEEK = {"start": "2026-11-16T00:00:00Z", "end": "2026-11-23T12:00:00Z"}
NUMBER = (int, float)


async def get(http: httpx.AsyncClient, sim: SimServer, endpoint: str,
              key: str = WELDPULSE_KEY, **params: Any) -> httpx.Response:
    return await http.get(f"{sim.base_urls['weldpulse']}/v1/{endpoint}", headers=bearer(key),
                          params=params)


async def data(http: httpx.AsyncClient, sim: SimServer, endpoint: str,
               key: str = WELDPULSE_KEY, **params: Any) -> list[dict[str, Any]]:
    response = await get(http, sim, endpoint, key, **params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"data"}
    rows = body["data"]
    assert isinstance(rows, list)
    return rows


async def test_stats_answers_one_element_data_array(sim: SimServer, http: httpx.AsyncClient
                                                    ) -> None:
    rows = await data(http, sim, "stats", **WEEK)
    assert len(rows) == 1
    assert_shape(rows[0], {"visitors": int, "pageviews": int, "sessions": int,
                           "avg_duration": NUMBER, "bounce_rate": NUMBER})
    stats = rows[0]
    assert 1000 < stats["visitors"] <= stats["sessions"] < stats["pageviews"]
    assert 0 < stats["bounce_rate"] < 1 and 20 < stats["avg_duration"] < 100


ROW_SHAPES: dict[str, Shape] = {
    "pages": {"pathname": str, "visitors": int, "pageviews": int, "avg_duration": NUMBER,
              "bounce_rate": NUMBER},
    "referrers": {"referrer_source": str, "visitors": int, "pageviews": int,
                  "bounce_rate": NUMBER},
    "timeseries": {"t": str, "visitors": int, "pageviews": int, "sessions": int},
    "events": {"event_name": str, "total": int, "unique_visitors": int},
    "geo": {"country": str, "region": str, "visitors": int, "pageviews": int},
    "devices": {"device_type": str, "browser": str, "os": str, "visitors": int,
                "pageviews": int},
    "realtime": {"pathname": str, "country": str, "device_type": str, "referrer_source": str,
                 "current_visitors": int},
    "sites": {"id": str, "domain": str, "name": str, "site_key": str, "is_active": bool,
              "created_at": str},
}


@pytest.mark.parametrize("endpoint", list(ROW_SHAPES), ids=list(ROW_SHAPES))
async def test_rows_have_the_documented_shape(sim: SimServer, http: httpx.AsyncClient,
                                              endpoint: str) -> None:
    params = {} if endpoint in ("realtime", "sites") else WEEK
    rows = await data(http, sim, endpoint, **params)
    assert rows
    for row in rows:
        assert_shape(row, ROW_SHAPES[endpoint])


async def test_breakdowns_are_ranked_limited_and_add_up(sim: SimServer, http: httpx.AsyncClient
                                                        ) -> None:
    [stats] = await data(http, sim, "stats", **WEEK)
    pages = await data(http, sim, "pages", **WEEK)
    assert len(pages) == 10  # documented default
    assert len(await data(http, sim, "referrers", **WEEK)) == 10
    assert len(await data(http, sim, "pages", limit=3, **WEEK)) == 3
    for endpoint in ("pages", "referrers", "geo", "devices"):
        rows = await data(http, sim, endpoint, limit=100, **WEEK)
        visitors = [row["visitors"] for row in rows]
        assert visitors == sorted(visitors, reverse=True), endpoint
        assert sum(visitors) == stats["visitors"], endpoint
        assert sum(row["pageviews"] for row in rows) == stats["pageviews"], endpoint
    assert pages[0]["pathname"] == (await data(http, sim, "pages", limit=1, **WEEK))[0]["pathname"]


async def test_stats_equal_the_sum_of_the_hourly_and_daily_series(
        sim: SimServer, http: httpx.AsyncClient) -> None:
    window = {"start": "2026-11-09T07:30:00Z", "end": "2026-11-23T12:00:00Z"}
    [stats] = await data(http, sim, "stats", **window)
    hourly = await data(http, sim, "timeseries", interval="1 hour", **window)
    daily = await data(http, sim, "timeseries", interval="1 day", **window)
    assert hourly[0]["t"] == "2026-11-09T07:00:00" and hourly[-1]["t"] == "2026-11-23T11:00:00"
    assert daily[0]["t"] == "2026-11-09T00:00:00" and len(daily) == 15
    for series in (hourly, daily):
        for field in ("visitors", "pageviews", "sessions"):
            assert sum(row[field] for row in series) == stats[field]
    default = await data(http, sim, "timeseries", **window)
    assert default == hourly  # "1 hour" is the default interval


@settings(max_examples=60, deadline=None)
@given(start=st.integers(0, 24 * 60), length=st.integers(1, 24 * 60 * 3),
       now_after=st.integers(-3000, 3000), daily=st.booleans())
def test_range_totals_always_equal_their_buckets(start: int, length: int, now_after: int,
                                                 daily: bool) -> None:
    origin = datetime(2026, 11, 1, tzinfo=UTC)
    begin = origin + timedelta(minutes=start)
    end = begin + timedelta(minutes=length)
    now = end + timedelta(minutes=now_after)
    kseed = key_seed(42, WELDPULSE_KEY)
    total = model.range_totals(kseed, begin, end, now)
    parts = model.buckets(kseed, begin, end, now, 24 if daily else 1)
    assert sum((t for _, t in parts), model.Totals()) == total


def test_traffic_has_a_daily_rhythm_and_quieter_weekends() -> None:
    kseed = key_seed(42, WELDPULSE_KEY)
    monday = datetime(2026, 11, 2, tzinfo=UTC)
    hours = [int((monday - EPOCH).total_seconds() // 3600) + h for h in range(24 * 28)]
    by_hour = [sum(model.hour_totals(kseed, h).visitors for h in hours if h % 24 == hour)
               for hour in range(24)]
    assert by_hour[15] > 4 * by_hour[3]
    assert max(range(24), key=by_hour.__getitem__) in range(12, 18)
    weekday = sum(model.hour_totals(kseed, h).visitors for h in hours if (h // 24 + 3) % 7 < 5)
    weekend = sum(model.hour_totals(kseed, h).visitors for h in hours if (h // 24 + 3) % 7 >= 5)
    assert weekend / 2 < 0.8 * weekday / 5


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "Missing required parameters: start, end"),
        ({"start": "2026-11-01T00:00:00Z"}, "Missing required parameters: end"),
        ({"start": "yesterday", "end": "2026-11-02T00:00:00Z"},
         "Invalid ISO 8601 date for parameter: start"),
        ({"start": "2026-11-03T00:00:00Z", "end": "2026-11-02T00:00:00Z"},
         "Invalid parameters: start must be before end"),
    ],
    ids=["both-missing", "end-missing", "bad-date", "reversed"],
)
async def test_bad_ranges_are_400_bad_request(sim: SimServer, http: httpx.AsyncClient,
                                              params: dict[str, str], message: str) -> None:
    response = await get(http, sim, "stats", **params)
    assert response.status_code == 400
    assert response.json() == {"error": message, "code": "BAD_REQUEST"}


@pytest.mark.parametrize(("endpoint", "params"), [
    ("timeseries", {"interval": "1h"}), ("timeseries", {"interval": "1 week"}),
    ("pages", {"limit": "0"}), ("geo", {"limit": "ten"}),
], ids=["interval-1h", "interval-week", "limit-0", "limit-text"])
async def test_bad_options_are_400_bad_request(sim: SimServer, http: httpx.AsyncClient,
                                               endpoint: str, params: dict[str, str]) -> None:
    response = await get(http, sim, endpoint, **WEEK, **params)
    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("headers", [{}, bearer("ak_live_nope"), {"Authorization": WELDPULSE_KEY},
                                     {"Authorization": f"Basic {WELDPULSE_KEY}"}],
                         ids=["none", "unknown-key", "no-scheme", "wrong-scheme"])
async def test_bad_keys_are_401_unauthorized(sim: SimServer, http: httpx.AsyncClient,
                                             headers: dict[str, str]) -> None:
    response = await http.get(f"{sim.base_urls['weldpulse']}/v1/sites", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid or missing API key", "code": "UNAUTHORIZED"}


async def test_the_101st_call_in_a_minute_is_rate_limited(
        sim: SimServer, http: httpx.AsyncClient, clock: FakeClock) -> None:
    for _ in range(100):
        assert (await get(http, sim, "sites")).status_code == 200
        clock.advance(0.25)  # 100 calls over 25 s
    refused = await get(http, sim, "sites")
    assert refused.status_code == 429
    assert refused.json()["code"] == "RATE_LIMITED"
    assert refused.headers["Retry-After"] == "35"  # the first call leaves the window in 35 s
    assert (await get(http, sim, "sites", OTHER_WELDPULSE_KEY)).status_code == 200  # per key
    clock.advance(34)
    assert (await get(http, sim, "sites")).status_code == 429
    clock.advance(1)
    assert (await get(http, sim, "sites")).status_code == 200


async def test_numbers_are_stable_per_key_and_differ_between_keys(
        sim: SimServer, http: httpx.AsyncClient, clock: FakeClock) -> None:
    first = await data(http, sim, "stats", **WEEK)
    assert await data(http, sim, "stats", **WEEK) == first
    other = await data(http, sim, "stats", OTHER_WELDPULSE_KEY, **WEEK)
    assert other != first
    async with SimServer(clock=clock) as again, SimServer(clock=clock, seed=7) as reseeded:
        assert await data(http, again, "stats", **WEEK) == first
        assert await data(http, again, "pages", **WEEK) == await data(http, sim, "pages", **WEEK)
        assert await data(http, reseeded, "stats", **WEEK) != first


async def test_realtime_follows_the_clock_and_the_traffic_multiplier(
        sim: SimServer, http: httpx.AsyncClient, clock: FakeClock) -> None:
    def total(rows: list[dict[str, Any]]) -> int:
        return sum(row["current_visitors"] for row in rows)

    normal = total(await data(http, sim, "realtime"))
    assert normal > 0
    sim.control.set_traffic(10)
    spike = total(await data(http, sim, "realtime"))
    assert 8 * normal <= spike <= 12 * normal
    sim.control.set_traffic(0)
    assert await data(http, sim, "realtime") == []
    sim.control.set_traffic(1)
    clock.set(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))  # the middle of the night
    assert total(await data(http, sim, "realtime")) < normal


async def test_registered_keys_work_until_revoked(sim: SimServer, http: httpx.AsyncClient
                                                  ) -> None:
    sim.control.register_credential("weldpulse", api_key="ak_live_extra")
    assert (await get(http, sim, "sites", "ak_live_extra")).status_code == 200
    assert sim.control.revoke_credential("weldpulse", "ak_live_extra")
    assert (await get(http, sim, "sites", "ak_live_extra")).status_code == 401
