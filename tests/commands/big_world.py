"""A large, unicode-heavy workspace: every service answers with as much as it may, every
name long and full of scripts, emoji, combining marks and mrkdwn's special characters.

`mock_big_world(router)` registers respx routes on the harness's mock hosts
(`MOCK_BASE_URLS`) answering every endpoint the commands use; `BIG_CREDENTIALS` connects
all five services. For the meta-test that every answer stays within Slack's limits.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import respx

from tests import samples
from tests.commands.harness import MOCK_BASE_URLS

WORDS = "Zürich 東京タワー 🚀🔥 مرحبا Ελληνικά e\u0301clair <b>&amp; | *bold* `tick` "
BIG_CREDENTIALS = {
    "weldpulse": {"api_key": "ak_live_big_world_00001"},
    "raygun": {"api_key": "rg-big", "client_id": "big-client", "client_secret": "big-secret"},
    "whatpulse": {"token": "wp_big_token", "user": "ünïcødé-user"},
    "pulsetracker": {"token": "pt_big_token"},
    "pulsepro": {"api_key": "pp_big_key"},
}
START = datetime(2026, 8, 1, tzinfo=UTC)
RECENT = datetime(2026, 11, 22, 12, tzinfo=UTC)  # the harness's clock is 23 Nov 14:30


def words(i: int, length: int = 90) -> str:
    return (f"{i} " + WORDS * 4)[:length]


def _json(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def weldpulse_routes(router: respx.Router) -> None:
    base = MOCK_BASE_URLS["weldpulse"]
    n = range(100)
    rows = {
        "pages": [
            {
                "pathname": f"/{words(i)}",
                "visitors": 9_000_000 - i,
                "pageviews": 10**9 - i,
                "avg_duration": 12345.6,
                "bounce_rate": 0.999,
            }
            for i in n
        ],
        "referrers": [
            {
                "referrer_source": words(i),
                "visitors": 10**7 - i,
                "pageviews": 10**8,
                "bounce_rate": 0.5,
            }
            for i in n
        ],
        "geo": [
            {"country": "ZZ", "region": words(i), "visitors": 10**6 - i, "pageviews": 10**7}
            for i in n
        ],
        "devices": [
            {
                "device_type": words(i, 30),
                "browser": words(i, 40),
                "os": words(i, 40),
                "visitors": 10**6 - i,
                "pageviews": 10**7,
            }
            for i in n
        ],
        "events": [
            {"event_name": words(i, 120), "total": 10**6 + i, "unique_visitors": 10**5}
            for i in range(250)
        ],
        "realtime": [
            {
                "pathname": f"/{words(i)}",
                "country": words(i, 20),
                "device_type": words(i, 15),
                "referrer_source": None,
                "current_visitors": 1 + i % 7,
            }
            for i in range(300)
        ],
        "sites": [
            {
                "id": f"site-{i}",
                "domain": f"{i}.{words(i, 60)}.example",
                "name": words(i),
                "site_key": "sk_live_never_shown",
                "is_active": i % 3 > 0,
                "created_at": "2024-01-01T00:00:00Z",
            }
            for i in range(150)
        ],
        "stats": [
            {
                "visitors": 123456789,
                "pageviews": 987654321,
                "sessions": 55555555,
                "avg_duration": 3600.5,
                "bounce_rate": 0.42,
            }
        ],
    }
    for name, data in rows.items():
        router.get(f"{base}/v1/{name}").mock(return_value=_json({"data": data}))

    def timeseries(request: httpx.Request) -> httpx.Response:
        start = datetime.fromisoformat(request.url.params["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(request.url.params["end"].replace("Z", "+00:00"))
        step = timedelta(hours=1) if request.url.params["interval"] == "1 hour" else timedelta(1)
        count = min(2000, int((end - start) / step) + 1)
        return _json(
            {
                "data": [
                    {
                        "t": (start + i * step).strftime("%Y-%m-%dT%H:%M:%S"),
                        "visitors": 10**6 + i,
                        "pageviews": 10**7 + i,
                        "sessions": 10**6,
                    }
                    for i in range(count)
                ]
            }
        )

    router.get(f"{base}/v1/timeseries").mock(side_effect=timeseries)


def raygun_routes(router: respx.Router) -> None:
    base = MOCK_BASE_URLS["raygun"]
    router.get(f"{base}/api/v1/pulse/authenticate").respond(202, json={"sessionKey": "sk-big"})
    template = samples.sample("raygun", "sessions")["sessions"][0]

    def sessions(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params.get("limit", "50"))
        rows = []
        for i in range(limit):
            row = copy.deepcopy(template)
            row["id"] = 2507720788000000 + i
            row["sessionStart"] = (START + timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            row["browser"] = {"name": words(i, 40), "version": "131.0.6778.86"}
            row["os"] = {"name": words(i, 40), "version": "11"}
            rows.append(row)
        return _json({"totalSessions": 123456, "sessions": rows, "links": {"next": None}})

    detail = copy.deepcopy(samples.sample("raygun", "session"))
    session = detail["session"]
    session["user"]["fullName"] = words(1, 200)
    session["pageViews"] = [
        {
            "page": f"https://shop.example.com/{words(i, 150)}",
            "loadingTime": 812 + i,
            "viewingTime": 41000,
            "viewedOn": (START + timedelta(seconds=i)).isoformat(),
        }
        for i in range(200)
    ]
    session["errors"] = [
        {
            "groupId": i,
            "instanceId": i,
            "title": words(i, 300),
            "links": {"web": f"https://app.raygun.com/crash/{i}"},
        }
        for i in range(40)
    ]
    router.get(f"{base}/api/v1/pulse/sessions").mock(side_effect=sessions)
    router.get(f"{base}/api/v1/pulse/session").mock(return_value=_json(detail))


def whatpulse_routes(router: respx.Router) -> None:
    base = MOCK_BASE_URLS["whatpulse"]
    body: dict[str, Any] = samples.sample("whatpulse", "pulses_page2")
    template = body["pulses"][0]
    body["pulses"] = [
        {
            **template,
            "id": i,
            "date": (START + timedelta(hours=7 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "keys": 10**9,
            "computer": {"id": 771, "name": words(i, 60)},
        }
        for i in range(1000)
    ]
    body["pagination"].update(current_page=1, last_page=1, total=1000)
    body["links"]["next"] = None
    router.get(url__regex=rf"{base}/api/v1/users/.*/pulses").mock(return_value=_json(body))


def pulsetracker_routes(router: respx.Router) -> None:
    base = MOCK_BASE_URLS["pulsetracker"]
    page1 = samples.sample("pulsetracker", "apps_page1")
    template = page1["data"][0]

    def app(i: int) -> dict[str, Any]:
        quota = [
            {"year": 2026 - m // 12, "month": 12 - m % 12, "messages_sent": 9999 + m}
            for m in range(24)
        ]
        return {
            **template,
            "key": f"{i:08x}-9ee3-4ef9-8df4-37af3b2faae7",
            "name": words(i, 80),
            "quota": quota,
            "devices_count": 10**6,
        }

    def apps(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page", "1"))
        body = copy.deepcopy(page1)
        body["data"] = [app(12 * (number - 1) + i) for i in range(12)]
        body["meta"].update(current_page=number, last_page=13, total=150)
        body["links"]["next"] = None if number >= 13 else f"/api/apps?page={number + 1}"
        return _json(body)

    router.get(f"{base}/api/apps").mock(side_effect=apps)
    router.get(url__regex=rf"{base}/api/apps/.+").mock(return_value=_json({"data": app(7)}))
    router.put(url__regex=rf"{base}/api/apps/.+").mock(return_value=_json(words(3, 80)))
    router.post(f"{base}/api/apps").mock(return_value=httpx.Response(201, json={"data": app(9)}))


def pulsepro_routes(router: respx.Router) -> None:
    base = MOCK_BASE_URLS["pulsepro"]
    template = samples.sample("pulsepro", "inspections_page1")["results"][0]
    inspections = [
        {
            **template,
            "id": i,
            "title": words(i, 120),
            "location": {"id": i % 130, "name": words(i % 130, 70)},
            "conducted_at": (RECENT - timedelta(hours=2 * i)).isoformat(),
            "inspector": {"id": 1, "first_name": words(i, 30), "last_name": words(i, 30)},
        }
        for i in range(250)
    ]
    action = samples.sample("pulsepro", "actions")["results"][0]
    actions = [
        {
            **action,
            "id": i,
            "title": words(i, 150),
            "overdue": i % 2 == 0,
            "location": {"id": 1, "name": words(i, 60)},
            "assignee": {"id": 1, "name": words(i, 40)},
        }
        for i in range(250)
    ]
    page = {"next": None, "previous": None}
    router.get(f"{base}/api/v1/inspections").mock(
        return_value=_json({**page, "count": 250, "results": inspections})
    )
    router.get(f"{base}/api/v1/actions").mock(
        return_value=_json({**page, "count": 250, "results": actions})
    )


def mock_big_world(router: respx.Router) -> None:
    for routes in (
        weldpulse_routes,
        raygun_routes,
        whatpulse_routes,
        pulsetracker_routes,
        pulsepro_routes,
    ):
        routes(router)
