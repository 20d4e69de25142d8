"""PulsePro commands: inspection counts and scores, open and overdue corrective actions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from bot.render.blocks import MAX_BLOCKS, MAX_TEXT
from tests import samples
from tests.commands.harness import CommandHarness, table, text

BASE = "http://pulsepro.test/pulsepro"
INSPECTIONS = f"{BASE}/api/v1/inspections"
ACTIONS = f"{BASE}/api/v1/actions"
CRED = {"api_key": "pp_key_do_not_show_0001"}


sample = samples.of("pulsepro")


def squeezed(shown: str) -> set[str]:
    return {" ".join(line.split()) for line in shown.splitlines()}


def page(results: list[dict[str, Any]], count: int | None = None) -> dict[str, Any]:
    return {"count": len(results) if count is None else count, "next": None, "results": results}


def inspection(ident: int, when: str | None, score: float | None, **extra: Any) -> dict[str, Any]:
    base = sample("inspections_page1")["results"][0]
    return {**base, "id": ident, "conducted_at": when, "score": score, **extra}


BEFORE = page(
    [
        inspection(4001, "2026-11-10T08:00:00Z", 80),
        inspection(4002, "2026-11-12T08:00:00Z", 82.5),
    ]
)


@pytest.fixture
async def cmd(cmd: CommandHarness) -> CommandHarness:
    await cmd.connect("pulsepro", CRED)
    return cmd


@respx.mock
async def test_inspections_count_score_change_latest_and_locations(cmd: CommandHarness) -> None:
    second = respx.get(INSPECTIONS, params={"page": "2"}).respond(
        200, json=sample("inspections_page2")
    )
    earlier = respx.get(INSPECTIONS, params={"date_from": "2026-11-09"}).respond(200, json=BEFORE)
    first = respx.get(INSPECTIONS, params={"date_from": "2026-11-16"}).respond(
        200, json=sample("inspections_page1")
    )
    message = await cmd.run("inspections")
    shown = text(message)
    # this week's local days and the week before's are asked for
    assert first.calls.last.request.url.params["date_to"] == "2026-11-23"
    assert earlier.calls.last.request.url.params["date_to"] == "2026-11-16"
    assert second.calls.last.request.url.params["page"] == "2"
    assert first.calls.last.request.headers["Authorization"] == f"Api-key {CRED['api_key']}"
    # 3 inspections against 2; (92.5 + 78) / 2 = 85.25 against (80 + 82.5) / 2 = 81.25
    assert message.text == (
        "PulsePro inspections — last 7 days: 3 inspections, average score 85.2%"
    )
    assert "Inspections: 3 ▲ 50.0%" in squeezed(shown)
    assert "Average score: 85.2% ▲ 4.0 pts" in squeezed(shown)
    assert "Locations: 2" in shown
    lines = squeezed(shown)
    # newest first, in Berlin time; 14:00 at UTC+13 on 18 Nov is 02:00 in Berlin
    assert "Wed 18 Nov 02:00 Fire exits #14 sam@example.com 78.0%" in lines
    assert "Tue 17 Nov 10:30 Weekly kitchen hygiene Wellington Central Mere Tane 92.5%" in lines
    assert "— Forklift pre-start Wellington Central — —" in lines
    assert shown.index("Fire exits") < shown.index("Weekly kitchen") < shown.index("Forklift")
    # per location: the unscored inspection counts but does not pull the average down
    assert "Wellington Central 2 92.5%" in lines
    assert "#14 1 78.0%" in lines
    assert "last 7 days: Mon 16 Nov 15:30 – Mon 23 Nov 15:30 (Europe/Berlin)" in shown
    assert "▲/▼ against the 7 days before: Mon 09 Nov 15:30 – Mon 16 Nov 15:30" in shown


@respx.mock
async def test_inspections_location_is_sent_and_single_location_has_no_summary(
    cmd: CommandHarness,
) -> None:
    only = page([inspection(5012, "2026-10-02T09:00:00Z", 90.0)])
    route = respx.get(INSPECTIONS).respond(200, json=only)
    message = await cmd.run("inspections last-month --location 12")
    shown = text(message)
    sent = [c.request.url.params for c in route.calls]
    assert {p["location"] for p in sent} == {"12"}
    # October in Berlin, and the 31 days before it
    assert ("2026-10-01", "2026-10-31") in {(p["date_from"], p["date_to"]) for p in sent}
    assert "PulsePro inspections at location 12 — last month" in shown
    assert "Inspections avg" not in shown and "Avg score" not in shown
    assert "Locations: 1" in shown


@respx.mock
async def test_inspections_outside_the_exact_period_are_not_counted(
    cmd: CommandHarness,
) -> None:
    body = page(
        [
            inspection(1, "2026-11-16T10:00:00Z", 50.0),  # day asked for, but before 15:30
            inspection(2, "2026-11-20T10:00:00Z", 70.0),
        ]
    )
    respx.get(INSPECTIONS).respond(200, json=body)
    message = await cmd.run("inspections 7d")
    assert message.text.endswith(": 1 inspection, average score 70.0%")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("inspections", "No inspections in PulsePro in the last 7 days.", id="7d"),
        pytest.param(
            "inspections yesterday --location 14",
            "No inspections in PulsePro at location 14 yesterday.",
            id="location",
        ),
    ],
)
@respx.mock
async def test_no_inspections_is_said_plainly(
    cmd: CommandHarness, line: str, expected: str
) -> None:
    respx.get(INSPECTIONS).respond(200, json=page([]))
    message = await cmd.run(line)
    assert message.text == expected
    assert expected in text(message)


@respx.mock
async def test_many_inspections_fit_block_kit(cmd: CommandHarness) -> None:
    many = [
        inspection(
            i,
            f"2026-11-{1 + i % 22:02d}T10:00:00Z",
            float(i % 100),
            title=f"{'Long inspection title ' * 3}{i}",
            location={"id": i, "name": f"{'Site ' * 8}{i}"},
        )
        for i in range(300)
    ]
    respx.get(INSPECTIONS).respond(200, json=page(many))
    message = await cmd.run("inspections 30d")
    payload = message.to_slack(share_id="s")
    assert len(payload["blocks"]) <= MAX_BLOCKS
    for block in payload["blocks"]:
        assert len(block.get("text", {}).get("text", "")) <= MAX_TEXT
    assert "Latest 15 of 300" in text(message)


@pytest.mark.parametrize(
    ("line", "expected", "usage"),
    [
        pytest.param(
            "inspections --limit 5", "does not take `--limit`", "inspections [RANGE]", id="option"
        ),
        pytest.param(
            "inspections --location=", "`--location` needs a location ID", "inspections", id="loc"
        ),
        pytest.param(
            "inspections 7d 30d", "Give one range only", "inspections [RANGE]", id="two-ranges"
        ),
        pytest.param(
            "inspections kitchen", "`kitchen` is not a range I know", "inspections", id="word"
        ),
        pytest.param("actions open", "I don't know what `open` means", "actions", id="word"),
        pytest.param("actions --late 1", "does not take `--late`", "actions [--overdue]", id="opt"),
    ],
)
async def test_bad_arguments_say_what_and_show_usage(
    cmd: CommandHarness, line: str, expected: str, usage: str
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.route()
        shown = text(await cmd.run(line))
    assert expected in shown
    assert f"Usage: `/pulse {usage}" in shown
    assert not route.called


# ---- actions --------------------------------------------------------------------------------


@respx.mock
async def test_actions_overdue_first_with_counts(cmd: CommandHarness) -> None:
    route = respx.get(ACTIONS).respond(200, json=sample("actions"))
    message = await cmd.run("actions")
    shown = text(message)
    sent = route.calls.last.request.url.params
    assert sent["status"] == "open" and "overdue" not in sent
    # 901 says overdue; 903 was due 21 Nov and is still open; 902 is due 1 Dec
    assert message.text == "PulsePro: 3 open corrective actions, 2 overdue"
    assert "PulsePro corrective actions — 3 open, 2 overdue" in shown
    assert table(message)[0] == ["Action", "Priority", "Due", "Location", "Assignee"]
    assert table(message)[1] == [
        "Replace cracked fire-door seal",
        "High",
        "Fri 20 Nov ⚠ overdue",
        "Petone Warehouse",
        "Aroha Ngata",
    ]
    lines = squeezed(shown)
    assert (
        "Replace cracked fire-door seal High Fri 20 Nov ⚠ overdue Petone Warehouse Aroha Ngata"
        in lines
    )
    assert "Recalibrate fridge thermometer — Sat 21 Nov ⚠ overdue — —" in lines
    assert "Label chemical storage Medium Tue 01 Dec Wellington Central Sam Lee" in lines
    assert shown.index("fire-door") < shown.index("fridge") < shown.index("chemical")
    assert "As of Mon 23 Nov 15:30 (Europe/Berlin)" in shown
    assert "`/pulse actions --overdue`" in shown


@respx.mock
async def test_actions_overdue_asks_for_and_keeps_only_overdue(cmd: CommandHarness) -> None:
    # even if PulsePro ignored the filter, only the overdue ones are shown
    route = respx.get(ACTIONS).respond(200, json=sample("actions"))
    message = await cmd.run("actions --overdue")
    shown = text(message)
    assert route.calls.last.request.url.params["overdue"] == "true"
    assert message.text == "PulsePro: 2 overdue corrective actions"
    assert "PulsePro — 2 overdue corrective actions" in shown
    assert "chemical" not in shown


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("actions", "No open corrective actions in PulsePro.", id="open"),
        pytest.param("actions --overdue", "No overdue corrective actions in PulsePro.", id="late"),
    ],
)
@respx.mock
async def test_no_actions_is_said_plainly(cmd: CommandHarness, line: str, expected: str) -> None:
    respx.get(ACTIONS).respond(200, json=page([]))
    message = await cmd.run(line)
    assert message.text == expected
    assert text(message) == expected


@respx.mock
async def test_hundreds_of_actions_fit_block_kit(cmd: CommandHarness) -> None:
    template = sample("actions")["results"][0]
    many = [
        {**template, "id": i, "title": f"{'Fix the thing ' * 4}{i}", "overdue": i % 2 == 0}
        for i in range(250)
    ]
    respx.get(ACTIONS).respond(200, json=page(many))
    message = await cmd.run("actions")
    payload = message.to_slack(share_id="s")
    assert len(payload["blocks"]) <= MAX_BLOCKS
    for block in payload["blocks"]:
        assert len(block.get("text", {}).get("text", "")) <= MAX_TEXT
    assert "the 100 most urgent of 250 are listed" in text(message)
    assert message.text == "PulsePro: 250 open corrective actions, 125 overdue"


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        pytest.param(401, sample("error_401"), "PulsePro rejected the saved credential", id="401"),
        pytest.param(503, {}, "(a traffic spike); it usually recovers within 5 minutes.", id="503"),
        pytest.param(
            400, sample("error_400"), "date_from: Enter a valid date.", id="400-field-errors"
        ),
    ],
)
@respx.mock
async def test_service_errors_become_one_sentence(
    cmd: CommandHarness, status: int, body: dict[str, Any], expected: str
) -> None:
    respx.get(ACTIONS).respond(status, json=body)
    shown = text(await cmd.run("actions"))
    assert expected in shown
    assert CRED["api_key"] not in shown


@respx.mock
async def test_rate_limited_says_when_to_retry(cmd: CommandHarness) -> None:
    respx.get(INSPECTIONS).mock(
        return_value=httpx.Response(
            429, json={"error": {"code": "throttled"}}, headers={"Retry-After": "30"}
        )
    )
    assert "PulsePro is rate limiting us; try again in 30 seconds." in text(
        await cmd.run("inspections")
    )
