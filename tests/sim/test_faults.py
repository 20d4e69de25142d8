"""Every fault kind, on every service, answered in that service's own words."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import httpx
import pytest

from bot.sim import SERVICES, SimServer

from .helpers import (
    PULSEPRO_KEY,
    PULSETRACKER_TOKEN,
    RAYGUN,
    WELDPULSE_KEY,
    WHATPULSE_TOKEN,
    api_key,
    bearer,
)

BASIC = base64.b64encode(f"{RAYGUN['client_id']}:{RAYGUN['client_secret']}".encode()).decode()
# One cheap, valid request per service: (method, path inside the service, headers).
REQUESTS: dict[str, tuple[str, str, dict[str, str]]] = {
    "weldpulse": ("GET", "/v1/sites", bearer(WELDPULSE_KEY)),
    "raygun": ("POST", "/api/v1/pulse/authenticate",
               {"X-ApiKey": RAYGUN["api_key"], "Authorization": f"Basic {BASIC}"}),
    "whatpulse": ("GET", "/api/v1/users/ana", bearer(WHATPULSE_TOKEN)),
    "pulsetracker": ("GET", "/api/apps", bearer(PULSETRACKER_TOKEN)),
    "pulsepro": ("GET", "/api/v1/locations", api_key(PULSEPRO_KEY)),
}
OK = {"weldpulse": 200, "raygun": 202, "whatpulse": 200, "pulsetracker": 200, "pulsepro": 200}


async def call(http: httpx.AsyncClient, sim: SimServer, service: str, path: str | None = None,
               **kwargs: Any) -> httpx.Response:
    method, default_path, headers = REQUESTS[service]
    return await http.request(method, sim.base_urls[service] + (path or default_path),
                              headers=headers, **kwargs)


def error_text(service: str, body: Any) -> str:
    """The human message of a service's error body, checking the body has its shape."""
    if service == "weldpulse":
        assert set(body) == {"error", "code"}
        return str(body["error"])
    if service == "pulsepro":
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
        return str(body["error"]["message"])
    assert set(body) == {"message"}
    return str(body["message"])


@pytest.mark.parametrize("service", SERVICES)
async def test_requests_are_fine_without_faults(sim: SimServer, http: httpx.AsyncClient,
                                                service: str) -> None:
    assert (await call(http, sim, service)).status_code == OK[service]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("status", [500, 503])
async def test_status_faults_use_the_service_error_body(
        sim: SimServer, http: httpx.AsyncClient, service: str, status: int) -> None:
    sim.control.fail(service, status)
    response = await call(http, sim, service)
    assert response.status_code == status
    assert error_text(service, response.json())
    if service == "weldpulse":
        assert response.json()["code"] == {500: "INTERNAL_ERROR",
                                           503: "SERVICE_UNAVAILABLE"}[status]


@pytest.mark.parametrize("service", SERVICES)
async def test_429_faults_carry_retry_after(sim: SimServer, http: httpx.AsyncClient,
                                            service: str) -> None:
    sim.control.fail(service, 429, retry_after=7)
    response = await call(http, sim, service)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    error_text(service, response.json())
    if service == "weldpulse":
        assert response.json()["code"] == "RATE_LIMITED"


