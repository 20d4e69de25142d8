"""The Home tab's layout: within 100 blocks whatever the workspace, buttons as given."""

from __future__ import annotations

from bot.render.home import Home, Item, ServiceState, home_view
from bot.render.limits import problems
from tests.fakes.slack_rules import refusal

SERVICES = tuple(
    ServiceState(key, key.title(), key == "weldpulse", f"*{key.title()}* — …")
    for key in ("weldpulse", "raygun")
)


def item(i: int, *, urgent: bool = False) -> Item:
    return Item(i, f"*#{i}* something", (("Remove", f"digest remove {i}", "danger"),), urgent)


def test_a_large_workspace_is_summarised_within_a_hundred_blocks() -> None:
    home = Home(
        True, SERVICES, tuple(item(i) for i in range(200)), tuple(item(i) for i in range(200))
    )
    view = home_view(home)
    assert len(view["blocks"]) <= 100
    assert problems(view, surface="home") == [] and refusal(view, surface="home") is None
    shown = str(view["blocks"])
    assert "more: `/pulse digest list` lists them all." in shown
    assert "more: `/pulse alert list` lists them all." in shown


def test_urgent_items_come_first_and_few_alerts_leave_room_for_digests() -> None:
    alerts = (item(1), item(2, urgent=True))
    view = home_view(Home(False, SERVICES, tuple(item(i) for i in range(60)), alerts))
    shown = str(view["blocks"])
    assert shown.index("*#2* something") < shown.index("*#1* something", shown.index("*Alerts*"))
    assert len(view["blocks"]) <= 100


def test_destructive_buttons_ask_first_and_connect_is_for_admins() -> None:
    admin = home_view(Home(True, SERVICES, (item(1),), ()))
    remove = next(
        e
        for b in admin["blocks"]
        for e in b.get("elements", [])
        if e.get("value") == "digest remove 1"
    )
    assert remove["confirm"]["text"]["text"] == "This runs `/pulse digest remove 1`."
    accessories = [b["accessory"]["value"] for b in admin["blocks"] if "accessory" in b]
    assert accessories == ["disconnect weldpulse", "connect raygun"]
    member = home_view(Home(False, SERVICES, (), ()))
    assert not [b for b in member["blocks"] if "accessory" in b]
