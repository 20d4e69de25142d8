"""connect / disconnect / services: validated before saving, never echoed back."""

from __future__ import annotations

import httpx
import pytest
import respx

from bot.clients import registry
from bot.team import Team
from commands.connect import Submission, connect_view, submit
from tests.commands.harness import CommandHarness, text

WELD = "http://weldpulse.test/weldpulse"
RAYGUN = "http://raygun.test/raygun"
GOOD_KEY = "ak_live_good_key_000000000001"


def submission(service: str, **values: str) -> Submission:
    return Submission(service, "C0TEST", values)


async def test_connect_opens_a_modal_with_one_input_per_field(cmd: CommandHarness) -> None:
    message = await cmd.run("connect raygun")
    assert "Opened the form to connect Raygun Pulse" in text(message)
    (view,) = cmd.modals
    assert view["callback_id"] == "pulse_connect"
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == ["api_key", "client_id", "client_secret"]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("connect", "Name one service"),
        ("connect weldpuls", "Did you mean `/pulse connect weldpulse`?"),
        ("connect slack", "`slack` is not a service I know"),
    ],
    ids=["missing", "typo", "unknown"],
)
async def test_connect_arguments(cmd: CommandHarness, line: str, fragment: str) -> None:
    shown = text(await cmd.run(line))
    assert fragment in shown
    assert cmd.modals == []


async def test_non_admin_is_refused_with_who_can(cmd: CommandHarness) -> None:
    cmd.admin = False
    shown = text(await cmd.run("connect weldpulse"))
    assert "Only Pulse Bot admins can connect services" in shown
    assert "/pulse admins" in shown
    assert cmd.modals == []
    with pytest.raises(Exception, match="connect services"):
        await submit(await cmd.context(), submission("weldpulse", api_key=GOOD_KEY))
    assert await cmd.store.credentials.get(cmd.team, "weldpulse") is None


@respx.mock
async def test_valid_credential_is_checked_then_saved_and_audited(cmd: CommandHarness) -> None:
    route = respx.get(f"{WELD}/v1/sites").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {
                        "id": "1",
                        "domain": "a.example",
                        "name": "A",
                        "site_key": "sk",
                        "is_active": True,
                        "created_at": "2024-01-01T00:00:00Z",
                    }
                ]
            },
        )
    )
    result = await submit(await cmd.context(), submission("weldpulse", api_key=GOOD_KEY))
    assert result == "WeldPulse is connected (project with 1 site). Try `/pulse stats`."
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {GOOD_KEY}"
    assert await cmd.store.credentials.get(cmd.team, "weldpulse") == {"api_key": GOOD_KEY}
    assert [a.action for a in await cmd.store.audit.list(cmd.team)] == ["credentials.connect"]
    assert GOOD_KEY not in str(await cmd.store.audit.list(cmd.team))


@respx.mock
async def test_rejected_credential_is_a_field_error_and_nothing_is_saved(
    cmd: CommandHarness,
) -> None:
    respx.get(f"{WELD}/v1/sites").mock(
        return_value=httpx.Response(401, json={"error": "Invalid API key", "code": "UNAUTHORIZED"})
    )
    result = await submit(
        await cmd.context(), submission("weldpulse", api_key="ak_live_wrong_0000")
    )
    assert result == {"api_key": "WeldPulse rejected this credential: check it and try again."}
    assert await cmd.store.credentials.get(cmd.team, "weldpulse") is None
    assert await cmd.store.audit.list(cmd.team) == []


async def test_missing_fields_are_required(cmd: CommandHarness) -> None:
    result = await submit(await cmd.context(), submission("raygun", api_key="k", client_id=""))
    assert result == {"client_id": "Required.", "client_secret": "Required."}


def test_submission_reads_the_view_state() -> None:
    view = connect_view("weldpulse", "C0CHAN")
    view["state"] = {
        "values": {"api_key": {"api_key": {"type": "plain_text_input", "value": f"  {GOOD_KEY} "}}}
    }
    got = Submission.from_view(view)
    assert got == Submission("weldpulse", "C0CHAN", {"api_key": GOOD_KEY})


