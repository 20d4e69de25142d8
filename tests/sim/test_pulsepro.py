"""The simulated PulsePro API over HTTP: DRF pages with prefix-less links, filters, the
token bucket and its headers on every response."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.sim import SimServer
from tests.fakes.clock import FakeClock

from .helpers import PULSEPRO_KEY, Shape, api_key, assert_shape

INSPECTION: Shape = {
    "id": int, "title": str, "template": str, "location": dict, "conducted_at": str,
    "score": (int, float), "status": str, "inspector": str,
}
ACTION: Shape = {
    "id": int, "title": str, "status": str, "priority": str, "due_date": str, "overdue": bool,
    "location": dict, "assignee": str, "created_at": str,
}
PAGE: Shape = {"count": int, "next": (str, type(None)), "previous": (str, type(None)),
               "results": list}
LIMIT_HEADER = "60;w=60;b=60"


def url(sim: SimServer, path: str) -> str:
    return f"{sim.base_urls['pulsepro']}{path}"


async def get(http: httpx.AsyncClient, sim: SimServer, path: str, key: str = PULSEPRO_KEY,
              **params: Any) -> httpx.Response:
    return await http.get(url(sim, path), headers=api_key(key), params=params)


async def collect(http: httpx.AsyncClient, sim: SimServer, path: str, **params: Any
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every result, following `next` resolved against the base URL; and every page body."""
    response = await get(http, sim, path, **params)
    pages = [response.json()]
    while pages[-1]["next"] is not None:
        assert pages[-1]["next"].startswith("/api/v1/")  # a path from the root, no prefix
        pages.append((await http.get(url(sim, pages[-1]["next"]),
                                     headers=api_key())).json())
    return [r for page in pages for r in page["results"]], pages


async def test_inspections_are_drf_pages_with_prefixless_links(
        sim: SimServer, http: httpx.AsyncClient) -> None:
    response = await get(http, sim, "/api/v1/inspections")
    assert response.status_code == 200
    body = response.json()
    assert_shape(body, PAGE)
    assert body["next"] == "/api/v1/inspections?page=2" and body["previous"] is None
    assert len(body["results"]) == 20 and body["count"] > 500
    for inspection in body["results"]:
        assert_shape(inspection, INSPECTION)
        assert_shape(inspection["location"], {"id": int, "name": str})
        assert 0 <= inspection["score"] <= 100
        assert inspection["status"] in ("completed", "in_progress")
    second = (await get(http, sim, "/api/v1/inspections", page=2)).json()
    assert second["previous"] == "/api/v1/inspections"
    assert second["next"] == "/api/v1/inspections?page=3"


