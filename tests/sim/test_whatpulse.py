"""The simulated WhatPulse API over HTTP: pulses paging and filters, users, 401/404/422."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.sim import SimServer

from .helpers import WHATPULSE_TOKEN, Shape, assert_shape, bearer

NUMBER = (int, float)
PULSE: Shape = {
    "id": int, "date": str, "keys": int, "clicks": int, "scrolls": (int, type(None)),
    "download_mb": NUMBER, "upload_mb": NUMBER, "uptime_seconds": int,
    "distance_miles": NUMBER, "auto_pulse": bool, "client_version": str, "computer": dict,
}
TOTALS: Shape = {"keys": int, "clicks": int, "scrolls": int, "download_mb": NUMBER,
                 "upload_mb": NUMBER, "uptime_seconds": int, "distance_miles": NUMBER}
OPTIONAL_INT = (int, type(None))
OPTIONAL_STR = (str, type(None))


async def get(http: httpx.AsyncClient, sim: SimServer, path: str, token: str = WHATPULSE_TOKEN,
              **params: Any) -> httpx.Response:
    return await http.get(f"{sim.base_urls['whatpulse']}/api/v1/users/{path}",
                          headers=bearer(token), params=params)


async def pulses(http: httpx.AsyncClient, sim: SimServer, user: str = "ana",
                 **params: Any) -> dict[str, Any]:
    response = await get(http, sim, f"{user}/pulses", **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_pulses_have_the_documented_shape(sim: SimServer, http: httpx.AsyncClient) -> None:
    body = await pulses(http, sim)
    assert_shape(body, {"pulses": list, "pagination": dict, "links": dict, "filters": dict})
    assert_shape(body["pagination"], {"current_page": int, "per_page": int, "total": int,
                                      "last_page": int, "from": OPTIONAL_INT, "to": OPTIONAL_INT})
    assert_shape(body["links"], {"first": str, "last": str, "prev": OPTIONAL_STR,
                                 "next": OPTIONAL_STR})
    assert body["filters"] == {"computer_id": None, "date_from": None, "date_to": None}
    assert len(body["pulses"]) == body["pagination"]["per_page"] == 15
    for pulse in body["pulses"]:
        assert_shape(pulse, PULSE)
        assert_shape(pulse["computer"], {"id": int, "name": str})
    dates = [p["date"] for p in body["pulses"]]
    assert dates == sorted(dates, reverse=True)
    assert body["pagination"]["total"] > 500  # many months of pulses


async def test_paging_to_the_end_follows_links(sim: SimServer, http: httpx.AsyncClient) -> None:
    body = await pulses(http, sim, date_from="2026-09-01", date_to="2026-09-30", per_page=20)
    total = body["pagination"]["total"]
    assert body["links"]["prev"] is None
    assert body["links"]["first"].startswith(sim.base_urls["whatpulse"] + "/api/v1/users/ana/")
    seen = []
    while True:
        seen += body["pulses"]
        if body["links"]["next"] is None:
            break
        response = await http.get(body["links"]["next"], headers=bearer(WHATPULSE_TOKEN))
        body = response.json()
        assert body["filters"]["date_from"] == "2026-09-01"
    assert body["pagination"]["current_page"] == body["pagination"]["last_page"]
    assert body["pagination"]["to"] == total == len(seen) == len({p["id"] for p in seen})
    assert body["links"]["last"] == str(httpx.URL(body["links"]["first"]).copy_set_param(
        "page", str(body["pagination"]["last_page"])))
    assert all(p["date"].startswith("2026-09-") for p in seen)


async def test_a_page_past_the_end_is_empty(sim: SimServer, http: httpx.AsyncClient) -> None:
    body = await pulses(http, sim, page=100_000)
    assert body["pulses"] == []
    assert body["pagination"]["from"] is None and body["pagination"]["to"] is None
    assert body["links"]["next"] is None


async def test_filters_are_applied_and_echoed(sim: SimServer, http: httpx.AsyncClient) -> None:
    computers = (await get(http, sim, "ana/computers")).json()["computers"]
    laptop = computers[0]["id"]
    body = await pulses(http, sim, computer_id=laptop, date_to="2025-01-31", per_page=100)
    assert body["filters"] == {"computer_id": laptop, "date_from": None, "date_to": "2025-01-31"}
    assert {p["computer"]["id"] for p in body["pulses"]} == {laptop}
    assert all(p["date"] < "2025-02-01" for p in body["pulses"])


async def test_older_clients_report_no_scrolls(sim: SimServer, http: httpx.AsyncClient) -> None:
    old = await pulses(http, sim, date_to="2025-03-31", per_page=100)
    new = await pulses(http, sim, date_from="2026-10-01", per_page=100)
    assert old["pulses"] and new["pulses"]
    assert all(p["scrolls"] is None and p["client_version"].startswith("4.") for p in old["pulses"])
    assert all(isinstance(p["scrolls"], int) and p["client_version"].startswith("5.")
               for p in new["pulses"])


@pytest.mark.parametrize("per_page", ["0", "101", "-5"])
async def test_per_page_outside_1_to_100_is_422(sim: SimServer, http: httpx.AsyncClient,
                                                per_page: str) -> None:
    response = await get(http, sim, "ana/pulses", per_page=per_page)
    assert response.status_code == 422
    message = "The per page field must be between 1 and 100."
    assert response.json() == {"message": message, "errors": {"per_page": [message]}}


async def test_several_validation_errors_are_counted(sim: SimServer, http: httpx.AsyncClient
                                                    ) -> None:
    response = await get(http, sim, "ana/pulses", date_from="soon", computer_id="x", page="0")
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "The computer id field must be an integer. (and 2 more errors)"
    assert body["errors"] == {
        "computer_id": ["The computer id field must be an integer."],
        "date_from": ["The date from field must be a valid date."],
        "page": ["The page field must be at least 1."],
    }
    backwards = await get(http, sim, "ana/pulses", date_from="2026-02-01", date_to="2026-01-01")
    assert backwards.json()["errors"] == {
        "date_to": ["The date to field must be a date after or equal to date from."]}


async def test_per_page_100_is_allowed(sim: SimServer, http: httpx.AsyncClient) -> None:
    assert len((await pulses(http, sim, per_page=100))["pulses"]) == 100


@pytest.mark.parametrize("headers", [{}, bearer("wrong"), {"Authorization": WHATPULSE_TOKEN}],
                         ids=["none", "unknown", "no-scheme"])
async def test_bad_tokens_are_401(sim: SimServer, http: httpx.AsyncClient,
                                  headers: dict[str, str]) -> None:
    for path in ("ana", "ana/pulses", "ana/computers"):
        response = await http.get(f"{sim.base_urls['whatpulse']}/api/v1/users/{path}",
                                  headers=headers)
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthenticated."}


async def test_unknown_users_are_404(sim: SimServer, http: httpx.AsyncClient) -> None:
    for path in ("zed", "9999/pulses", "zed/computers"):
        response = await get(http, sim, path)
        assert response.status_code == 404
        assert response.json() == {"message": "User not found."}


async def test_users_by_id_or_username(sim: SimServer, http: httpx.AsyncClient) -> None:
    by_name = (await get(http, sim, "ana")).json()
    assert (await get(http, sim, "1001")).json() == by_name
    assert set(by_name) == {"user"}
    user = by_name["user"]
    assert_shape(user, {"id": int, "username": str, "country": str, "date_joined": str,
                        "first_pulse_date": str, "last_pulse_date": str, "pulses": int,
                        "computers": int, "is_premium": bool, "team": type(None),
                        "totals": dict})
    assert_shape(user["totals"], TOTALS)
    assert user["id"] == 1001 and user["username"] == "ana"
    everything = await pulses(http, sim, per_page=1)
    assert user["pulses"] == everything["pagination"]["total"]
    assert user["last_pulse_date"] == everything["pulses"][0]["date"]
    computers = (await get(http, sim, "1001/computers")).json()["computers"]
    assert user["computers"] == len(computers) >= 2
    for computer in computers:
        assert_shape(computer, {"id": int, "name": str, "os": str, "client_version": str,
                                "is_archived": bool, "pulses": int, "last_pulse_date": str,
                                "totals": dict})
    assert sum(c["totals"]["keys"] for c in computers) == user["totals"]["keys"]
    assert sum(c["pulses"] for c in computers) == user["pulses"]
    assert (await get(http, sim, "1001/computers", is_archived="1")).json() == {"computers": []}
    assert (await pulses(http, sim, "1001", per_page=5)) != (await pulses(http, sim, "ben"))


async def test_numbers_differ_by_token_but_are_stable(sim: SimServer, http: httpx.AsyncClient
                                                      ) -> None:
    sim.control.register_credential("whatpulse", token="another")
    demo = (await get(http, sim, "ana")).json()["user"]
    assert (await get(http, sim, "ana")).json()["user"] == demo
    other = (await get(http, sim, "ana", "another")).json()["user"]
    assert other["totals"] != demo["totals"] and other["username"] == "ana"