async def test_faults_can_be_limited_to_n_requests_and_a_path(
        sim: SimServer, http: httpx.AsyncClient) -> None:
    sim.control.fail("weldpulse", 503, times=2, path="/v1/stats")
    week = {"start": "2026-11-16T00:00:00Z", "end": "2026-11-23T00:00:00Z"}
    assert (await call(http, sim, "weldpulse")).status_code == 200  # /v1/sites is untouched
    statuses = [(await call(http, sim, "weldpulse", "/v1/stats", params=week)).status_code
                for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert sim.control.faults == []
    sim.control.fail("raygun", 500, path="/api/v1/pulse")  # a prefix covers what is under it
    assert (await call(http, sim, "raygun")).status_code == 500
    assert (await call(http, sim, "raygun")).status_code == 500
    sim.control.clear_faults("raygun")
    assert (await call(http, sim, "raygun")).status_code == 202


async def test_latency_delays_a_normal_answer(sim: SimServer, http: httpx.AsyncClient) -> None:
    sim.control.latency("whatpulse", 0.15, times=1)
    started = time.monotonic()
    slow = await call(http, sim, "whatpulse")
    assert time.monotonic() - started >= 0.15
    assert slow.status_code == 200 and slow.json()["user"]["username"] == "ana"
    started = time.monotonic()
    await call(http, sim, "whatpulse")
    assert time.monotonic() - started < 0.15


async def test_latency_combines_with_another_fault(sim: SimServer, http: httpx.AsyncClient
                                                   ) -> None:
    sim.control.latency("pulsetracker", 0.1)
    sim.control.fail("pulsetracker", 503, times=1)
    started = time.monotonic()
    assert (await call(http, sim, "pulsetracker")).status_code == 503
    assert (await call(http, sim, "pulsetracker")).status_code == 200
    assert time.monotonic() - started >= 0.2


async def test_timeouts_hang_until_the_client_gives_up(sim: SimServer,
                                                       http: httpx.AsyncClient) -> None:
    sim.control.hang("pulsepro", times=1)
    with pytest.raises(httpx.ReadTimeout):
        await call(http, sim, "pulsepro", timeout=0.2)
    for _ in range(200):  # the server notices the disconnect and cancels the handler
        if sim.control.hanging == 0:
            break
        await asyncio.sleep(0.01)
    assert sim.control.hanging == 0
    assert (await call(http, sim, "pulsepro")).status_code == 200


async def test_a_hang_that_ends_answers_504(sim: SimServer, http: httpx.AsyncClient) -> None:
    sim.control.hang("weldpulse", seconds=0.05)
    response = await call(http, sim, "weldpulse")
    assert response.status_code == 504
    assert response.json()["code"] == "GATEWAY_TIMEOUT"


@pytest.mark.parametrize("service", SERVICES)
async def test_malformed_html_page_with_200(sim: SimServer, http: httpx.AsyncClient,
                                            service: str) -> None:
    sim.control.malformed(service)
    response = await call(http, sim, service)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html>" in response.text
    with pytest.raises(json.JSONDecodeError):
        response.json()


@pytest.mark.parametrize("service", SERVICES)
async def test_malformed_truncated_json_with_200(sim: SimServer, http: httpx.AsyncClient,
                                                 service: str) -> None:
    whole = (await call(http, sim, service)).text
    sim.control.malformed(service, body="truncated", times=1)
    response = await call(http, sim, service)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        response.json()
    if service != "raygun":  # each session key differs
        assert whole.startswith(response.text) and len(response.text) == len(whole) // 2


@pytest.mark.parametrize("service", SERVICES)
async def test_expired_credentials_get_the_service_401(sim: SimServer, http: httpx.AsyncClient,
                                                       service: str) -> None:
    sim.control.expire(service, times=1)
    response = await call(http, sim, service)
    assert response.status_code == 401
    assert error_text(service, response.json())
    assert (await call(http, sim, service)).status_code == OK[service]


@pytest.mark.parametrize(("service", "status"), [
    ("weldpulse", 403), ("pulsetracker", 403), ("raygun", 429), ("whatpulse", 429),
    ("pulsepro", 429),
])
async def test_quota_faults(sim: SimServer, http: httpx.AsyncClient, service: str,
                            status: int) -> None:
    sim.control.exhaust_quota(service)
    response = await call(http, sim, service)
    assert response.status_code == status
    text = error_text(service, response.json())
    if service == "weldpulse":
        assert response.json() == {"error": "No sites configured for the project",
                                   "code": "FORBIDDEN"}
    if service == "pulsetracker":
        assert text.startswith("You have exceeded your monthly quota.")
    if status == 429:
        assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("status", [401, 429, 503])
@pytest.mark.parametrize("service", SERVICES)
async def test_echo_quotes_every_header_and_the_query_in_the_services_error(
        sim: SimServer, http: httpx.AsyncClient, service: str, status: int) -> None:
    sim.control.echo(service, status, times=1)
    response = await call(http, sim, service, params={"q": "x y"})
    assert response.status_code == status
    text = error_text(service, response.json())
    assert "?q=x%20y" in text or "?q=x+y" in text
    for name, value in REQUESTS[service][2].items():
        assert f"{name}: {value}" in text
        assert response.headers[f"X-Echo-{name}"] == value
    assert ("Retry-After" in response.headers) == (status == 429)
    assert (await call(http, sim, service)).status_code == OK[service]  # once only


@pytest.mark.parametrize("service", SERVICES)
async def test_echo_as_an_html_error_page(sim: SimServer, http: httpx.AsyncClient,
                                          service: str) -> None:
    sim.control.echo(service, 500, body="html")
    response = await call(http, sim, service)
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/html")
    for name, value in REQUESTS[service][2].items():
        assert f"{name}: {value}" in response.text

async def test_requests_are_counted_per_service_and_path(sim: SimServer,
                                                         http: httpx.AsyncClient) -> None:
    sim.control.fail("weldpulse", 503, times=1)
    for _ in range(3):
        await call(http, sim, "weldpulse")
    await call(http, sim, "pulsepro")
    await http.get(sim.base_urls["weldpulse"] + "/v1/sites")  # refused, still counted
    assert sim.control.count("weldpulse", "/v1/sites") == 4
    assert sim.control.count("pulsepro") == 1 and sim.control.count() == 5
    assert sim.control.counts()[("weldpulse", "/v1/sites")] == 4
    assert [r.status for r in sim.control.requests] == [503, 200, 200, 200, 401]
    sim.control.reset_requests()
    assert sim.control.count() == 0


async def test_reset_clears_faults_traffic_limits_and_rate_counters(
        sim: SimServer, http: httpx.AsyncClient) -> None:
    sim.control.set_limits(weldpulse_per_minute=1)
    await call(http, sim, "weldpulse")
    assert (await call(http, sim, "weldpulse")).status_code == 429
    sim.control.fail("raygun", 500)
    sim.control.set_traffic(5)
    sim.control.reset()
    assert sim.control.faults == [] and sim.control.traffic == 1.0
    assert sim.control.limits.weldpulse_per_minute == 100
    assert (await call(http, sim, "weldpulse")).status_code == 200
    assert (await call(http, sim, "raygun")).status_code == 202
