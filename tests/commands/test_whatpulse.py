"""WhatPulse `pulses`: totals and days are computed from the pulses WhatPulse sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import respx

from bot.domain.formatting import human
from bot.render.blocks import MAX_BLOCKS, MAX_TEXT
from bot.render.limits import problems
from tests import samples
from tests.commands.harness import CommandHarness, table, text

BASE = "http://whatpulse.test/whatpulse"
PULSES = f"{BASE}/api/v1/users/alice/pulses"
CRED = {"token": "wp_token_do_not_show_0001", "user": "alice"}
USAGE = "Usage: `/pulse pulses USER [RANGE] [--computer ID]`"


def sample(name: str) -> Any:
    """A recorded answer whose links point at the mocked host."""
    raw = json.dumps(samples.sample("whatpulse", name))
    return json.loads(raw.replace("https://whatpulse.org", BASE))


def pulse(when: str, keys: int, scrolls: int | None = 10, **extra: Any) -> dict[str, Any]:
    base = sample("pulses_page2")["pulses"][0]
    return {**base, "date": when, "keys": keys, "scrolls": scrolls, **extra}


def one_page(pulses: list[dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = sample("pulses_page2")
    body["pulses"] = pulses
    body["pagination"].update(current_page=1, last_page=1, total=len(pulses))
    body["links"]["next"] = None
    return body


@pytest.fixture
async def cmd(cmd: CommandHarness) -> CommandHarness:
    await cmd.connect("whatpulse", CRED)
    return cmd


@respx.mock
async def test_pulses_totals_and_days_from_both_pages(cmd: CommandHarness) -> None:
    route = respx.get(PULSES).mock(
        side_effect=[
            httpx.Response(200, json=sample("pulses_page1")),
            httpx.Response(200, json=sample("pulses_page2")),
        ]
    )
    message = await cmd.run("pulses alice")
    shown = text(message)
    assert message.text == "WhatPulse — alice, last 7 days: 31.7k keys, 9.8k clicks in 3 pulses"
    # 18234 + 9502 + 4000 keys; scrolls only of the pulses that said (930 + 120);
    # 2048.5 + 512 + 100 MB down; 8h + 4h + 1h up; 0.82 + 0.31 + 0.1 miles
    for figure in (
        "Keys: 31.7k",
        "Clicks: 9.8k",
        "Scrolls: 1.1k",
        "Download: 2.6 GB",
        "Upload: 363 MB",
        "Uptime: 13h",
        "Distance: 1.2 mi",
        "Pulses: 3",
    ):
        assert figure in shown
    rows = days(shown)
    assert rows["20 Nov"] == "18.2k 6.1k 930 2.0 GB 312 MB 8h 0.8 mi"
    assert rows["21 Nov"] == "9.5k 2.2k — 512 MB 40 MB 4h 0.3 mi"
    assert rows["22 Nov"] == "4k 1.5k 120 100 MB 10 MB 1h 0.1 mi"
    assert rows["16 Nov"] == "0 0 — 0 MB 0 MB 0s 0.0 mi"
    assert list(rows) == [f"{d} Nov" for d in range(16, 24)], "every local day, in order"
    # the window (15:30 to 15:30) covers the first and last days only in part, and says so
    assert "Mon 16 Nov (part)" in shown and "Mon 23 Nov (part)" in shown
    assert "Fri 20 Nov (part)" not in shown
    assert "(part): a day the period covers only in part." in shown
    assert "Some pulses did not report scrolls; only the reported ones are counted." in shown
    assert "last 7 days: Mon 16 Nov 15:30 – Mon 23 Nov 15:30 (Europe/Berlin)" in shown
    assert "No USER given" not in shown

    first, second = (c.request.url.params for c in route.calls)
    assert first["date_from"] == "2026-11-16" and first["date_to"] == "2026-11-23"
    assert first["per_page"] == "100" and "computer_id" not in first
    assert second["page"] == "2" and second["date_from"] == "2026-11-16"
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {CRED['token']}"


def _day_lines(shown: str) -> list[str]:
    weekdays = ("Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun ")
    return [line for line in shown.splitlines() if line.startswith(weekdays)]


def days(shown: str) -> dict[str, str]:
    """The per-day table as {"20 Nov": "18.2k 6.1k …"}, in the order shown (a day marked
    partial under its date)."""
    lines = [line.replace(" (part)", "") for line in _day_lines(shown)]
    return {" ".join(line.split()[1:3]): " ".join(line.split()[3:]) for line in lines}


@respx.mock
async def test_days_are_the_callers_local_days_and_the_period_is_exact(
    cmd: CommandHarness,
) -> None:
    route = respx.get(PULSES).respond(
        200,
        json=one_page(
            [
                pulse("2026-11-21T23:30:00Z", 700),  # Sun 22 Nov 00:30 in Berlin
                pulse("2026-11-21T22:59:00Z", 50),  # Sat 21 Nov 23:59 in Berlin
                pulse("2026-11-22T12:00:00Z", 300, scrolls=None),
                pulse("2026-11-15T22:30:00Z", 9999),  # Sun 15 Nov 23:30: before last week
            ]
        ),
    )
    message = await cmd.run("pulses alice last-week")
    shown = text(message)
    sent = route.calls.last.request.url.params
    # last week in Berlin is Mon 16 – Sun 22 Nov, which begins on 15 Nov in UTC: every
    # date covering it is asked for, and the answer is cut to the local week
    assert sent["date_from"] == "2026-11-15" and sent["date_to"] == "2026-11-22"
    rows = days(shown)
    # 700 + 300 keys, 1500 clicks each, scrolls only from the pulse that said
    assert rows["22 Nov"].startswith("1k 3k 10 ")
    assert rows["21 Nov"].startswith("50 1.5k 10 ")
    assert list(rows) == [f"{d} Nov" for d in range(16, 23)]
    assert "Keys: 1.1k" in shown and "Pulses: 3" in shown
    assert "last week: Mon 16 Nov 00:00 – Mon 23 Nov 00:00 (Europe/Berlin)" in shown


def by_utc_date(pulses: list[dict[str, Any]]) -> Callable[[httpx.Request], httpx.Response]:
    """A WhatPulse filtering by whole days, read as UTC dates of each pulse's `date`."""

    def answer(request: httpx.Request) -> httpx.Response:
        low, high = request.url.params["date_from"], request.url.params["date_to"]
        kept = [p for p in pulses if low <= p["date"][:10] <= high]
        return httpx.Response(200, json=one_page(kept))

    return answer


