"""Pulsetracker commands: apps, their devices and this month's messages as the service says."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import respx

from bot.render.blocks import MAX_BLOCKS, MAX_TEXT
from tests import samples
from tests.commands.harness import CommandHarness, table, text

BASE = "http://pulsetracker.test/pulsetracker"
APPS = f"{BASE}/api/apps"
CRED = {"token": "pt_token_do_not_show_0001"}
ALLOWED = {**CRED, "allowance": "10000"}  # as an admin entered it at connect


sample = samples.of("pulsetracker")


def rows(shown: str) -> dict[str, str]:
    """Table lines keyed by their first cell, whitespace squeezed."""
    return {line.split()[0]: " ".join(line.split()) for line in shown.splitlines() if line}


@pytest.fixture
async def cmd(cmd: CommandHarness) -> CommandHarness:
    await cmd.connect("pulsetracker", ALLOWED)
    return cmd


@respx.mock
async def test_apps_show_devices_and_this_months_messages(cmd: CommandHarness) -> None:
    route = respx.get(APPS).respond(200, json=sample("apps_page1"))
    message = await cmd.run("apps")
    shown = text(message)
    assert route.calls.last.request.url.params["page"] == "1"
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {CRED['token']}"
    assert "Pulsetracker apps — 13 apps, page 1 of 2" in shown
    table = rows(shown)
    # November 2026 in Berlin: 8,450 of the 10k allowance entered is 84.5%, above 80%
    assert table["Delivery"] == "Delivery fleet app_9f2c1a 14 8,450 84.5% ⚠"
    assert table["Field"] == "Field sales app_77b0d4 0 0 0.0%"
    assert "Nov messages" in shown
    assert "Messages sent in November 2026 (Europe/Berlin)" in shown
    assert "Monthly allowance: 10k messages per app, as an admin entered it" in shown
    assert "next: `/pulse apps --page 2`" in shown
    assert message.text == (
        "Pulsetracker: 13 apps, page 1 of 2; 1 at 80% or more of the monthly messages"
    )


@respx.mock
async def test_apps_page_is_sent_and_the_last_page_has_no_next(cmd: CommandHarness) -> None:
    route = respx.get(APPS).respond(200, json=sample("apps_page2"))
    message = await cmd.run("apps --page 2")
    shown = text(message)
    assert route.calls.last.request.url.params["page"] == "2"
    assert rows(shown)["Couriers"] == "Couriers app_c0ffee 3 120 1.2%"
    assert "page 2 of 2" in shown and "--page 3" not in shown
    assert message.text == "Pulsetracker: 13 apps, page 2 of 2"


@respx.mock
async def test_this_month_is_the_callers_month(cmd: CommandHarness) -> None:
    # 23:30 UTC on 30 Nov is already 1 Dec in Berlin: December has no messages yet
    cmd.clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    respx.get(APPS).respond(200, json=sample("apps_page1"))
    shown = text(await cmd.run("apps"))
    assert rows(shown)["Delivery"] == "Delivery fleet app_9f2c1a 14 0 0.0%"
    assert "Messages sent in December 2026" in shown


@respx.mock
async def test_a_full_page_of_long_names_fits_block_kit(cmd: CommandHarness) -> None:
    body = sample("apps_page1")
    template = body["data"][0]
    body["data"] = [
        {**template, "key": f"app_{i:06d}", "name": f"{'Regional delivery fleet ' * 3}{i}"}
        for i in range(12)
    ]
    respx.get(APPS).respond(200, json=body)
    message = await cmd.run("apps")
    payload = message.to_slack(share_id="s")
    assert len(payload["blocks"]) <= MAX_BLOCKS
    for block in payload["blocks"]:
        assert len(block.get("text", {}).get("text", "")) <= MAX_TEXT
    shown = text(message)
    assert all(f"app_{i:06d}" in shown for i in range(12))
    assert message.text.endswith("12 at 80% or more of the monthly messages")


@respx.mock
async def test_no_apps_says_how_to_create_one(cmd: CommandHarness) -> None:
    body = sample("apps_page2")
    body["data"] = []
    body["meta"].update(current_page=1, last_page=1, total=0)
    respx.get(APPS).respond(200, json=body)
    shown = text(await cmd.run("apps"))
    assert "There are no apps in Pulsetracker yet; create one with `/pulse apps create NAME`." in (
        shown
    )


@respx.mock
async def test_a_page_past_the_end_says_how_many_there_are(cmd: CommandHarness) -> None:
    body = sample("apps_page2")
    body["data"] = []
    body["meta"]["current_page"] = 5
    respx.get(APPS).respond(200, json=body)
    shown = text(await cmd.run("apps --page 5"))
    assert "There is no page 5: Pulsetracker has 13 apps on 2 pages." in shown
    assert "Usage: `/pulse apps [--page N]`" in shown


HOWTO = (
    "Pulsetracker's API does not report the plan's monthly message allowance; an admin can "
    "enter it in the “Monthly messages per app” field of `/pulse connect pulsetracker`"
)


@respx.mock
async def test_without_an_allowance_apps_show_messages_and_no_percentage(
    cmd: CommandHarness,
) -> None:
    await cmd.connect("pulsetracker", CRED)  # reconnected, the allowance left empty
    respx.get(APPS).respond(200, json=sample("apps_page1"))
    message = await cmd.run("apps")
    shown = text(message)
    assert table(message)[0] == ["App", "Key", "Devices", "Nov messages"]
    assert rows(shown)["Delivery"] == "Delivery fleet app_9f2c1a 14 8,450"
    assert "%" not in shown and "⚠" not in shown and "10k" not in shown
    assert HOWTO + " to see each app's share of it" in shown
    assert message.text == "Pulsetracker: 13 apps, page 1 of 2"

    respx.get(f"{APPS}/app_9f2c1a").respond(200, json=sample("app"))
    one = await cmd.run("apps show app_9f2c1a")
    shown = text(one)
    assert "Messages in November: 8,450" in shown
    assert table(one)[:3] == [["Month", "Messages"], ["Nov 2026", "8,450"], ["Oct 2026", "7,120"]]
    assert "%" not in shown and "⚠" not in shown and "allowance)" not in one.text
    assert HOWTO in shown


@respx.mock
async def test_stats_names_apps_near_the_allowance_only_when_one_is_entered(
    cmd: CommandHarness,
) -> None:
    body = sample("apps_page1")
    body["meta"].update(last_page=1, total=2)  # these two apps are all there are
    respx.get(APPS).respond(200, json=body)
    shown = text(await cmd.run("stats"))
    near = "Delivery fleet has used 84% of its 10k monthly messages (8.4k in November)"
    assert near in shown
    await cmd.connect("pulsetracker", CRED)
    shown = text(await cmd.run("stats"))
    assert "Messages in Nov 2026" in shown
    assert "%" not in shown.split("Pulsetracker", 1)[1] and "monthly messages" not in shown


# ---- apps show ------------------------------------------------------------------------------


@respx.mock
async def test_apps_show_gives_this_month_and_the_history(cmd: CommandHarness) -> None:
    route = respx.get(f"{APPS}/app_9f2c1a").respond(200, json=sample("app"))
    message = await cmd.run("apps show app_9f2c1a")
    shown = text(message)
    assert route.called
    assert "Pulsetracker app — Delivery fleet" in shown
    assert "Devices: 14" in shown
    assert "Messages in November: 8,450 (84.5% of 10k) ⚠" in shown
    assert "Created: 02 Mar 2025" in shown
    table = rows(shown)
    assert table["Nov"] == "Nov 2026 8,450 84.5% ⚠"
    assert table["Oct"] == "Oct 2026 7,120 71.2%"
    assert shown.index("Nov 2026") < shown.index("Oct 2026")
    assert message.text == (
        "Delivery fleet (app_9f2c1a): 14 devices, 8,450 messages in November 2026 "
        "(84.5% of the monthly allowance)"
    )


@respx.mock
async def test_apps_show_unknown_key_says_check_the_id(cmd: CommandHarness) -> None:
    respx.get(f"{APPS}/app_nope").respond(404, json={"message": "Not found."})
    shown = text(await cmd.run("apps show app_nope"))
    assert "Pulsetracker has nothing by that ID (no app with key 'app_nope'); check the ID" in shown


def uuid_app(key: str, name: str) -> dict[str, object]:
    return {**sample("app")["data"], "key": key, "name": name}


LONG_KEY = "273f2ea6-9ee3-4ef9-8df4-37af3b2faae7"


@respx.mock
async def test_long_keys_are_shortened_in_the_table_and_the_short_form_is_accepted(
    cmd: CommandHarness,
) -> None:
    page = sample("apps_page2")
    page["data"] = [uuid_app(LONG_KEY, "Snow Ploughs"), uuid_app("273f0000-aa", "Other")]
    respx.get(APPS).respond(200, json=page)
    listed = await cmd.run("apps --page 2")
    assert [r[:2] for r in table(listed)[1:]] == [
        ["Snow Ploughs", "273f2ea6…"],
        ["Other", "273f0000-aa"],  # short enough to show whole
    ]
    assert "one app: `/pulse apps show KEY` (the short key works)" in text(listed)

    respx.get(f"{APPS}/273f2ea6").respond(404, json={"message": "Not found."})
    whole = respx.get(f"{APPS}/{LONG_KEY}").respond(200, json={"data": uuid_app(LONG_KEY, "S")})
    for typed in ("273f2ea6…", "273f2ea6", "273f2ea6..."):
        shown = text(await cmd.run(f"apps show {typed}"))
        assert f"Key: `{LONG_KEY}`" in shown  # the full key, reachable
    assert whole.called  # (answers are cached briefly: one call serves the three)
    respx.get(f"{APPS}/273f").respond(404, json={"message": "Not found."})
    assert "starts the keys of 2 apps; give more of it" in text(await cmd.run("apps show 273f"))


# ---- apps create / rename -------------------------------------------------------------------


@respx.mock
async def test_apps_create_sends_the_quoted_name_and_is_audited(cmd: CommandHarness) -> None:
    route = respx.post(APPS).respond(201, json=sample("app_created"))
    message = await cmd.run('apps create "Night shift"')
    assert json.loads(route.calls.last.request.content) == {"name": "Night shift"}
    assert message.text == "Created the Pulsetracker app Night shift with key app_new123."
    assert "See it with `/pulse apps show app_new123`" in text(message)
    (entry,) = await cmd.store.audit.list(cmd.team)
    assert entry.action == "pulsetracker.apps.create"
    assert entry.detail == {"name": "Night shift", "key": "app_new123"}
    assert entry.user_id == cmd.user_id


@respx.mock
async def test_apps_create_joins_unquoted_words(cmd: CommandHarness) -> None:
    route = respx.post(APPS).respond(201, json=sample("app_created"))
    await cmd.run("apps create Night shift")
    assert json.loads(route.calls.last.request.content) == {"name": "Night shift"}


@respx.mock
async def test_apps_create_over_quota_gives_the_services_sentence(cmd: CommandHarness) -> None:
    respx.post(APPS).respond(403, json=sample("error_403_quota"))
    shown = text(await cmd.run("apps create Night shift"))
    assert "Pulsetracker refused: the account's plan quota is used up." in shown
    assert "You have exceeded your monthly quota. Please upgrade your plan" in shown
    assert await cmd.store.audit.list(cmd.team) == [], "nothing changed, nothing audited"


@respx.mock
async def test_apps_create_refused_names_the_field(cmd: CommandHarness) -> None:
    respx.post(APPS).respond(422, json=sample("error_422"))
    shown = text(await cmd.run("apps create x"))
    assert "Pulsetracker did not accept the request: name: The name field is required." in shown


@respx.mock
async def test_apps_rename_sends_the_name_and_is_audited(cmd: CommandHarness) -> None:
    route = respx.put(f"{APPS}/app_9f2c1a").respond(200, json="Delivery fleet (north)")
    message = await cmd.run('apps rename app_9f2c1a "Delivery fleet (north)"')
    assert json.loads(route.calls.last.request.content) == {"name": "Delivery fleet (north)"}
    assert message.text == "Renamed the Pulsetracker app app_9f2c1a to Delivery fleet (north)."
    (entry,) = await cmd.store.audit.list(cmd.team)
    assert entry.action == "pulsetracker.apps.rename"
    assert entry.detail == {"key": "app_9f2c1a", "name": "Delivery fleet (north)"}


MAY_WRITE = (
    "Pulse Bot admins can {}: workspace admins and owners, people in PULSEBOT_ADMINS "
    "(set by the operator) and people added with `/pulse admins add @someone`; "
    "`/pulse admins` lists them."
)


@pytest.mark.parametrize(
    ("line", "action"),
    [
        ('apps create "Night shift"', "create Pulsetracker apps"),
        ('apps rename app_9f2c1a "Delivery fleet (north)"', "rename Pulsetracker apps"),
        ("apps rename 273f Renamed", "rename Pulsetracker apps"),  # no listing for a short key
    ],
    ids=["create", "rename", "rename-short-key"],
)
@respx.mock(assert_all_called=False)
async def test_a_member_may_not_write_to_the_account(
    cmd: CommandHarness, line: str, action: str
) -> None:
    """Creating and renaming write to the company's account: admins only (PRODUCT §7)."""
    cmd.admin = False
    cmd.user_id = "U0MEMBER"
    await cmd.store.admins.add(cmd.team, "U0FRIEND", "U0ADMIN")
    routes = [respx.post(APPS), respx.put(f"{APPS}/app_9f2c1a"), respx.get(APPS)]

    shown = text(await cmd.run(line))

    assert shown.startswith("Only " + MAY_WRITE.format(action))
    assert not any(route.called for route in routes), "the service is not asked"
    [attempt] = await cmd.store.audit.list(cmd.team)
    assert (attempt.user_id, attempt.action) == ("U0MEMBER", "permission.denied")
    assert attempt.detail == {"command": " ".join(line.split()[:2]), "refused": action}


