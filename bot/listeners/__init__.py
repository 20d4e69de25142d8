"""Bolt glue: module-level listeners, one `register(app)` per kind.

    commands.py   /pulse
    actions.py    Share in channel, alert Snooze/Mute, App Home buttons
    views.py      the connect form
    events.py     uninstall, App Home opened, redelivery de-duplication
    home.py       the App Home dashboard, published for one person
    respond.py    answers through response_url, checked, resent plain when refused

Everything a listener needs arrives in `Deps`, through Bolt's context.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond

from bot.errors import PulseError
from bot.listeners import actions, commands, events, views
from bot.listeners.deps import Deps, Provide
from bot.listeners.respond import deliver
from commands import dispatch


async def on_error(error: Exception, body: dict[str, Any], respond: AsyncRespond | None) -> None:
    """What no listener caught: logged with a reference, and — where the person can be
    answered — one sentence (a `PulseError`'s own, or the reference) instead of silence."""
    if isinstance(error, PulseError):
        message = dispatch.error_message(error)
    else:
        message = dispatch.unexpected_message(f"Slack listener ({body.get('type', '?')})")
    if respond is not None and respond.response_url:
        await deliver(respond, message.to_slack(), response_type="ephemeral")


def register(app: AsyncApp, deps: Deps) -> None:
    app.use(Provide(deps))
    # Bolt tries listeners in this order, asking each whether it matches: `/pulse`, by far
    # the most frequent request, first.
    for kind in (commands, actions, views, events):
        kind.register(app)
    app.error(on_error)