@pytest.mark.parametrize(
    ("zone", "when", "day"),
    [
        # 03:30 on Tue 24 Nov in Auckland: yesterday is 22 Nov 11:00 – 23 Nov 11:00 UTC
        pytest.param("Pacific/Auckland", "2026-11-22T20:00:00Z", "Mon 23 Nov", id="auckland"),
        # 06:30 on Mon 23 Nov in Los Angeles: yesterday is 22 Nov 08:00 – 23 Nov 08:00 UTC
        pytest.param("America/Los_Angeles", "2026-11-23T03:00:00Z", "Sun 22 Nov", id="los-angeles"),
    ],
)
@respx.mock
async def test_yesterday_is_the_callers_day_whatever_utc_date_its_pulses_have(
    cmd: CommandHarness, zone: str, when: str, day: str
) -> None:
    cmd.tz = ZoneInfo(zone)
    respx.get(PULSES).mock(side_effect=by_utc_date([pulse(when, 34000)]))
    shown = text(await cmd.run("pulses alice yesterday"))
    assert "No pulses" not in shown
    assert "Keys: 34k" in shown
    [row] = _day_lines(shown)
    assert row.split()[:4] == [*day.split(), "34k"]


@respx.mock
async def test_without_user_the_workspace_user_is_used_and_said(cmd: CommandHarness) -> None:
    route = respx.get(PULSES).respond(200, json=one_page([pulse("2026-11-22T12:00:00Z", 10)]))
    shown = text(await cmd.run("pulses yesterday"))
    assert route.called
    assert "No USER given: showing alice, this workspace's WhatPulse user" in shown
    assert "WhatPulse — alice — yesterday" in shown


async def test_without_user_and_without_a_default_user_asks_whose(cmd: CommandHarness) -> None:
    await cmd.connect("whatpulse", {"token": CRED["token"]})
    with respx.mock(assert_all_called=False) as mock:
        route = mock.route()
        shown = text(await cmd.run("pulses 30d"))
    assert not route.called
    assert "Whose pulses? Give a WhatPulse user name or ID" in shown
    assert USAGE in shown


