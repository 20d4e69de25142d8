"""The App Home tab: the workspace's dashboard for the person looking at it (PRODUCT §9).

`home_view(home)` is a `views.publish` view: each service with its state and, for admins,
Connect or Disconnect; the digests and alerts with the buttons this person may use; a
short "try this" list. Every button carries the `/pulse` line it stands for, so pressing
it runs the same command (permissions, audit and sentences included) and the tab is
published again with what happened at the top.

A Home tab holds 100 blocks (docs.slack.dev, "Home tabs"); tables and charts are for
messages only, so lists here are sections. A large workspace sees as many digests and
alerts as fit (alerts that are firing first), and a line naming the command listing all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.render.blocks import Block, context, divider, header, section, truncate
from bot.render.limits import MAX_HOME_BLOCKS, fit

HOME_ACTION = "home"  # action IDs start with this; the value is the /pulse line
TRY = (
    "`/pulse stats` — every connected service at a glance",
    "`/pulse pages 30d` — the most visited pages",
    "`/pulse timeseries 7d` — visitors per day as a chart",
    "`/pulse digest add #team weekdays 09:00` — a morning digest",
    "`/pulse alert add weldpulse.realtime > 50` — hear when the site is busy",
)

NO_DIGESTS = "No digests yet: `/pulse digest add #team weekdays 09:00`."
NO_ALERTS = "No alerts yet: `/pulse alert add weldpulse.realtime > 50`."


@dataclass(frozen=True, slots=True)
class ServiceState:
    key: str
    name: str
    connected: bool
    line: str  # mrkdwn: state, last success, last error, headroom


@dataclass(frozen=True, slots=True)
class Item:
    """A digest or an alert: its line, and the buttons as (label, /pulse line, style)."""

    id: int
    line: str
    buttons: tuple[tuple[str, str, str | None], ...] = ()
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class Home:
    admin: bool
    services: tuple[ServiceState, ...]
    digests: tuple[Item, ...]
    alerts: tuple[Item, ...]
    notice: str | None = None


def button(label: str, line: str, style: str | None = None, n: int = 0) -> dict[str, Any]:
    """A button running `/pulse LINE` as the person who presses it."""
    words = line.split()
    element: dict[str, Any] = {
        "type": "button",
        "action_id": "_".join([HOME_ACTION, str(n), *words[:2]]),
        "text": {"type": "plain_text", "text": label},
        "value": line,
    }
    if style:
        element["style"] = style
    if words[:2] in (["digest", "remove"], ["alert", "remove"]) or words[0] == "disconnect":
        element["confirm"] = {
            "title": {"type": "plain_text", "text": "Are you sure?"},
            "text": {"type": "plain_text", "text": f"This runs `/pulse {line}`."},
            "confirm": {"type": "plain_text", "text": label},
            "deny": {"type": "plain_text", "text": "Cancel"},
            "style": "danger",
        }
    return element


def _service(state: ServiceState, admin: bool) -> Block:
    block = section(state.line)
    if admin:
        label, line, style = (
            ("Disconnect", f"disconnect {state.key}", "danger")
            if state.connected
            else ("Connect", f"connect {state.key}", "primary")
        )
        block["accessory"] = button(label, line, style)
    return block


def _items(items: Sequence[Item], room: int, empty: str, listing: str) -> list[Block]:
    if not items:
        return [section(empty)]
    blocks: list[Block] = []
    shown = 0
    for item in sorted(items, key=lambda i: (not i.urgent, i.id)):
        need = 2 if item.buttons else 1
        if len(blocks) + need > room - 1:
            break
        blocks.append(section(item.line))
        if item.buttons:
            elements = [button(lbl, ln, st, n) for n, (lbl, ln, st) in enumerate(item.buttons)]
            block_id = f"{HOME_ACTION}:{listing.split()[1]}:{item.id}"
            blocks.append({"type": "actions", "block_id": block_id, "elements": elements})
        shown += 1
    if shown < len(items):
        blocks.append(context(f"…and {len(items) - shown} more: `{listing}` lists them all."))
    return blocks


def home_view(home: Home) -> dict[str, Any]:
    """The Home tab for one person, within 100 blocks."""
    top: list[Block] = [header("Pulse Bot")]
    if home.notice:
        said = truncate(home.notice, 2800).splitlines() or [""]
        top.append(section("\n".join(f"> {line}" for line in said)))  # what just happened
    if not any(s.connected for s in home.services):
        start = (
            "Nothing is connected yet. Press *Connect* beside a service to add its account"
            if home.admin
            else "Nothing is connected yet. A Pulse Bot admin can connect a service with "
            "`/pulse connect SERVICE`; `/pulse admins` says who they are"
        )
        top.append(section(start + ", then try `/pulse stats`."))
    top.append(section("*Services*"))
    top += [_service(s, home.admin) for s in home.services]
    tail = [divider(), section("*Try this*\n" + "\n".join(TRY)), context(_footer(home.admin))]
    room = MAX_HOME_BLOCKS - len(top) - len(tail) - 4  # two dividers and two titles
    alert_room = max(room // 2, room - 2 * len(home.digests) - 1)
    digest_room = room - min(alert_room, 2 * len(home.alerts) + 1)
    digests = _items(home.digests, digest_room, NO_DIGESTS, "/pulse digest list")
    alerts = _items(home.alerts, room - len(digests), NO_ALERTS, "/pulse alert list")
    blocks = [
        *top,
        divider(),
        section("*Digests*"),
        *digests,
        divider(),
        section("*Alerts*"),
        *alerts,
        *tail,
    ]
    fitted = fit(
        {"text": "Pulse Bot", "blocks": blocks}, max_blocks=MAX_HOME_BLOCKS, max_chars=None
    )
    return {"type": "home", "blocks": fitted["blocks"]}


def _footer(admin: bool) -> str:
    if admin:
        return "You are a Pulse Bot admin: you may connect services and change any digest or alert."
    return "You may change the digests and alerts you created; admins may change them all."