async def test_services_lists_all_five_with_last4_only(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", {"api_key": GOOD_KEY})
    shown = text(await cmd.run("services"))
    assert "WeldPulse — connected …0001" in shown
    assert GOOD_KEY not in shown
    for name in ("Raygun Pulse", "WhatPulse", "Pulsetracker", "PulsePro"):
        assert f"{name} — not connected" in shown
    assert "headroom: 100 requests/min" in shown


@respx.mock
async def test_services_shows_last_error_and_headroom_after_use(cmd: CommandHarness) -> None:
    await cmd.connect("weldpulse", {"api_key": GOOD_KEY})
    respx.get(f"{WELD}/v1/pages").mock(
        side_effect=[
            httpx.Response(200, json={"data": []}),
            httpx.Response(500, json={"error": "boom", "code": "INTERNAL_ERROR"}),
        ]
    )
    await cmd.run("pages")
    assert "WeldPulse is not answering right now" in text(await cmd.run("pages 30d"))
    shown = text(await cmd.run("services"))
    assert "headroom: 98/100 calls left this minute" in shown
    assert "last success: 23 Nov 15:30" in shown
    assert "last error:" in shown and "last error: none" not in shown


async def test_services_says_raygun_calls_left_today_as_the_database_counts_them(
    cmd: CommandHarness,
) -> None:
    credential = {"api_key": "rg-app-key", "client_id": "c", "client_secret": "s"}
    await cmd.connect("raygun", credential)
    key = registry.spec("raygun").budget_key(credential)
    for _ in range(3):  # spent by any process: the count is in the database
        await cmd.store.budgets.try_spend(key, 50, cmd.clock.now())
    shown = text(await cmd.run("services"))
    assert "headroom: 47 of 50 calls left today (3 used; the day starts again " in shown
    assert "Tue 24 Nov 00:00 UTC)" in shown  # Raygun's day is taken to be UTC's
    assert "last refusal: none" in shown


async def test_disconnect_deletes_and_is_audited(cmd: CommandHarness) -> None:
    await cmd.connect("pulsepro", {"api_key": "pp_key_00000000001"})
    other = Team("T0OTHER")
    await cmd.connect("pulsepro", {"api_key": "pp_key_00000000002"}, team=other)
    shown = text(await cmd.run("disconnect pulsepro"))
    assert "PulsePro is disconnected" in shown
    assert await cmd.store.credentials.get(cmd.team, "pulsepro") is None
    assert await cmd.store.credentials.get(other, "pulsepro") is not None
    assert [a.action for a in await cmd.store.audit.list(cmd.team)] == ["credentials.disconnect"]
    assert "PulsePro was not connected" in text(await cmd.run("disconnect pulsepro"))


@respx.mock
async def test_raygun_validation_costs_one_call(cmd: CommandHarness) -> None:
    auth = respx.get(f"{RAYGUN}/api/v1/pulse/authenticate").mock(
        return_value=httpx.Response(202, json={"sessionKey": "sess-1"})
    )
    result = await submit(
        await cmd.context(),
        submission("raygun", api_key="rg_app_key_000000009", client_id="cid", client_secret="shh"),
    )
    assert isinstance(result, str) and "…0009" in result
    assert auth.call_count == 1


TRACKER = "http://pulsetracker.test/pulsetracker"
TRACKER_TOKEN = "pt_token_connect_00000001"
NO_APPS = {"data": [], "meta": {"current_page": 1, "last_page": 1, "total": 0, "per_page": 12}}


async def test_pulsetrackers_allowance_is_an_optional_input(cmd: CommandHarness) -> None:
    await cmd.run("connect pulsetracker")
    (view,) = cmd.modals
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["token", "allowance"]
    assert inputs["token"]["optional"] is False
    assert inputs["allowance"]["optional"] is True
    assert inputs["allowance"]["label"]["text"] == "Monthly messages per app"


@respx.mock
@pytest.mark.parametrize(("entered", "stored"), [("", None), ("10,000", "10,000")])
async def test_pulsetracker_connects_with_or_without_an_allowance_and_audits_it(
    cmd: CommandHarness, entered: str, stored: str | None
) -> None:
    respx.get(f"{TRACKER}/api/apps").respond(200, json=NO_APPS)
    values = {"token": TRACKER_TOKEN, "allowance": entered}
    result = await submit(await cmd.context(), submission("pulsetracker", **values))
    assert result == "Pulsetracker is connected (0 apps). Try `/pulse stats`."
    expected = {"token": TRACKER_TOKEN} | ({"allowance": stored} if stored else {})
    assert await cmd.store.credentials.get(cmd.team, "pulsetracker") == expected
    (entry,) = await cmd.store.audit.list(cmd.team)
    assert entry.detail == {"service": "pulsetracker", "allowance": stored or ""}
    directory = await cmd.pool.directory(cmd.team)
    assert directory.get(registry.spec("pulsetracker")).allowance == (10_000 if stored else None)


@respx.mock
async def test_a_wrong_allowance_is_a_field_error_and_nothing_is_asked_or_saved(
    cmd: CommandHarness,
) -> None:
    route = respx.get(f"{TRACKER}/api/apps").respond(200, json=NO_APPS)
    values = {"token": TRACKER_TOKEN, "allowance": "lots"}
    result = await submit(await cmd.context(), submission("pulsetracker", **values))
    assert result == {"allowance": "a whole number of messages a month, such as 10000, or nothing"}
    assert not route.called
    assert await cmd.store.credentials.get(cmd.team, "pulsetracker") is None


@respx.mock
async def test_a_spent_raygun_budget_at_connect_is_said_in_plain_text(
    cmd: CommandHarness,
) -> None:
    credential = {"api_key": "rg_app_key_000000009", "client_id": "cid", "client_secret": "shh"}
    key = registry.spec("raygun").budget_key(credential)
    for _ in range(50):
        await cmd.store.budgets.try_spend(key, 50, cmd.clock.now())
    result = await submit(await cmd.context(), submission("raygun", **credential))
    assert isinstance(result, dict)
    assert result["api_key"] == (
        "Raygun Pulse allows 50 API calls a day and today's are used up; Pulse Bot makes no "
        "more until they reset Tue 24 Nov 00:00 UTC (in 10 hours)."
    )  # a form shows plain text: the date token's own text
