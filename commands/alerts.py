"""`/pulse alert …`: threshold alerts on any service's metrics.

Confirmations are ephemeral; the channel only sees the alerts themselves. `alert add`
says what the alert costs upstream (Raygun's 50 calls a day are shared with people) and
refuses one that would eat more than the alerts' share.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain.durations import format_duration, parse_duration
from bot.domain.formatting import plural
from bot.domain.values import amount, echo, no_such, record_number
from bot.errors import NotConnected, UsageError
from bot.features.alert_messages import condition, show_value
from bot.features.alert_metrics import (
    CATALOGUE,
    FOR_BOUNDS,
    cost_sentence,
    parse_for,
    parse_metric,
    parse_over,
    require,
)
from bot.render.blocks import context, header, section, slack_date
from bot.render.message import Message
from bot.render.table import Cell, Column, Mention, channel_cell, right, table_blocks
from bot.store.alerts import OPS, Alert, Op
from commands.channels import postable_channel
from commands.context import Context
from commands.options import channel_arg, channel_ref, reject_unknown
from commands.parsing import Args
from commands.router import Router

router = Router(group="Alerts")


def _reply(text: str) -> Message:
    return Message(text, (section(text),), shareable=False)


_GLUED = re.compile(r"([^\s<>=≥≤]+)\s*(>=|<=|>|<|≥|≤)\s*(\S+)")  # one split: linear
_SIGNS = {"≥": ">=", "≤": "<="}


def _condition(words: tuple[str, ...]) -> tuple[str, str, str]:
    """METRIC OP VALUE as typed, the comparison spaced or not (`x > 50`, `x >50`, `x>50`)."""
    if len(words) != 3:
        glued = _GLUED.fullmatch(" ".join(words))
        if glued is None:
            raise UsageError("Say what to watch: a metric, one of > >= < <=, and a number.")
        words = glued.groups()
    metric, op, value = words
    return metric, _SIGNS.get(op, op), value


def private_only(args: Args) -> None:
    """Confirmations are ephemeral: the channel sees only the alerts themselves."""
    if args.has("public"):
        raise UsageError(
            "Alert changes are confirmed to you only; the channel sees just the alerts."
        )


async def alert_arg(ctx: Context, args: Args, words: int = 1) -> Alert:
    if len(args.words) != words:
        raise UsageError("Give the alert's number, as shown by `/pulse alert list`.")
    number = record_number(args.words[0], noun="alert", listing="/pulse alert list")
    alert = await ctx.store.alerts.numbered(ctx.team, number)
    if alert is None:
        raise no_such("alert", number, listing="/pulse alert list")
    return alert


async def may_change(ctx: Context, alert: Alert, action: str) -> None:
    if alert.created_by != ctx.user_id:
        await ctx.require_admin(f"{action} other people's alerts")


ALERT_COLUMNS = [
    Column("#"),
    Column("Condition", wrap=True),
    Column("Channel"),
    Column("State"),
    right("Last value"),
    Column("Notes", wrap=True),
    Column("By"),
]


def quiet_of(ctx: Context, alert: Alert) -> tuple[str, str]:
    """(`snoozed until 23 Nov 17:30` or `muted`, who did it) — empty when neither. Plain
    text in the reader's zone: table cells show no date tokens."""
    if alert.muted:
        return "muted", alert.muted_by or ""
    if alert.snoozed_until is not None and alert.snoozed_until > ctx.now():
        until = alert.snoozed_until.astimezone(ctx.tz).strftime("%d %b %H:%M")
        return f"snoozed until {until}", alert.snoozed_by or ""
    return "", ""


def alert_row(ctx: Context, alert: Alert) -> list[Cell]:
    metric = CATALOGUE.get(alert.metric)
    last = show_value(metric, alert.last_value) if alert.last_value is not None else "—"
    quiet, who = quiet_of(ctx, alert)
    held = f"for {format_duration(alert.for_seconds)}" if alert.for_seconds else ""
    kept = (
        f"keep firing {format_duration(alert.keep_firing_seconds)}"
        if alert.keep_firing_seconds
        else ""
    )
    return [
        f"#{alert.number}",
        condition(alert),
        channel_cell(alert.channel_id),
        alert.state,
        last,
        " · ".join(n for n in (held, kept, quiet) if n) or "—",
        Mention("user", who) if who else "—",
    ]


def catalogue_text() -> str:
    return "\n".join(
        f"`{m.name}` — {m.description}" + (" (now)" if m.point_in_time else "")
        for m in CATALOGUE.values()
    )