@respx.mock
async def test_computer_is_sent_and_named(cmd: CommandHarness) -> None:
    route = respx.get(PULSES).respond(
        200,
        json=one_page(
            [pulse("2026-11-20T10:00:00Z", 1234, computer={"id": 771, "name": "studio-mac"})]
        ),
    )
    message = await cmd.run("pulses alice --computer 771")
    assert route.calls.last.request.url.params["computer_id"] == "771"
    assert "WhatPulse — alice on studio-mac (771) — last 7 days" in text(message)
    assert message.text.startswith("WhatPulse — alice on studio-mac (771), last 7 days: 1.2k keys")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("pulses alice", "No pulses from alice in the last 7 days.", id="7d"),
        pytest.param("pulses alice today", "No pulses from alice today so far.", id="today"),
        pytest.param(
            "pulses alice 30d --computer 9",
            "No pulses from alice on computer 9 in the last 30 days.",
            id="computer",
        ),
    ],
)
@respx.mock
async def test_no_pulses_is_said_plainly(cmd: CommandHarness, line: str, expected: str) -> None:
    respx.get(PULSES).respond(200, json=one_page([]))
    message = await cmd.run(line)
    assert message.text == expected
    assert expected in text(message)


@respx.mock
async def test_capped_pages_are_said_plainly(cmd: CommandHarness) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params.get("page", "1"))
        body = one_page([pulse("2026-11-20T10:00:00Z", 100)])
        body["pagination"].update(total=5000, current_page=number, last_page=50)
        body["links"]["next"] = f"{PULSES}?page={number + 1}"
        return httpx.Response(200, json=body)

    route = respx.get(PULSES).mock(side_effect=page)
    shown = text(await cmd.run("pulses alice"))
    assert route.call_count == 20
    assert "Only the first 20 of 5k pulses could be read" in shown
    assert "these totals are lower than the real ones" in shown


@respx.mock
async def test_a_year_of_days_is_a_table_of_weeks(cmd: CommandHarness) -> None:
    days = [f"2026-{m:02d}-{d:02d}T12:00:00Z" for m in range(1, 12) for d in range(1, 29)]
    respx.get(PULSES).respond(200, json=one_page([pulse(d, 123456) for d in days]))
    message = await cmd.run("pulses alice 2025-11-23..2026-11-22")
    payload = message.to_slack(share_id="s")
    assert problems(payload) == []
    assert len(payload["blocks"]) <= MAX_BLOCKS
    for block in payload["blocks"]:
        assert len(block.get("text", {}).get("text", "")) <= MAX_TEXT
    # 365 days do not fit a Slack table (99 rows): a row per week from Monday, all of them
    rows = table(message)
    assert rows[0][:2] == ["Week from", "Keys"]
    weeks = {r[0]: r[1] for r in rows[1:]}
    assert len(weeks) == 53
    assert weeks["Mon 17 Nov 2025 (part)"] == "0"  # only Sun 23 Nov is in the period
    assert weeks["Mon 05 Jan 2026"] == human(7 * 123456)  # 5–11 Jan: a pulse a day
    assert weeks["Mon 26 Jan 2026"] == human(4 * 123456)  # 26, 27, 28 Jan and 1 Feb
    assert weeks["Mon 16 Nov 2026"] == human(7 * 123456)  # the last week is whole
    assert "A row per week: 365 days would not fit one Slack table." in text(message)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            "pulses alice --computer studio-mac",
            "`--computer` takes a WhatPulse computer ID, a whole number, not `studio-mac`.",
            id="computer-word",
        ),
        pytest.param("pulses alice --computer 0", "not `0`", id="computer-zero"),
        pytest.param("pulses alice --limit 5", "does not take `--limit`", id="unknown-option"),
        pytest.param("pulses alice 7d bob", "I don't know what `bob` means here", id="two-users"),
        pytest.param("pulses alice lastweek", "`lastweek` is not a range I know", id="bad-range"),
        pytest.param("pulses alice 7d 30d", "Give one range only", id="two-ranges"),
    ],
)
async def test_bad_arguments_say_what_and_show_usage(
    cmd: CommandHarness, line: str, expected: str
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.route()
        shown = text(await cmd.run(line))
    assert expected in shown
    assert USAGE in shown
    assert not route.called


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        pytest.param(401, "error_401", "WhatPulse rejected the saved credential", id="401"),
        pytest.param(
            404,
            "error_404",
            "WhatPulse has nothing by that ID (no WhatPulse user 'nobody')",
            id="404",
        ),
        pytest.param(
            422,
            "error_422",
            "WhatPulse did not accept the request: date_to: The date to field",
            id="422",
        ),
        pytest.param(500, None, "WhatPulse is not answering right now", id="500"),
    ],
)
@respx.mock
async def test_service_errors_become_one_sentence(
    cmd: CommandHarness, status: int, body: str | None, expected: str
) -> None:
    respx.get(f"{BASE}/api/v1/users/nobody/pulses").respond(
        status, json=sample(body) if body else {"message": "Server Error"}
    )
    shown = text(await cmd.run("pulses nobody"))
    assert expected in shown
    assert CRED["token"] not in shown
