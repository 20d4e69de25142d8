"""What alerts say: the condition in words, the firing and resolved messages, buttons.

Times are Slack date tokens (`slack_date`), so each reader sees their own zone; the
fallback is UTC, as a channel has no one zone. An alert's message says who snoozed or
muted it and until when (`quiet_note`); a muted alert's firing message carries an Unmute
button instead of Snooze and Mute.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.domain.durations import format_duration
from bot.domain.formatting import duration, human
from bot.features.alert_metrics import CATALOGUE, Metric
from bot.render.blocks import context, section, slack_date
from bot.store._rows import parse_iso
from bot.store.alerts import Alert

SNOOZE_1H = "alert_snooze_1h"
SNOOZE_24H = "alert_snooze_24h"
MUTE = "alert_mute"
UNMUTE = "alert_unmute"
SNOOZES = {SNOOZE_1H: timedelta(hours=1), SNOOZE_24H: timedelta(hours=24)}
BUTTONS = (*SNOOZES, MUTE, UNMUTE)  # every button an alert's message may carry


def show_value(metric: Metric | None, value: float | None) -> str:
    if value is None or value != value:  # None or NaN
        return "no value"
    if metric is not None and metric.unit == "percent":
        return f"{value:.1f}%"
    if metric is not None and metric.unit == "seconds":
        return duration(value)
    return human(value)


def condition(alert: Alert) -> str:
    metric = CATALOGUE.get(alert.metric)
    window = (
        ""
        if metric is None or metric.point_in_time
        else (f" over {format_duration(alert.over_seconds)}")
    )
    return f"{alert.metric} {alert.op} {show_value(metric, alert.value)}{window}"


def quiet_note(alert: Alert, now: datetime) -> str | None:
    """Who muted the alert, or who snoozed it and until when; None when it is neither."""
    if alert.muted:
        by = f" by <@{alert.muted_by}>" if alert.muted_by else ""
        return (
            f":mute: Muted{by}: it posts nothing until unmuted "
            f"(`/pulse alert unmute {alert.number}`)."
        )
    if alert.snoozed_until is not None and alert.snoozed_until > now:
        by = f" by <@{alert.snoozed_by}>" if alert.snoozed_by else ""
        return f":zzz: Snoozed{by} until {slack_date(alert.snoozed_until)}."
    return None


def firing_message(
    alert: Alert, value: float, since: datetime | None, now: datetime
) -> dict[str, Any]:
    """The firing message as it stands at `now` (who silenced it, which buttons); `since`
    is when it started firing, left out when not known."""
    metric = CATALOGUE.get(alert.metric)
    text = (
        f":rotating_light: *{condition(alert)}* — now *{show_value(metric, value)}* "
        f"(threshold {show_value(metric, alert.value)})"
    )
    about = metric.description if metric else alert.metric
    firing = f" · firing since {slack_date(since)}" if since is not None else ""
    blocks = [
        section(text),
        context(f"Alert #{alert.number} · {about}{firing} · set by <@{alert.created_by}>"),
    ]
    note = quiet_note(alert, now)
    if note:
        blocks.append(context(note))
    buttons = (
        [_button(UNMUTE, "Unmute", alert.id, style="primary")]
        if alert.muted
        else [
            _button(SNOOZE_1H, "Snooze 1h", alert.id),
            _button(SNOOZE_24H, "Snooze 24h", alert.id),
            _button(MUTE, "Mute", alert.id, style="danger"),
        ]
    )
    blocks.append({"type": "actions", "block_id": f"alert:{alert.id}", "elements": buttons})
    return {
        "text": (
            f"Alert #{alert.number} firing: {condition(alert)} (now {show_value(metric, value)})"
        ),
        "blocks": blocks,
    }


def _button(action_id: str, label: str, alert_id: int, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label},
        "value": str(alert_id),
    }
    if style:
        button["style"] = style
    return button


def resolved_message(alert: Alert, value: float, now: datetime) -> dict[str, Any]:
    metric = CATALOGUE.get(alert.metric)
    text = f":white_check_mark: *Resolved:* {condition(alert)} — now {show_value(metric, value)}"
    blocks = [section(text), context(f"Alert #{alert.number} · resolved {slack_date(now)}")]
    note = quiet_note(alert, now)
    if note:
        blocks.append(context(note))
    return {"text": f"Alert #{alert.number} resolved: {condition(alert)}", "blocks": blocks}


def announcement_message(
    alert: Alert, entry: dict[str, Any]
) -> tuple[dict[str, Any], str | None, tuple[str, dict[str, Any]] | None]:
    """What an outbox entry says: (the message, the thread it goes in, and for a recovery
    the firing message's ts with what it is edited to)."""
    metric = CATALOGUE.get(alert.metric)
    kind, at = entry["kind"], parse_iso(entry["at"])
    value = float(entry.get("value", float("nan")))
    if kind == "fire":
        return firing_message(alert, value, alert.state_since, at), None, None
    if kind == "remind":
        since = at - parse_iso(entry["since"])
        text = (
            f"Still firing after {format_duration(int(since.total_seconds()))}: "
            f"{condition(alert)} — now {show_value(metric, value)}"
        )
        return {"text": text}, alert.message_ts, None
    if kind == "resolve":
        ts = str(entry["ts"])
        edited = resolved_message(alert, value, at)
        return {"text": f"Resolved: now {show_value(metric, value)}."}, ts, (ts, edited)
    if kind == "unknown":
        text = (
            f":grey_question: Alert #{alert.number} ({condition(alert)}) cannot be checked: "
            f"{entry['detail']} It has failed {entry['failures']} times in a row; "
            "I'll say when it can be checked again."
        )
        return {"text": text}, None, None
    return {"text": f"Alert #{alert.number} ({condition(alert)}) can be checked again."}, None, None
