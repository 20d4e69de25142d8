"""The App Home tab: what one person sees there, published with `views.publish`.

`dashboard(ctx)` reads the workspace as that person may act on it — services (state,
last success and error, headroom; Raygun's calls left today), digests (schedule,
channel, next run, paused) and alerts (condition, state, who snoozed or muted it) — and
`bot.render.home` lays it out. `publish` is called on `app_home_opened`, after each
button pressed there, and after the connect form opened from there is saved.
"""

from __future__ import annotations

import contextlib
import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import messages
from bot.clients import registry
from bot.errors import NotConnected
from bot.features.alert_messages import condition
from bot.listeners.deps import Deps, request_context
from bot.render.home import Home, Item, ServiceState, home_view
from bot.slack.lookups import slack_error
from bot.store.alerts import Alert
from bot.store.digests import Digest
from bot.team import Team
from commands.alerts import quiet_of
from commands.connect import headroom_of, service_line
from commands.context import Context
from commands.digests import summary as digest_summary
from commands.options import channel_ref

log = logging.getLogger(__name__)

#: The `/pulse` lines a Home button may run (its value is checked against them).
HOME_COMMANDS = (
    "connect",
    "disconnect",
    "digest run",
    "digest pause",
    "digest resume",
    "digest remove",
    "alert snooze",
    "alert mute",
    "alert unmute",
    "alert remove",
)


def allowed(line: str) -> bool:
    words = line.split()
    return any(words[: len(c.split())] == c.split() for c in HOME_COMMANDS) and len(words) <= 4


async def _services(ctx: Context) -> tuple[ServiceState, ...]:
    infos = {i.service: i for i in await ctx.store.credentials.list(ctx.team)}
    states = []
    for key in registry.KEYS:
        if key in infos:
            with contextlib.suppress(NotConnected):  # a pooled client knows its headroom
                ctx.directory.get(registry.spec(key))
        name = messages.service_name(key)
        headroom = await headroom_of(ctx, key) if key in infos else ""
        line = service_line(ctx, key, infos.get(key), headroom)
        states.append(ServiceState(key, name, key in infos, line))
    return tuple(states)


def _digest(ctx: Context, digest: Digest, may: bool) -> Item:
    buttons: list[tuple[str, str, str | None]] = []
    if may:
        buttons.append(("Run now", f"digest run {digest.number}", "primary"))
        toggle = ("Resume", "resume") if digest.paused else ("Pause", "pause")
        buttons.append((toggle[0], f"digest {toggle[1]} {digest.number}", None))
        buttons.append(("Remove", f"digest remove {digest.number}", "danger"))
    return Item(digest.number, digest_summary(ctx, digest), tuple(buttons), urgent=digest.paused)


def _alert(ctx: Context, alert: Alert, may: bool) -> Item:
    quiet, who = quiet_of(ctx, alert)
    line = (
        f"*#{alert.number}* {condition(alert)} → {channel_ref(alert.channel_id)} · *{alert.state}*"
    )
    if quiet:
        line += f" · {quiet}" + (f" by <@{who}>" if who else "")
    buttons: list[tuple[str, str, str | None]] = []
    if may:
        if alert.muted:
            buttons.append(("Unmute", f"alert unmute {alert.number}", "primary"))
        else:
            if quiet:
                buttons.append(("End snooze", f"alert snooze {alert.number} 0", None))
            else:
                buttons.append(("Snooze 1h", f"alert snooze {alert.number} 1h", None))
                buttons.append(("Snooze 24h", f"alert snooze {alert.number} 24h", None))
            buttons.append(("Mute", f"alert mute {alert.number}", None))
        buttons.append(("Remove", f"alert remove {alert.number}", "danger"))
    return Item(alert.number, line, tuple(buttons), urgent=alert.state == "firing")


async def dashboard(ctx: Context, notice: str | None = None) -> Home:
    admin = await ctx.is_admin()
    digests = await ctx.store.digests.list(ctx.team)
    alerts = await ctx.store.alerts.list(ctx.team)
    return Home(
        admin=admin,
        services=await _services(ctx),
        digests=tuple(_digest(ctx, d, admin or d.created_by == ctx.user_id) for d in digests),
        alerts=tuple(_alert(ctx, a, admin or a.created_by == ctx.user_id) for a in alerts),
        notice=notice,
    )


async def publish(
    deps: Deps,
    client: AsyncWebClient,
    team: Team,
    user_id: str,
    notice: str | None = None,
    ctx: Context | None = None,
) -> bool:
    """Publish `user_id`'s Home tab; False (logged) when Slack refuses it."""
    ctx = ctx or await request_context(deps, client, team, user_id, "")
    view = home_view(await dashboard(ctx, notice))
    try:
        await client.views_publish(user_id=user_id, view=view)
    except SlackApiError as exc:
        log.warning("views.publish failed for %s: %s", user_id, slack_error(exc))
        return False
    except (aiohttp.ClientError, OSError) as exc:  # TimeoutError is an OSError
        log.warning("views.publish did not reach Slack for %s: %s", user_id, type(exc).__name__)
        return False
    return True