@router.command("alert add")
async def alert_add(ctx: Context, args: Args) -> Message:
    """alert add METRIC OP VALUE [--over WINDOW] [--for DURATION] [--keep-firing DURATION] [--in CHANNEL]

    Post into a channel when a metric crosses a threshold;
    `/pulse alert list` shows the metrics.

    VALUE is a number as the bot prints it (50, 2.5k, 1M); rates and scores are 0 to 100.
    An alert resolves at the first check where the condition no longer holds;
    `--keep-firing` keeps it firing until the condition has been false that long.

    /pulse alert add weldpulse.realtime > 50
    /pulse alert add weldpulse.bounce_rate >= 70 --over 6h --for 30m --in #growth
    /pulse alert add pulsepro.overdue_actions > 5 --in here
    /pulse alert add raygun.sessions < 10 --over 6h --keep-firing 2h
    """  # noqa: E501 (the usage line, as PRODUCT §2 spells it)
    private_only(args)
    reject_unknown(args, {"over", "for", "keep-firing", "in"})
    name, op, value = _condition(args.words)
    metric = parse_metric(name)
    if op not in OPS:
        raise UsageError(f"`{echo(op)}` is not a comparison: use >, >=, < or <=.")
    low, high = metric.bounds
    threshold = amount(value, what=f"A threshold for {metric.name}", low=low, high=high)
    over = parse_over(args.option("over") or "1h")
    hold = parse_for(args.option("for") or "0")
    keep = parse_duration(
        args.option("keep-firing") or "0",
        minimum=FOR_BOUNDS[0],
        maximum=FOR_BOUNDS[1],
        option="--keep-firing",
    )
    channel = channel_arg(ctx, args.option("in") or "here")
    if metric.service not in ctx.directory.connected():
        raise NotConnected(metric.service)
    require(metric, ctx.directory)  # e.g. quota_percent needs an allowance: said before joining
    target = await postable_channel(ctx, args.option("in") or "here")  # may join it
    checked_op: Op = op
    alert = await ctx.alerts.add(
        ctx.team,
        ctx.user_id,
        metric=metric,
        op=checked_op,
        threshold=threshold,
        over_seconds=over,
        for_seconds=hold,
        channel_id=channel,
        keep_firing_seconds=keep,
    )
    note = ""
    if metric.point_in_time and args.option("over"):
        note = f" `--over` is ignored: {metric.name} is a point-in-time value."
    if target.note:
        note += f" {target.note}"
    return _reply(
        f"Alert #{alert.number} added: {condition(alert)} → "
        f"{channel_ref(channel)}. {cost_sentence(metric, ctx.alerts.interval)}{note}"
    )


@router.command("alert list")
async def alert_list(ctx: Context, args: Args) -> Message:
    """alert list

    This workspace's alerts with their state, and every metric you can watch.
    """
    alerts = await ctx.store.alerts.list(ctx.team)
    blocks = [header("Alerts")]
    if alerts:
        rows = [alert_row(ctx, a) for a in alerts]
        blocks += table_blocks(ALERT_COLUMNS, rows, noun="alerts")
    else:
        blocks.append(section("No alerts yet. Try `/pulse alert add weldpulse.realtime > 50`."))
    blocks += [
        section("*Metrics*\n" + catalogue_text()),
        context("Windows and durations look like 30m, 1h, 6h, 1d."),
    ]
    firing = sum(1 for a in alerts if a.state == "firing")
    count = plural(len(alerts), "alert")
    return Message(f"{count}, {firing} firing", tuple(blocks))


@router.command("alert remove")
async def alert_remove(ctx: Context, args: Args) -> Message:
    """alert remove ID

    Delete an alert.

    /pulse alert remove 4
    """
    private_only(args)
    alert = await alert_arg(ctx, args)
    await may_change(ctx, alert, "remove")
    await ctx.alerts.remove(alert, ctx.user_id)
    return _reply(f"Alert #{alert.number} removed.")


@router.command("alert snooze")
async def alert_snooze(ctx: Context, args: Args) -> Message:
    """alert snooze ID DURATION

    Keep an alert quiet for a while (it is still checked); 0 ends a snooze.

    /pulse alert snooze 4 2h
    """
    private_only(args)
    if len(args.words) != 2:
        raise UsageError("Give the alert's number and how long, e.g. `2h`.")
    alert = await alert_arg(ctx, Args(args.words[:1], args.options, args.flags))
    length = parse_duration(args.words[1], minimum=0, maximum=30 * 86400, option="DURATION")
    await may_change(ctx, alert, "snooze")
    updated = await ctx.alerts.snooze(ctx.team, alert.id, ctx.user_id, timedelta(seconds=length))
    if length == 0:
        return _reply(f"Alert #{alert.number} is no longer snoozed.")
    until = updated.snoozed_until if updated and updated.snoozed_until else ctx.now()
    return _reply(f"Alert #{alert.number} is snoozed until {slack_date(until, ctx.tz)}.")


@router.command("alert mute")
async def alert_mute(ctx: Context, args: Args) -> Message:
    """alert mute ID

    Keep an alert from posting until it is unmuted (it is still checked).

    /pulse alert mute 4
    """
    private_only(args)
    alert = await alert_arg(ctx, args)
    await may_change(ctx, alert, "mute")
    await ctx.alerts.mute(ctx.team, alert.id, ctx.user_id)
    return _reply(
        f"Alert #{alert.number} is muted: it keeps being checked but posts nothing. "
        f"`/pulse alert unmute {alert.number}` undoes it."
    )


@router.command("alert unmute")
async def alert_unmute(ctx: Context, args: Args) -> Message:
    """alert unmute ID

    Let a muted alert post again.

    /pulse alert unmute 4
    """
    private_only(args)
    alert = await alert_arg(ctx, args)
    await may_change(ctx, alert, "unmute")
    if not alert.muted:
        return _reply(f"Alert #{alert.number} is not muted.")
    await ctx.alerts.unmute(ctx.team, alert.id, ctx.user_id)
    return _reply(f"Alert #{alert.number} is no longer muted.")
