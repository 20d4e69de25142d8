"""Raygun Pulse commands: the sessions and the session shown are the ones Raygun sent."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import respx

from bot.clients import raygun
from bot.render.blocks import MAX_BLOCKS, MAX_TEXT
from tests import samples
from tests.commands.harness import NOW, CommandHarness, table, text

BASE = "http://raygun.test/raygun"
AUTH = f"{BASE}/api/v1/pulse/authenticate"
SESSIONS = f"{BASE}/api/v1/pulse/sessions"
SESSION = f"{BASE}/api/v1/pulse/session"
CRED = {
    "api_key": "RgAppKey0sekrit0value4f2a",
    "client_id": "consumer-client-1d",
    "client_secret": "cl1ent-s3cret-do-not-show",
}
USAGE = "Usage: `/pulse sessions USER [RANGE] [--country US,NZ] [--limit N]`"


sample = samples.of("raygun")


@pytest.fixture
async def cmd(cmd: CommandHarness) -> CommandHarness:
    await cmd.connect("raygun", CRED)
    return cmd


@pytest.fixture
def mock() -> Any:
    with respx.mock(assert_all_called=False) as router:
        router.get(AUTH).respond(202, json=sample("authenticate"))
        yield router


def many(count: int) -> dict[str, Any]:
    template = sample("sessions")["sessions"][0]
    rows = []
    for i in range(count):
        row = copy.deepcopy(template)
        row["id"] = 7000000000 + i
        row["sessionStart"] = f"2026-11-{16 + i % 7:02d}T{i % 24:02d}:00:00Z"
        row["browser"] = {"name": "Samsung Internet", "version": "26.0.3.1"}
        row["os"] = {"name": "Android", "version": "15.0.1"}
        rows.append(row)
    return {"totalSessions": 480, "sessions": rows}


async def test_sessions_shows_each_session_newest_first_with_links(
    cmd: CommandHarness, mock: respx.Router
) -> None:
    route = mock.get(SESSIONS).respond(200, json=sample("sessions"))
    message = await cmd.run("sessions <mailto:ana@example.com|ana@example.com>")
    shown = text(message)
    assert message.text == "Raygun Pulse: 2 sessions for ana@example.com in the last 7 days"
    assert "Sessions of ana@example.com — last 7 days" in shown
    lines = shown.splitlines()
    # 2026-11-21 14:02 UTC is 15:02 in Berlin; 170 s is 2m 50s; Safari 18.1 shows its major
    newest = next(" ".join(line.split()) for line in lines if line.startswith("9012345999"))
    assert newest == "9012345999 Sat 21 Nov 15:02 Safari 18 iOS 18.1 US active 2m 50s 2"
    older = next(" ".join(line.split()) for line in lines if line.startswith("9012345678"))
    assert older == "9012345678 Fri 20 Nov 09:15 Chrome 131 Windows 11 NZ ended 16m 38s 7"
    assert shown.index("9012345999") < shown.index("9012345678")
    assert "Sessions: 2" in shown and "Time: 19m 28s" in shown and "Page views: 9" in shown
    assert "Countries: NZ, US" in shown
    links = str(message.blocks)
    assert "<https://app.raygun.com/pulse/sessions/9012345999|9012345999>" in links
    assert "<https://app.raygun.com/pulse/sessions/9012345678|9012345678>" in links
    assert "Showing 2 of 2 sessions, newest first" in shown
    assert "last 7 days: Mon 16 Nov 15:30 – Mon 23 Nov 15:30 (Europe/Berlin)" in shown

    sent = route.calls.last.request
    assert sent.url.params["dateFrom"] == "2026-11-16T14:30:00Z"
    assert sent.url.params["dateTo"] == "2026-11-23T14:30:00Z"
    assert sent.url.params["userIdentifier"] == "ana@example.com"
    assert sent.url.params["limit"] == "20" and sent.url.params["skip"] == "0"
    assert "country" not in sent.url.params
    assert sent.headers["X-SessionKey"] == "sk-sample-0001"


async def test_sessions_country_range_and_limit_are_sent(
    cmd: CommandHarness, mock: respx.Router
) -> None:
    route = mock.get(SESSIONS).respond(200, json=sample("sessions"))
    shown = text(await cmd.run("sessions ana@example.com last-week --country us,NZ --limit 5"))
    sent = route.calls.last.request.url.params
    assert sent["country"] == "US,NZ"
    assert sent["limit"] == "5"
    # last week in Berlin: Mon 16 Nov 00:00 (UTC+1) to Mon 23 Nov 00:00
    assert sent["dateFrom"] == "2026-11-15T23:00:00Z"
    assert sent["dateTo"] == "2026-11-22T23:00:00Z"
    assert "only sessions from US, NZ" in shown


async def test_sessions_limit_100_costs_one_call_and_fits_block_kit(
    cmd: CommandHarness, mock: respx.Router
) -> None:
    route = mock.get(SESSIONS).respond(200, json=many(100))
    message = await cmd.run("sessions ana@example.com 30d --limit 100")
    assert route.call_count == 1
    assert route.calls.last.request.url.params["limit"] == "100"
    payload = message.to_slack(share_id="share-1")
    assert len(payload["blocks"]) <= MAX_BLOCKS
    assert len(message.blocks) <= MAX_BLOCKS - 1
    for block in payload["blocks"]:
        assert len(block.get("text", {}).get("text", "")) <= MAX_TEXT
        assert "…" not in block.get("text", {}).get("text", ""), "nothing was clipped"
    shown = text(message)
    assert shown.count("7000000099") == 1 and shown.count("7000000000") == 1
    assert "Showing 100 of 480 sessions" in shown
    assert "Open in Raygun (newest 5)" in shown
    assert message.text == "Raygun Pulse: 480 sessions for ana@example.com in the last 30 days"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            "sessions ana@example.com",
            "No sessions for ana@example.com in the last 7 days",
            id="7d",
        ),
        pytest.param(
            "sessions ana@example.com yesterday",
            "No sessions for ana@example.com yesterday",
            id="yesterday",
        ),
        pytest.param(
            "sessions ana@example.com 2026-11-01..2026-11-07 --country NZ",
            "No sessions for ana@example.com from NZ from 2026-11-01 to 2026-11-07",
            id="explicit-country",
        ),
    ],
)
async def test_no_sessions_is_said_plainly(
    cmd: CommandHarness, mock: respx.Router, line: str, expected: str
) -> None:
    mock.get(SESSIONS).respond(200, json={"totalSessions": 0, "sessions": []})
    message = await cmd.run(line)
    assert message.text == expected
    assert expected in text(message)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            "sessions", "Whose sessions? Give the user's email or identifier.", id="no-user"
        ),
        pytest.param("sessions 30d", "Whose sessions?", id="range-only"),
        pytest.param("sessions ana --country USA", "`USA` is not one", id="3-letter-country"),
        pytest.param("sessions ana --country US,1Z", "`1Z` is not one", id="digit-country"),
        pytest.param("sessions ana --country ,", "none was given", id="empty-country"),
        pytest.param(
            "sessions ana --limit 101",
            "`--limit` must be between 1 and 100 (got 101)",
            id="limit-high",
        ),
        pytest.param(
            "sessions ana --limit 0", "`--limit` must be between 1 and 100 (got 0)", id="limit-zero"
        ),
        pytest.param(
            "sessions ana --limit ten",
            "`--limit` must be a whole number, not `ten`",
            id="limit-word",
        ),
        pytest.param(
            "sessions ana --browser Chrome", "does not take `--browser`", id="unknown-option"
        ),
        pytest.param("sessions ana 7d bob", "I don't know what `bob` means here", id="two-users"),
        pytest.param("sessions ana lastweek", "`lastweek` is not a range I know", id="bad-range"),
    ],
)
async def test_sessions_bad_arguments_say_what_and_show_usage(
    cmd: CommandHarness, line: str, expected: str
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.route()
        shown = text(await cmd.run(line))
    assert expected in shown
    assert USAGE in shown
    assert not route.called, "a bad command line costs no Raygun call"


MIDNIGHT = "<!date^1795478400^{date_short_pretty} {time}|Tue 24 Nov 00:00 UTC>"  # UTC's


async def test_spent_daily_budget_says_when_it_resets(cmd: CommandHarness) -> None:
    key = raygun.SPEC.budget_key(CRED)
    for _ in range(50):
        await cmd.store.budgets.try_spend(key, 50, NOW)
    with respx.mock(assert_all_called=False) as mock:
        route = mock.route()
        message = await cmd.run("sessions ana@example.com")
    assert not route.called
    said = str(message.blocks)
    assert "Raygun Pulse allows 50 API calls a day and today's are used up" in said
    assert f"Pulse Bot makes no more until they reset {MIDNIGHT} (in 10 hours)" in said
    assert "until they reset Tue 24 Nov 00:00 UTC (in 10 hours)" in text(message)  # console
    refused = await cmd.store.budgets.refusal(key)
    assert refused is not None and not refused.upstream and refused.at == NOW


async def test_after_raygun_says_429_no_call_goes_until_its_day_ends(
    cmd: CommandHarness, mock: respx.Router
) -> None:
    # Raygun's 50 calls were spent elsewhere (another tool on the same application): its
    # 429 is the day's quota used up, said with the reset time in the reader's zone, and
    # nothing more is sent until then — a retry does not spend another call.
    sessions = mock.get(SESSIONS).respond(429, json={"message": "Rate limit exceeded"})
    first = await cmd.run("sessions ana@example.com")
    assert len(mock.calls) == 2  # authenticate, then the refused search
    said = str(first.blocks)
    assert "Raygun Pulse says its daily API quota is used up (50 calls a day)" in said
    assert f"Pulse Bot makes no more calls to it until {MIDNIGHT} (in 10 hours)" in said
    assert "rate limiting" not in said and "60 seconds" not in said
    for line in ("sessions ana@example.com", "sessions bo@example.com 30d", "session 12"):
        again = str((await cmd.run(line)).blocks)
        assert "says its daily API quota is used up" in again and MIDNIGHT in again
    assert len(mock.calls) == 2 and sessions.call_count == 1
    shown = str((await cmd.run("services")).blocks)
    assert "headroom: 0 of 50 calls left today (2 used; the day starts again " in shown
    assert "last error: daily quota used up (HTTP 429)" in shown
    assert (
        "last refusal: <!date^1795444200^{date_short_pretty} {time}|Mon 23 Nov 14:30 UTC>: "
        f"Raygun Pulse answered 429, its daily quota used up; no calls until {MIDNIGHT}"
    ) in shown
    cmd.clock.set(NOW.replace(day=24, hour=0, minute=0, second=1))  # a new UTC day
    sessions.respond(200, json=sample("sessions"))
    assert "2 sessions" in (await cmd.run("sessions ana@example.com")).text
    shown = str((await cmd.run("services")).blocks)
    assert "headroom: 48 of 50 calls left today (2 used" in shown
    assert "; calls resumed " + MIDNIGHT in shown


async def test_rejected_credential_says_reconnect_without_secrets(cmd: CommandHarness) -> None:
    with respx.mock(assert_all_called=False) as mock:
        mock.get(AUTH).respond(401, json={"message": "Unauthorized"})
        shown = text(await cmd.run("sessions ana@example.com"))
    assert "Raygun Pulse rejected the saved credential" in shown
    assert "/pulse connect raygun" in shown
    assert all(secret not in shown for secret in CRED.values())


async def test_not_connected_says_how(cmd: CommandHarness) -> None:
    await cmd.store.credentials.delete(cmd.team, "raygun")
    shown = text(await cmd.run("session 12"))
    assert "Raygun Pulse is not connected" in shown and "/pulse connect raygun" in shown


# ---- session ID -----------------------------------------------------------------------------


async def test_session_shows_satisfaction_pages_errors_and_links(
    cmd: CommandHarness, mock: respx.Router
) -> None:
    route = mock.get(SESSION).respond(200, json=sample("session"))
    message = await cmd.run("session 9012345678")
    shown = text(message)
    assert route.calls.last.request.url.params["id"] == "9012345678"
    assert message.text == (
        "Raygun session 9012345678: Ana Example (ana@example.com), 16m 38s, 2 page views, "
        "1 error, average load 1.6s, satisfaction Average"
    )
    assert "Raygun session 9012345678" in shown
    assert "Satisfaction: Average" in shown
    assert "User: Ana Example (ana@example.com) (https://app.raygun.com/pulse/users/4411)" in shown
    assert "Browser / OS: Chrome 131.0.6778.86 on Windows 11" in shown
    assert "Location: Wellington, New Zealand" in shown
    assert "Started: Fri 20 Nov 09:15" in shown
    assert "Length: 16m 38s (ended)" in shown
    # 812 ms → 0.8s, 2350 ms → 2.4s; 41 s and 1m 35s on the page; times in Berlin
    rows = {" ".join(line.split()) for line in shown.splitlines()}
    assert "09:15:02 shop.example.com/ 0.8s 41s" in rows
    assert "09:15:43 shop.example.com/pricing 2.4s 1m 35s" in rows
    assert "1 error" in shown
    blocks = str(message.blocks)
    assert (
        "<https://app.raygun.com/crashreporting/groups/77001/instances/5550123|"
        "TypeError: Cannot read properties of undefined (reading 'price')>" in blocks
    )
    assert "<https://app.raygun.com/pulse/sessions/9012345678|Open the session in Raygun>" in blocks
    assert "203.0.113.7" not in shown


async def test_session_without_page_views_or_errors(
    cmd: CommandHarness, mock: respx.Router
) -> None:
    body = sample("session")
    body["session"].update({"errors": [], "pageViews": [], "satisfactionRating": None})
    mock.get(SESSION).respond(200, json=body)
    message = await cmd.run("session 9012345678")
    shown = text(message)
    assert "No page views were recorded in this session." in shown
    assert "No errors in this session." in shown
    assert "Satisfaction: —" in shown
    assert message.text.endswith("0 page views, 0 errors")


async def test_session_with_hundreds_of_page_views_fits_block_kit(
    cmd: CommandHarness, mock: respx.Router
) -> None:
    body = sample("session")
    view = body["session"]["pageViews"][1]
    body["session"]["pageViews"] = [
        {**view, "page": f"https://shop.example.com/{'p' * 80}/{i}"} for i in range(400)
    ]
    error = body["session"]["errors"][0]
    body["session"]["errors"] = [{**error, "instanceId": i} for i in range(40)]
    mock.get(SESSION).respond(200, json=body)
    message = await cmd.run("session 9012345678")
    payload = message.to_slack(share_id="s")
    assert len(payload["blocks"]) <= MAX_BLOCKS
    for block in payload["blocks"]:
        assert len(block.get("text", {}).get("text", "")) <= MAX_TEXT
    shown = text(message)
    assert "…and 340 more page views" in shown
    assert "40 errors" in shown and "…and 25 more" in shown


async def test_unknown_session_says_check_the_id(cmd: CommandHarness, mock: respx.Router) -> None:
    mock.get(SESSION).respond(404, json={"message": "Not found"})
    shown = text(await cmd.run("session 42"))
    assert "Raygun Pulse has nothing by that ID (no session 42); check the ID and try again." in (
        shown
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("session", "Which session? Give its ID", id="missing"),
        pytest.param(
            "session abc",
            "`abc` is not a session ID: Raygun session IDs are whole numbers.",
            id="word",
        ),
        pytest.param("session -5", "`-5` is not a session ID", id="negative"),
        pytest.param("session 12.5", "`12.5` is not a session ID", id="decimal"),
        pytest.param("session 12 13", "I don't know what `13` means here", id="two-ids"),
        pytest.param("session 12 --limit 3", "does not take `--limit`", id="option"),
    ],
)
async def test_session_bad_arguments_say_what_and_show_usage(
    cmd: CommandHarness, line: str, expected: str
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.route()
        shown = text(await cmd.run(line))
    assert expected in shown
    assert "Usage: `/pulse session ID`" in shown
    assert not route.called


async def test_long_session_ids_are_shortened_and_linked_with_the_full_ids_below(
    cmd: CommandHarness, mock: respx.Router
) -> None:
    body = many(3)
    for i, row in enumerate(body["sessions"]):
        row["id"] = 2507720788018 + i
        row["links"]["web"] = f"https://app.raygun.com/pulse/sessions/{row['id']}"
    mock.get(SESSIONS).respond(200, json=body)
    message = await cmd.run("sessions ana@example.com")
    payload = message.to_slack()
    [block] = [b for b in payload["blocks"] if b["type"] == "table"]
    first = block["rows"][1][0]  # newest first: 2507720788020
    assert first["type"] == "rich_text"
    assert first["elements"][0]["elements"] == [
        {
            "type": "link",
            "url": "https://app.raygun.com/pulse/sessions/2507720788020",
            "text": "…0788020",
        }
    ]
    assert [r[0] for r in table(message)[1:]] == ["…0788020", "…0788019", "…0788018"]
    assert "Session IDs in full, newest first: 2507720788020 · 2507720788019 · 2507720788018" in (
        text(message)
    )
