"""The simulated Raygun Pulse API over HTTP: session keys, search paging, detail, 50/day."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.sim import SimServer
from tests.fakes.clock import FakeClock

from .helpers import RAYGUN, Shape, assert_shape

OPTIONAL_STR = (str, type(None))
RANGE = {"dateFrom": "2026-07-01T00:00:00Z", "dateTo": "2026-11-23T12:00:00Z"}
USER: Shape = {
    "id": int, "isAnonymous": bool, "identifier": str, "firstName": OPTIONAL_STR,
    "fullName": OPTIONAL_STR, "emailAddress": OPTIONAL_STR, "firstSeen": OPTIONAL_STR,
    "lastSeen": OPTIONAL_STR, "links": dict,
}
SUMMARY: Shape = {
    "id": int, "sessionStart": str, "sessionUpdated": str, "sessionEnd": OPTIONAL_STR,
    "user": dict, "browser": dict, "platform": dict, "os": dict, "location": dict,
    "sessionLength": int, "status": str, "pageViewCount": int, "links": dict,
}
DENIED = {"message": "Authorization has been denied for this request."}


def url(sim: SimServer, path: str) -> str:
    return f"{sim.base_urls['raygun']}/api/v1/pulse/{path}"


async def authenticate(sim: SimServer, http: httpx.AsyncClient, api_key: str = RAYGUN["api_key"],
                       client: tuple[str, str] = (RAYGUN["client_id"], RAYGUN["client_secret"])
                       ) -> str:
    response = await http.post(url(sim, "authenticate"), headers={"X-ApiKey": api_key},
                               auth=client)
    assert response.status_code == 202, response.text
    assert_shape(response.json(), {"sessionKey": str})
    key: str = response.json()["sessionKey"]
    return key


async def search(sim: SimServer, http: httpx.AsyncClient, key: str, params: Any = None
                 ) -> dict[str, Any]:
    response = await http.get(url(sim, "sessions"), headers={"X-SessionKey": key},
                              params=params if params is not None else RANGE)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_authenticate_accepts_get_and_post(sim: SimServer, http: httpx.AsyncClient) -> None:
    response = await http.get(url(sim, "authenticate"), headers={"X-ApiKey": RAYGUN["api_key"]},
                              auth=(RAYGUN["client_id"], RAYGUN["client_secret"]))
    assert response.status_code == 202
    assert len(response.json()["sessionKey"]) >= 16
    assert await authenticate(sim, http) != response.json()["sessionKey"]


async def test_a_get_fault_makes_authenticate_post_only(sim: SimServer, http: httpx.AsyncClient
                                                         ) -> None:
    sim.control.fail("raygun", 405, path="/api/v1/pulse/authenticate", method="get")
    refused = await http.get(url(sim, "authenticate"), headers={"X-ApiKey": RAYGUN["api_key"]},
                             auth=(RAYGUN["client_id"], RAYGUN["client_secret"]))
    assert refused.status_code == 405 and refused.json() == {"message": "Method Not Allowed"}
    assert await authenticate(sim, http)  # POST still answers
    assert sim.control.faults and sim.control.faults[0].method == "GET"


@pytest.mark.parametrize(("headers", "auth"), [
    ({}, (RAYGUN["client_id"], RAYGUN["client_secret"])),
    ({"X-ApiKey": RAYGUN["api_key"]}, None),
    ({"X-ApiKey": RAYGUN["api_key"]}, (RAYGUN["client_id"], "wrong")),
    ({"X-ApiKey": "other-app"}, (RAYGUN["client_id"], RAYGUN["client_secret"])),
], ids=["no-api-key", "no-basic", "wrong-secret", "unknown-app"])
async def test_authenticate_needs_api_key_and_basic_auth(
        sim: SimServer, http: httpx.AsyncClient, headers: dict[str, str],
        auth: tuple[str, str] | None) -> None:
    response = await http.post(url(sim, "authenticate"), headers=headers,
                               auth=auth if auth else httpx.USE_CLIENT_DEFAULT)
    assert response.status_code == 401
    assert response.json() == DENIED


async def test_sessions_have_the_documented_model(sim: SimServer, http: httpx.AsyncClient
                                                  ) -> None:
    body = await search(sim, http, await authenticate(sim, http))
    assert_shape(body, {"totalSessions": int, "sessions": list, "links": dict})
    assert_shape(body["links"], {"self": str, "next": OPTIONAL_STR, "previous": OPTIONAL_STR})
    assert len(body["sessions"]) == 50 < body["totalSessions"]  # default limit
    for session in body["sessions"]:
        assert_shape(session, SUMMARY)
        assert_shape(session["user"], USER)
        assert_shape(session["browser"], {"name": str, "version": str})
        assert_shape(session["platform"], {"name": str})
        assert_shape(session["os"], {"name": str, "version": str})
        assert_shape(session["location"], {"country": str, "ipAddress": str})
        assert_shape(session["links"], {"self": str, "web": str})
        assert session["status"] in ("active", "ended")
        assert (session["sessionEnd"] is None) == (session["status"] == "active")
        assert session["sessionStart"].endswith("Z") and len(session["sessionStart"]) == 24
    starts = [s["sessionStart"] for s in body["sessions"]]
    assert starts == sorted(starts, reverse=True)  # newest first


async def test_paging_to_the_end_follows_absolute_links(sim: SimServer, http: httpx.AsyncClient
                                                        ) -> None:
    key = await authenticate(sim, http)
    first = await search(sim, http, key, {**RANGE, "limit": 100})
    assert first["links"]["previous"] is None
    assert first["links"]["self"].startswith(sim.base_urls["raygun"] + "/api/v1/pulse/sessions?")
    seen, body, pages = [], first, 0
    while True:
        seen += [s["id"] for s in body["sessions"]]
        pages += 1
        if body["links"]["next"] is None:
            break
        assert body["links"]["next"].startswith("http://127.0.0.1:")
        response = await http.get(body["links"]["next"], headers={"X-SessionKey": key})
        body = response.json()
        assert body["links"]["previous"] is not None
    assert len(seen) == len(set(seen)) == first["totalSessions"]
    assert pages == -(-first["totalSessions"] // 100)


async def test_session_search_filters(sim: SimServer, http: httpx.AsyncClient) -> None:
    key = await authenticate(sim, http)
    everything = await search(sim, http, key, {**RANGE, "limit": 500})
    comma = await search(sim, http, key, {**RANGE, "country": "US,NZ", "limit": 500})
    repeated = await search(sim, http, key, [*RANGE.items(), ("country", "US"),
                                             ("country", "NZ"), ("limit", "500")])
    assert comma["totalSessions"] == repeated["totalSessions"]
    assert 0 < comma["totalSessions"] < everything["totalSessions"]
    assert {s["location"]["country"] for s in comma["sessions"]} == {"US", "NZ"}
    ana = await search(sim, http, key, {**RANGE, "userIdentifier": "ana@example.com"})
    assert ana["totalSessions"] > 10
    assert {s["user"]["emailAddress"] for s in ana["sessions"]} == {"ana@example.com"}
    assert ana["sessions"][0]["user"]["fullName"] == "Ana Alvarez"
    anonymous = await search(sim, http, key, {**RANGE, "userType": "anonymous", "limit": 500})
    assert anonymous["sessions"] and all(s["user"]["isAnonymous"] for s in anonymous["sessions"])
    assert all(s["user"]["emailAddress"] is None for s in anonymous["sessions"])


async def test_sessions_cover_the_last_120_days(sim: SimServer, http: httpx.AsyncClient,
                                                clock: FakeClock) -> None:
    key = await authenticate(sim, http)
    body = await search(sim, http, key, {"dateFrom": "2020-01-01T00:00:00Z",
                                         "dateTo": "2030-01-01T00:00:00Z", "skip": "0"})
    total = body["totalSessions"]
    oldest = await search(sim, http, key, {"dateFrom": "2020-01-01T00:00:00Z",
                                           "dateTo": "2030-01-01T00:00:00Z", "skip": total - 1})
    started = datetime.fromisoformat(oldest["sessions"][0]["sessionStart"])
    assert timedelta(days=110) < clock.now() - started <= timedelta(days=120)
    assert body["sessions"][0]["sessionStart"] <= clock.now().isoformat()


@pytest.mark.parametrize(("params", "fragment"), [
    ({"dateTo": RANGE["dateTo"]}, "dateFrom and dateTo are required"),
    ({**RANGE, "limit": "501"}, "limit must be between 1 and 500"),
    ({**RANGE, "limit": "0"}, "limit must be between 1 and 500"),
    ({**RANGE, "skip": "-1"}, "skip must be zero or more"),
    ({"dateFrom": "last week", "dateTo": RANGE["dateTo"]}, "ISO 8601"),
    ({**RANGE, "userType": "robots"}, "userType must be one of"),
], ids=["no-dateFrom", "limit-501", "limit-0", "negative-skip", "bad-date", "bad-userType"])
async def test_bad_searches_are_400(sim: SimServer, http: httpx.AsyncClient,
                                    params: dict[str, str], fragment: str) -> None:
    response = await http.get(url(sim, "sessions"),
                              headers={"X-SessionKey": await authenticate(sim, http)},
                              params=params)
    assert response.status_code == 400
    assert fragment in response.json()["message"]


async def test_limit_500_is_allowed(sim: SimServer, http: httpx.AsyncClient) -> None:
    body = await search(sim, http, await authenticate(sim, http), {**RANGE, "limit": "500"})
    assert len(body["sessions"]) == min(500, body["totalSessions"])


async def test_session_detail_has_the_documented_model(sim: SimServer, http: httpx.AsyncClient
                                                       ) -> None:
    key = await authenticate(sim, http)
    listed = (await search(sim, http, key, {**RANGE, "limit": 500}))["sessions"]
    with_errors = None
    for summary in listed[:40]:
        response = await http.get(summary["links"]["self"], headers={"X-SessionKey": key})
        assert response.status_code == 200
        assert set(response.json()) == {"session"}
        session = response.json()["session"]
        assert_shape(session, {**{k: v for k, v in SUMMARY.items() if k != "pageViewCount"},
                               "satisfactionRating": str, "errors": list, "pageViews": list})
        assert session["satisfactionRating"] in ("Excellent", "Good", "Average", "Poor")
        assert session["id"] == summary["id"] and session["user"] == summary["user"]
        assert_shape(session["location"], {"country": str, "ipAddress": str, "ipLookup": dict})
        assert_shape(session["location"]["ipLookup"], {"country": str, "state": str, "city": str})
        assert len(session["pageViews"]) == summary["pageViewCount"]
        for view in session["pageViews"]:
            assert_shape(view, {"page": str, "loadingTime": int, "viewingTime": int,
                                "viewedOn": str})
            assert view["page"].startswith("https://")
        for error in session["errors"]:
            assert_shape(error, {"groupId": int, "instanceId": int, "title": str, "links": dict})
            assert error["links"]["web"].startswith("https://app.raygun.com/")
            with_errors = session
    assert with_errors is not None and with_errors["satisfactionRating"] != "Excellent"


@pytest.mark.parametrize(("session_id", "status"), [("1", 404), ("99999999999999", 404),
                                                     ("", 400), ("abc", 400)],
                         ids=["tiny", "huge", "missing", "text"])
async def test_unknown_or_bad_session_ids(sim: SimServer, http: httpx.AsyncClient,
                                          session_id: str, status: int) -> None:
    response = await http.get(url(sim, "session"), params={"id": session_id},
                              headers={"X-SessionKey": await authenticate(sim, http)})
    assert response.status_code == status
    assert isinstance(response.json()["message"], str)


async def test_session_keys_expire_after_15_minutes(sim: SimServer, http: httpx.AsyncClient,
                                                    clock: FakeClock) -> None:
    key = await authenticate(sim, http)
    clock.advance(14 * 60 + 59)
    await search(sim, http, key)
    clock.advance(1)
    response = await http.get(url(sim, "sessions"), headers={"X-SessionKey": key}, params=RANGE)
    assert response.status_code == 401
    assert response.json() == DENIED
    unknown = await http.get(url(sim, "sessions"), headers={"X-SessionKey": "nope"}, params=RANGE)
    assert unknown.status_code == 401
    missing = await http.get(url(sim, "sessions"), params=RANGE)
    assert missing.status_code == 401


async def test_the_51st_call_of_the_day_is_refused(sim: SimServer, http: httpx.AsyncClient,
                                                   clock: FakeClock) -> None:
    key = await authenticate(sim, http)  # authenticate counts too
    for _ in range(49):
        response = await http.get(url(sim, "session"), params={"id": "1"},
                                  headers={"X-SessionKey": key})
        assert response.status_code == 404
    refused = await http.post(url(sim, "authenticate"), headers={"X-ApiKey": RAYGUN["api_key"]},
                              auth=(RAYGUN["client_id"], RAYGUN["client_secret"]))
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(12 * 3600)  # until midnight UTC
    assert "50 calls per day" in refused.json()["message"]
    clock.advance(12 * 3600)  # midnight UTC: a new day (and a new session key)
    await search(sim, http, await authenticate(sim, http))


async def test_the_daily_limit_is_configurable(sim: SimServer, http: httpx.AsyncClient) -> None:
    sim.control.set_limits(raygun_per_day=3)
    key = await authenticate(sim, http)
    await search(sim, http, key)
    await search(sim, http, key)
    response = await http.get(url(sim, "sessions"), headers={"X-SessionKey": key}, params=RANGE)
    assert response.status_code == 429
    sim.control.set_limits(raygun_per_day=1000)
    await search(sim, http, key)


async def test_applications_see_different_stable_sessions(sim: SimServer, http: httpx.AsyncClient
                                                          ) -> None:
    sim.control.register_credential("raygun", api_key="second-app", client_id="c2",
                                    client_secret="s2")
    demo = await search(sim, http, await authenticate(sim, http))
    again = await search(sim, http, await authenticate(sim, http))
    other = await search(sim, http, await authenticate(sim, http, "second-app", ("c2", "s2")))
    assert demo["sessions"] == again["sessions"]
    assert demo["totalSessions"] != other["totalSessions"]
    assert {s["id"] for s in demo["sessions"]}.isdisjoint(s["id"] for s in other["sessions"])
