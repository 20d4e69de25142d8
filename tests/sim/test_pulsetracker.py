"""The simulated Pulsetracker API over HTTP: app pages, create/rename, quota, devices."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.sim import SimServer
from bot.sim.pulsetracker import PULSETRACKER_MONTHLY_MESSAGES
from tests.fakes.clock import FakeClock

from .helpers import PULSETRACKER_TOKEN, Shape, assert_shape, bearer

APP: Shape = {"key": str, "name": str, "quota": list, "devices_count": int, "created_at": str}
DEVICE: Shape = {"key": str, "name": str, "type": str, "app_key": str, "app": dict,
                 "lastLocation": dict, "quota": list, "created_at": str}
OPTIONAL_INT = (int, type(None))
OPTIONAL_STR = (str, type(None))
QUOTA_MESSAGE = ("You have exceeded your monthly quota. Please upgrade your plan or wait until "
                 "your quota resets.")
REQUIRED = {"message": "The name field is required.",
            "errors": {"name": ["The name field is required."]}}
AUTH = bearer(PULSETRACKER_TOKEN)


def url(sim: SimServer, path: str) -> str:
    return f"{sim.base_urls['pulsetracker']}/api/{path}"


async def all_pages(http: httpx.AsyncClient, first: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    next_url: str | None = first
    while next_url is not None:
        body = (await http.get(next_url, headers=AUTH)).json()
        items += body["data"]
        next_url = body["links"]["next"]
    return items


async def test_apps_list_is_a_laravel_page_of_12(sim: SimServer, http: httpx.AsyncClient) -> None:
    response = await http.get(url(sim, "apps"), headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert_shape(body, {"data": list, "meta": dict, "links": dict})
    assert_shape(body["meta"], {"current_page": int, "from": OPTIONAL_INT, "last_page": int,
                                "links": list, "path": str, "per_page": int, "to": OPTIONAL_INT,
                                "total": int})
    assert_shape(body["links"], {"first": str, "last": str, "prev": OPTIONAL_STR,
                                 "next": OPTIONAL_STR})
    meta = body["meta"]
    assert (meta["current_page"], meta["from"], meta["to"], meta["per_page"]) == (1, 1, 12, 12)
    assert 13 <= meta["total"] <= 24 and meta["last_page"] == 2
    assert meta["path"] == url(sim, "apps")
    for link in meta["links"]:
        assert_shape(link, {"url": OPTIONAL_STR, "label": str, "active": bool})
    assert [link["label"] for link in meta["links"]] == ["&laquo; Previous", "1", "2",
                                                        "Next &raquo;"]
    assert body["links"]["next"] == url(sim, "apps?page=2") and body["links"]["prev"] is None
    assert len(body["data"]) == 12
    for app in body["data"]:
        assert_shape(app, APP)
        for month in app["quota"]:
            assert_shape(month, {"year": int, "month": int, "messages_sent": int})


async def test_paging_to_the_end(sim: SimServer, http: httpx.AsyncClient) -> None:
    apps = await all_pages(http, url(sim, "apps"))
    total = (await http.get(url(sim, "apps"), headers=AUTH)).json()["meta"]["total"]
    assert len(apps) == total == len({a["key"] for a in apps})
    last = (await http.get(url(sim, "apps?page=2"), headers=AUTH)).json()
    assert last["links"]["next"] is None and last["meta"]["to"] == total
    empty = (await http.get(url(sim, "apps?page=9"), headers=AUTH)).json()
    assert empty["data"] == [] and empty["meta"]["from"] is None


async def test_one_app_is_above_80_percent_of_its_monthly_messages(
        sim: SimServer, http: httpx.AsyncClient, clock: FakeClock) -> None:
    now = clock.now()

    def this_month(app: dict[str, Any]) -> int:
        return sum(m["messages_sent"] for m in app["quota"]
                   if (m["year"], m["month"]) == (now.year, now.month))

    apps = await all_pages(http, url(sim, "apps"))
    busy = [a for a in apps if this_month(a) > 0.8 * PULSETRACKER_MONTHLY_MESSAGES]
    assert len(busy) == 1
    assert this_month(busy[0]) <= PULSETRACKER_MONTHLY_MESSAGES
    assert PULSETRACKER_MONTHLY_MESSAGES == 10_000


async def test_show_rename_and_not_found(sim: SimServer, http: httpx.AsyncClient) -> None:
    app = (await http.get(url(sim, "apps"), headers=AUTH)).json()["data"][0]
    shown = await http.get(url(sim, f"apps/{app['key']}"), headers=AUTH)
    assert shown.status_code == 200 and shown.json() == {"data": app}
    renamed = await http.put(url(sim, f"apps/{app['key']}"), headers=AUTH,
                             json={"name": "Night Couriers"})
    assert renamed.status_code == 200
    assert renamed.text == '"Night Couriers"' and renamed.json() == "Night Couriers"
    again = (await http.get(url(sim, f"apps/{app['key']}"), headers=AUTH)).json()["data"]
    assert again["name"] == "Night Couriers"
    for method in ("GET", "PUT"):
        missing = await http.request(method, url(sim, "apps/nope"), headers=AUTH,
                                     json={"name": "x"})
        assert missing.status_code == 404
        assert "No query results" in missing.json()["message"]
    blank = await http.put(url(sim, f"apps/{app['key']}"), headers=AUTH, json={"name": ""})
    assert blank.status_code == 422 and blank.json() == REQUIRED


async def test_create_then_hit_the_app_limit(sim: SimServer, http: httpx.AsyncClient,
                                             clock: FakeClock) -> None:
    created = await http.post(url(sim, "apps"), headers=AUTH, json={"name": "Ski Patrol"})
    now = clock.now()
    assert created.status_code == 201
    assert set(created.json()) == {"data"}
    app = created.json()["data"]
    assert_shape(app, APP)
    assert app["name"] == "Ski Patrol" and app["devices_count"] == 0
    assert app["quota"] == [{"year": now.year, "month": now.month, "messages_sent": 0}]
    first_page = (await http.get(url(sim, "apps"), headers=AUTH)).json()
    assert first_page["data"][0]["key"] == app["key"]  # newest first
    total = first_page["meta"]["total"]
    for n in range(total, sim.control.limits.pulsetracker_max_apps):
        assert (await http.post(url(sim, "apps"), headers=AUTH,
                                json={"name": f"App {n}"})).status_code == 201
    refused = await http.post(url(sim, "apps"), headers=AUTH, json={"name": "One too many"})
    assert refused.status_code == 403
    assert refused.json() == {"message": QUOTA_MESSAGE}


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"title": "x"}],
                         ids=["empty", "blank", "spaces", "other-field"])
async def test_create_without_a_name_is_422(sim: SimServer, http: httpx.AsyncClient,
                                            body: dict[str, str]) -> None:
    response = await http.post(url(sim, "apps"), headers=AUTH, json=body)
    assert response.status_code == 422
    assert response.json() == REQUIRED


async def test_create_validates_type_and_length(sim: SimServer, http: httpx.AsyncClient) -> None:
    number = await http.post(url(sim, "apps"), headers=AUTH, json={"name": 5})
    assert number.json()["errors"] == {"name": ["The name field must be a string."]}
    long = await http.post(url(sim, "apps"), headers=AUTH, json={"name": "x" * 256})
    assert long.status_code == 422
    assert long.json()["message"] == "The name field must not be greater than 255 characters."
    not_json = await http.post(url(sim, "apps"), headers={**AUTH, "Content-Type":
                                                          "application/json"}, content=b"{")
    assert not_json.status_code == 422


async def test_devices_pages_and_counts(sim: SimServer, http: httpx.AsyncClient) -> None:
    apps = await all_pages(http, url(sim, "apps"))
    busiest = max(apps, key=lambda a: a["devices_count"])
    devices = await all_pages(http, url(sim, f"devices?appKey={busiest['key']}"))
    assert len(devices) == busiest["devices_count"] > 12
    assert {d["app_key"] for d in devices} == {busiest["key"]}
    for device in devices:
        assert_shape(device, DEVICE)
        assert device["app"] == {"key": busiest["key"], "name": busiest["name"]}
        where = device["lastLocation"]
        assert_shape(where, {"location": dict, "ip_address": str, "updated_at": str})
        assert where["location"]["type"] == "Point" and len(where["location"]["coordinates"]) == 2
    for n, month in enumerate(busiest["quota"]):  # devices' messages add up to the app's
        assert sum(d["quota"][n]["messages_sent"] for d in devices) == month["messages_sent"]
    page = (await http.get(url(sim, "devices"), headers=AUTH, params={"page": 1})).json()
    assert len(page["data"]) == 12
    assert page["meta"]["total"] == sum(a["devices_count"] for a in apps)
    one = await http.get(url(sim, f"devices/{devices[0]['key']}"), headers=AUTH)
    assert one.status_code == 200 and one.json() == {"data": devices[0]}
    assert (await http.get(url(sim, "devices/nope"), headers=AUTH)).status_code == 404
    assert (await http.get(url(sim, "devices?appKey=nope"), headers=AUTH)).status_code == 404


@pytest.mark.parametrize("path", ["apps", "apps/x", "devices", "devices/x"])
async def test_bad_tokens_are_401(sim: SimServer, http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(url(sim, path), headers=bearer("nope"))
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


async def test_accounts_differ_by_token(sim: SimServer, http: httpx.AsyncClient) -> None:
    sim.control.register_credential("pulsetracker", token="pt_other")
    demo = await all_pages(http, url(sim, "apps"))
    other = (await http.get(url(sim, "apps"), headers=bearer("pt_other"))).json()["data"]
    assert {a["key"] for a in demo}.isdisjoint(a["key"] for a in other)
    assert [a["key"] for a in await all_pages(http, url(sim, "apps"))] == [a["key"] for a in demo]
