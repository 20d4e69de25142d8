"""Contract tests: each real client against its simulator over loopback HTTP.

The simulator is built from the seeds without the clients' parsing, so a drift in either
(a renamed field, a page link resolved against the wrong root) fails here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from bot.clients import pulsepro, pulsetracker, raygun, weldpulse, whatpulse
from bot.clients.budget import MemoryBudget
from bot.errors import (
    AuthFailed,
    BadResponse,
    BudgetExhausted,
    NotFound,
    QuotaExceeded,
    RateLimited,
    Unavailable,
)
from bot.sim.demo import DEMO_CREDENTIALS
from bot.sim.server import SimServer
from tests.fakes.clock import FakeClock

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.fixture
async def sim() -> AsyncIterator[SimServer]:
    async with SimServer(clock=FakeClock(NOW)) as server:
        yield server


def clock() -> FakeClock:
    return FakeClock(NOW)


async def test_weldpulse_every_endpoint(sim: SimServer, http: httpx.AsyncClient) -> None:
    client = weldpulse.SPEC.connect(
        http,
        credential=DEMO_CREDENTIALS["weldpulse"],
        base_url=sim.base_urls["weldpulse"],
        clock=clock(),
    )
    start, end = NOW - timedelta(days=7), NOW
    stats = await client.stats(start, end)
    series = await client.timeseries(start, end, interval="1 hour")
    assert stats.visitors > 0
    assert sum(b.visitors for b in series) == stats.visitors
    pages = await client.pages(start, end, limit=5)
    assert 0 < len(pages) <= 5
    assert [p.visitors for p in pages] == sorted((p.visitors for p in pages), reverse=True)
    assert await client.referrers(start, end)
    assert await client.geo(start, end, limit=3)
    assert await client.devices(start, end)
    events = await client.events(start, end)
    assert events and all(e.total >= e.unique_visitors > 0 for e in events)
    realtime = await client.realtime()
    assert realtime.current_visitors == sum(r.current_visitors for r in realtime.rows)
    assert await client.sites()
    assert "site" in await client.validate()


async def test_weldpulse_faults_map_to_errors(sim: SimServer, http: httpx.AsyncClient) -> None:
    client = weldpulse.SPEC.connect(
        http,
        credential=DEMO_CREDENTIALS["weldpulse"],
        base_url=sim.base_urls["weldpulse"],
        clock=clock(),
    )
    sim.control.expire("weldpulse", times=1)
    with pytest.raises(AuthFailed):
        await client.sites(fresh=True)
    sim.control.malformed("weldpulse", body="truncated", times=1)
    with pytest.raises(BadResponse):
        await client.sites(fresh=True)
    sim.control.fail("weldpulse", 429, retry_after=20, times=1)
    with pytest.raises(RateLimited) as limited:
        await client.sites(fresh=True)
    assert limited.value.retry_after == 20


async def test_weldpulse_rejects_an_unknown_key(sim: SimServer, http: httpx.AsyncClient) -> None:
    client = weldpulse.SPEC.connect(
        http,
        credential={"api_key": "ak_live_not_registered_0000"},
        base_url=sim.base_urls["weldpulse"],
        clock=clock(),
    )
    with pytest.raises(AuthFailed):
        await client.validate()


async def test_raygun_sessions_and_detail(sim: SimServer, http: httpx.AsyncClient) -> None:
    c = clock()
    client = raygun.SPEC.connect(
        http,
        credential=DEMO_CREDENTIALS["raygun"],
        base_url=sim.base_urls["raygun"],
        clock=c,
        budget=MemoryBudget(50, c),
    )
    page = await client.sessions(
        NOW - timedelta(days=90), NOW, user_identifier="ana@example.com", limit=10, max_sessions=25
    )
    assert page.total > 0
    assert all(s.user.identifier == "ana@example.com" for s in page.sessions)
    assert len(page.sessions) == min(25, page.total)
    detail = await client.session(page.sessions[0].id)
    assert detail.id == page.sessions[0].id
    assert detail.satisfaction in {"Excellent", "Good", "Average", "Poor"}
    with pytest.raises(NotFound):
        await client.session(987654321987)


async def test_raygun_session_key_is_renewed_after_expiry(
    sim: SimServer, http: httpx.AsyncClient
) -> None:
    c = clock()
    client = raygun.SPEC.connect(
        http,
        credential=DEMO_CREDENTIALS["raygun"],
        base_url=sim.base_urls["raygun"],
        clock=c,
        budget=MemoryBudget(50, c),
    )
    await client.sessions(NOW - timedelta(days=1), NOW, limit=1, max_sessions=1)
    sim.control.expire("raygun", times=1, path="/api/v1/pulse/sessions")
    again = await client.sessions(NOW - timedelta(days=2), NOW, limit=1, max_sessions=1)
    assert again.total > 0  # answered after one renewal, not an error
    assert sim.control.count("raygun", "/api/v1/pulse/authenticate") == 2


async def test_raygun_daily_budget_is_kept_locally(sim: SimServer, http: httpx.AsyncClient) -> None:
    c = clock()
    client = raygun.SPEC.connect(
        http,
        credential=DEMO_CREDENTIALS["raygun"],
        base_url=sim.base_urls["raygun"],
        clock=c,
        budget=MemoryBudget(3, c),
    )
    await client.sessions(NOW - timedelta(days=1), NOW, limit=1, max_sessions=1)
    await client.sessions(NOW - timedelta(days=2), NOW, limit=1, max_sessions=1)
    with pytest.raises(RateLimited):
        await client.sessions(NOW - timedelta(days=3), NOW, limit=1, max_sessions=1)
    assert sim.control.count("raygun") == 3


async def test_raygun_authenticates_with_the_declared_get(
    sim: SimServer, http: httpx.AsyncClient
) -> None:
    c = clock()
    client = raygun.SPEC.connect(
        http, credential=DEMO_CREDENTIALS["raygun"], base_url=sim.base_urls["raygun"], clock=c
    )
    await client.validate()
    auth = "/api/v1/pulse/authenticate"
    assert sim.control.count("raygun", auth, "GET") == 1
    assert sim.control.count("raygun", auth, "POST") == 0


async def test_raygun_falls_back_to_post_once_where_get_is_not_routed(
    sim: SimServer, http: httpx.AsyncClient
) -> None:
    auth = "/api/v1/pulse/authenticate"
    sim.control.fail("raygun", 405, path=auth, method="GET")  # a POST-only server
    c = clock()
    client = raygun.SPEC.connect(
        http, credential=DEMO_CREDENTIALS["raygun"], base_url=sim.base_urls["raygun"], clock=c
    )
    day = (NOW - timedelta(days=1), NOW)
    assert (await client.sessions(*day, limit=1, max_sessions=1)).total > 0
    c.advance(15 * 60)  # the session key has ended: renewed with POST straight away
    assert (await client.sessions(*day, limit=1, max_sessions=1, fresh=True)).total > 0
    assert sim.control.count("raygun", auth, "GET") == 1
    assert sim.control.count("raygun", auth, "POST") == 2


async def test_raygun_429_stops_every_call_until_utc_midnight(
    sim: SimServer, http: httpx.AsyncClient
) -> None:
    c = clock()
    sim.control.set_limits(raygun_per_day=2)  # someone else used the application's calls
    client = raygun.SPEC.connect(
        http,
        credential=DEMO_CREDENTIALS["raygun"],
        base_url=sim.base_urls["raygun"],
        clock=c,
        budget=MemoryBudget(50, c),
    )
    await client.sessions(NOW - timedelta(days=1), NOW, limit=1, max_sessions=1)
    with pytest.raises(BudgetExhausted) as info:
        await client.sessions(NOW - timedelta(days=2), NOW, limit=1, max_sessions=1)
    assert info.value.upstream and info.value.resets_at == datetime(2026, 11, 24, tzinfo=UTC)
    sent = sim.control.count("raygun")
    for days in (3, 4, 5):
        with pytest.raises(BudgetExhausted):
            await client.sessions(NOW - timedelta(days=days), NOW, limit=1, max_sessions=1)
    assert sim.control.count("raygun") == sent == 3


async def test_whatpulse_pages_through_to_the_end(sim: SimServer, http: httpx.AsyncClient) -> None:
    client = whatpulse.SPEC.connect(
        http,
        credential=DEMO_CREDENTIALS["whatpulse"],
        base_url=sim.base_urls["whatpulse"],
        clock=clock(),
    )
    user = client.default_user
    assert user == "ana"
    pulses = await client.pulses(
        user, date_from=date(2026, 9, 1), date_to=date(2026, 11, 22), per_page=10
    )
    assert pulses.total == len(pulses.pulses)
    assert sim.control.count("whatpulse") > 1  # more than one page was followed
    assert all(p.scrolls is not None for p in pulses.pulses)  # today's client counts scrolls
    before_scrolls = await client.pulses(user, date_from=date(2025, 1, 1), date_to=date(2025, 2, 1))
    assert before_scrolls.pulses and all(p.scrolls is None for p in before_scrolls.pulses)
    assert (await client.user(user)).name
    computers = await client.computers(user)
    assert computers and all(c.name for c in computers)
    assert "WhatPulse user" in await client.validate()


async def test_pulsetracker_apps_create_rename_quota(
    sim: SimServer, http: httpx.AsyncClient
) -> None:
    client = pulsetracker.SPEC.connect(
        http,
        credential=DEMO_CREDENTIALS["pulsetracker"],
        base_url=sim.base_urls["pulsetracker"],
        clock=clock(),
    )
    first = await client.apps(1)
    assert len(first.items) == 12 and first.last >= 2
    everything = await client.all_apps()
    assert len(everything.apps) == everything.total
    created = await client.create_app("Contract test app")
    assert created.name == "Contract test app"
    assert await client.rename_app(created.key, "Renamed app") == "Renamed app"
    assert (await client.app(created.key)).name == "Renamed app"
    sim.control.exhaust_quota("pulsetracker", times=1)
    with pytest.raises(QuotaExceeded) as quota:
        await client.create_app("One too many")
    assert "monthly quota" in quota.value.detail
    busiest = first.items[0]
    devices = await client.devices(app_key=busiest.key)
    assert devices.total == busiest.devices_count


async def test_pulsepro_pages_resolve_under_the_prefix(
    sim: SimServer, http: httpx.AsyncClient
) -> None:
    client = pulsepro.SPEC.connect(
        http,
        credential=DEMO_CREDENTIALS["pulsepro"],
        base_url=sim.base_urls["pulsepro"],
        clock=clock(),
    )
    inspections = await client.inspections(date(2026, 10, 1), date(2026, 11, 23))
    assert inspections.count == len(inspections.items) > 20  # more than one page of 20
    assert not inspections.truncated
    assert sim.control.count("pulsepro", "/api/v1/inspections") > 1
    capped = await client.inspections(date(2026, 1, 1), date(2026, 11, 23), max_pages=2)
    assert capped.truncated and len(capped.items) == 40 < capped.count
    actions = await client.actions(status="open")
    assert actions.overdue_count > 0
    assert await client.locations()
    assert client.rate_limit is not None and client.rate_limit.limit == 60
    sim.control.fail("pulsepro", 503, times=5)
    with pytest.raises(Unavailable):
        await client.locations(fresh=True)