@pytest.mark.parametrize("who", ["added", "operator"])
@respx.mock
async def test_added_and_operator_admins_may_create(cmd: CommandHarness, who: str) -> None:
    cmd.admin = False  # not a workspace admin: an admin of one of the other two kinds
    cmd.user_id = {"added": "U0FRIEND", "operator": "U0OPERATOR"}[who]
    await cmd.store.admins.add(cmd.team, "U0FRIEND", "U0ADMIN")
    respx.post(APPS).respond(201, json=sample("app_created"))
    message = await cmd.run('apps create "Night shift"')
    assert message.text == "Created the Pulsetracker app Night shift with key app_new123."


@respx.mock
async def test_apps_rename_unknown_key(cmd: CommandHarness) -> None:
    respx.put(f"{APPS}/app_nope").respond(404, json={"message": "Not found."})
    shown = text(await cmd.run("apps rename app_nope New name"))
    assert "Pulsetracker has nothing by that ID (no app with key 'app_nope')" in shown
    assert await cmd.store.audit.list(cmd.team) == []


@pytest.mark.parametrize(
    ("line", "expected", "usage"),
    [
        pytest.param("apps --page 0", "`--page` must be between 1", "apps [--page N]", id="page-0"),
        pytest.param(
            "apps --page two", "must be a whole number", "apps [--page N]", id="page-word"
        ),
        pytest.param("apps --limit 5", "does not take `--limit`", "apps [--page N]", id="option"),
        pytest.param(
            "apps shwo app_1", "`apps shwo` is not an `apps` command.", "apps [--page N]", id="typo"
        ),
        pytest.param("apps show", "Which app? Give its key", "apps show KEY", id="show-no-key"),
        pytest.param("apps show a b", "what `b` means here", "apps show KEY", id="show-two-keys"),
        pytest.param(
            "apps create", "Give the new app's name", "apps create NAME", id="create-no-name"
        ),
        pytest.param(
            'apps create ""', "Give the new app's name", "apps create NAME", id="create-empty"
        ),
        pytest.param(
            "apps rename", "Which app? Give its key, then", "apps rename KEY NAME", id="rename-none"
        ),
        pytest.param(
            "apps rename app_1", "Give the new name", "apps rename KEY NAME", id="rename-no-name"
        ),
    ],
)
async def test_bad_arguments_say_what_and_show_usage(
    cmd: CommandHarness, line: str, expected: str, usage: str
) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.route()
        shown = text(await cmd.run(line))
    assert expected in shown
    assert f"Usage: `/pulse {usage}`" in shown
    assert not route.called


async def test_typo_of_a_subcommand_suggests_it(cmd: CommandHarness) -> None:
    assert "Did you mean `/pulse apps show`?" in text(await cmd.run("apps shwo app_1"))


@respx.mock
async def test_rejected_token_says_reconnect(cmd: CommandHarness) -> None:
    respx.get(APPS).respond(401, json=sample("error_401"))
    shown = text(await cmd.run("apps"))
    assert "Pulsetracker rejected the saved credential" in shown
    assert CRED["token"] not in shown