async def test_paging_to_the_end_with_filters(sim: SimServer, http: httpx.AsyncClient) -> None:
    results, pages = await collect(http, sim, "/api/v1/inspections", date_from="2026-09-01",
                                   date_to="2026-10-31")
    assert pages[0]["next"] == "/api/v1/inspections?date_from=2026-09-01&date_to=2026-10-31&page=2"
    assert len(results) == pages[0]["count"] == len({r["id"] for r in results})
    assert len(pages) == -(-pages[0]["count"] // 20) > 2
    assert all("2026-09-01" <= r["conducted_at"][:10] <= "2026-10-31" for r in results)
    location = results[0]["location"]["id"]
    here, _ = await collect(http, sim, "/api/v1/inspections", location=location,
                            date_from="2026-09-01", date_to="2026-10-31")
    assert here and {r["location"]["id"] for r in here} == {location}
    assert len(here) < len(results)


async def test_actions_report_overdue_relative_to_now(sim: SimServer, http: httpx.AsyncClient,
                                                      clock: FakeClock) -> None:
    everything, _ = await collect(http, sim, "/api/v1/actions")
    for action in everything:
        assert_shape(action, ACTION)
        assert action["status"] in ("open", "closed")
        assert action["priority"] in ("low", "medium", "high", "critical")
        late = action["status"] == "open" and action["due_date"] < clock.now().date().isoformat()
        assert action["overdue"] == late
    overdue, _ = await collect(http, sim, "/api/v1/actions", overdue="true")
    assert overdue and all(a["overdue"] for a in overdue)
    assert len(overdue) == sum(a["overdue"] for a in everything)
    open_, _ = await collect(http, sim, "/api/v1/actions", status="open")
    closed, _ = await collect(http, sim, "/api/v1/actions", status="closed")
    assert len(open_) > len(overdue) and closed
    assert len(open_) + len(closed) == len(everything)
    clock.advance(30 * 86400)  # a month later, today's open actions are overdue or closed
    later, _ = await collect(http, sim, "/api/v1/actions", overdue="true")
    assert {a["id"] for a in later} != {a["id"] for a in overdue}


async def test_locations(sim: SimServer, http: httpx.AsyncClient) -> None:
    body = (await get(http, sim, "/api/v1/locations")).json()
    assert_shape(body, PAGE)
    assert body["count"] == len(body["results"]) >= 5
    for location in body["results"]:
        assert_shape(location, {"id": int, "name": str, "address": str, "country": str})


@pytest.mark.parametrize(("path", "params", "status", "code"), [
    ("/api/v1/inspections", {"date_from": "1st of May"}, 400, "invalid_request"),
    ("/api/v1/inspections", {"location": "north"}, 400, "invalid_request"),
    ("/api/v1/actions", {"status": "pending"}, 400, "invalid_request"),
    ("/api/v1/actions", {"overdue": "yes"}, 400, "invalid_request"),
    ("/api/v1/inspections", {"page": "999"}, 404, "not_found"),
    ("/api/v1/audits", {}, 404, "not_found"),
], ids=["bad-date", "bad-location", "bad-status", "bad-overdue", "page-past-end", "no-route"])
async def test_errors_are_under_error(sim: SimServer, http: httpx.AsyncClient, path: str,
                                      params: dict[str, str], status: int, code: str) -> None:
    response = await get(http, sim, path, **params)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert_shape(body["error"], {"code": str, "message": str})
    assert body["error"]["code"] == code
    assert response.headers["Organization-RateLimit-Limit"] == LIMIT_HEADER


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Api-key nope"},
                                     {"Authorization": f"Bearer {PULSEPRO_KEY}"}],
                         ids=["none", "unknown", "bearer"])
async def test_bad_keys_are_401(sim: SimServer, http: httpx.AsyncClient,
                                headers: dict[str, str]) -> None:
    response = await http.get(url(sim, "/api/v1/inspections"), headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["Organization-RateLimit-Limit"] == LIMIT_HEADER


async def test_the_bucket_empties_and_refills(sim: SimServer, http: httpx.AsyncClient,
                                              clock: FakeClock) -> None:
    remaining = []
    for n in range(60):
        response = await get(http, sim, "/api/v1/locations")
        assert response.status_code == 200
        assert response.headers["Organization-RateLimit-Limit"] == LIMIT_HEADER
        remaining.append(int(response.headers["RateLimit-Remaining"]))
        assert response.headers["RateLimit-Reset"] == str(60 - min(n, 10))
        clock.advance(1 if n < 10 else 0)
    assert remaining == list(range(59, -1, -1))
    refused = await get(http, sim, "/api/v1/locations")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    assert refused.headers["Retry-After"] == "50" == refused.headers["RateLimit-Reset"]
    assert refused.headers["RateLimit-Remaining"] == "0"
    clock.advance(50)
    again = await get(http, sim, "/api/v1/locations")
    assert again.status_code == 200 and again.headers["RateLimit-Remaining"] == "59"


async def test_keys_have_their_own_buckets_and_data(sim: SimServer, http: httpx.AsyncClient
                                                    ) -> None:
    sim.control.register_credential("pulsepro", api_key="pp_other")
    for _ in range(3):
        await get(http, sim, "/api/v1/locations")
    other = await get(http, sim, "/api/v1/inspections", "pp_other")
    assert other.headers["RateLimit-Remaining"] == "59"
    demo = await get(http, sim, "/api/v1/inspections")
    assert demo.json()["results"] != other.json()["results"]
    assert (await get(http, sim, "/api/v1/inspections")).json() == demo.json()
