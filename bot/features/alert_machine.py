"""The alert state machine (pure, no I/O): one observation in, the new state and what to
say out.

    ok ──true──▶ pending ──held for --for──▶ firing ──false (for --keep-firing)──▶ ok
     ▲              │ false (silently)          │
     └──────────────┘                           └─ reminder at most every 4 hours
    any state ──3 failures in a row──▶ unknown ──success──▶ ok / firing

`step(state, observation, rule, now)` answers the new `AlertState` (the persisted columns
of `bot.store.alerts.Alert`) and a list of effects for the caller to carry out:

- `Fire(value)`: post the alert. The caller stores the posted message's ts and channel in
  the new state's `message_ts`/`message_channel`.
- `Remind(value, firing_since)`: still firing; at most one every `REMIND_EVERY` (4 h),
  counted from the last post about the alert.
- `Resolve(value, message_ts, message_channel)`: edit the firing message and post
  "resolved" in its thread. Only emitted when a firing message was posted.
- `Unknown(failures, detail)`: the upstream failed `FAILURES_FOR_UNKNOWN` (3) times in a
  row; said once per outage. `UpstreamBack()`: the first success after it; said once.

Recovery and flapping (PRODUCT §6, deterministic):

1. *Resolve promptly.* A firing alert resolves at the first evaluation where the condition
   no longer holds, unless the rule has `keep_firing_seconds` (`--keep-firing`, as
   Prometheus' `keep_firing_for`): then it stays firing, silently, until the condition has
   been false that long, counted from the first evaluation where it stopped holding
   (`clear_since`); holding again meanwhile cancels that count.
2. *Damp on the way up.* If the alert posted (fire, reminder or resolve) less than
   `REFIRE_WINDOW` (4 hours, the reminder pace) ago, the condition must hold for
   `REFIRE_HOLD` (5 minutes), or `--for` if longer, before it fires again. A value dancing
   around the threshold therefore gives one fire and one resolve, then nothing until it
   holds for 5 minutes or the 4 hours have passed; a real recurrence still fires, 5
   minutes late.

A condition that stops holding while pending returns to ok silently.

Snooze (`snoozed_until` in the future) and mute suppress `Fire` and `Remind` while the
state still advances; a `Resolve` of a message that was posted is still emitted. Mute
also suppresses `Unknown` and `UpstreamBack`. An alert that started firing while silenced
posts its `Fire` once the silence ends, if the condition still holds then.

How the columns are used: `state_since` is when the current state began; `pending_since`
is when the condition started holding while *pending* (None otherwise); `clear_since` is
when it stopped holding while *firing* (the clock of rule 1, None while it holds);
`last_reminder_at` is the last time the alert posted anything (fire, reminder or
resolve); `message_ts`/`message_channel` name the firing message and are cleared by
`Resolve`; a firing alert that becomes unknown keeps them, so a later recovery can still
edit it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from bot.store.alerts import Alert, Op

StateName = Literal["ok", "pending", "firing", "unknown"]

REMIND_EVERY = timedelta(hours=4)
FAILURES_FOR_UNKNOWN = 3
REFIRE_WINDOW = timedelta(hours=4)
REFIRE_HOLD = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Rule:
    op: Op
    threshold: float
    for_seconds: int = 0
    keep_firing_seconds: int = 0


def compare(op: str, value: float, threshold: float) -> bool:
    """Whether `value OP threshold` holds; never for NaN (a metric with no data)."""
    if math.isnan(value) or math.isnan(threshold):
        return False
    if op == ">":
        return value > threshold
    if op == ">=":
        return value >= threshold
    if op == "<":
        return value < threshold
    if op == "<=":
        return value <= threshold
    raise ValueError(f"unknown operator {op!r}")


@dataclass(frozen=True, slots=True)
class Failure:
    """The metric could not be read; `detail` is one safe sentence about why."""

    detail: str = ""


Observation = float | Failure


@dataclass(frozen=True, slots=True)
class AlertState:
    """The persisted state columns of an alert (see the module docstring for their use)."""

    state: StateName
    state_since: datetime
    pending_since: datetime | None = None
    last_value: float | None = None
    consecutive_failures: int = 0
    message_ts: str | None = None
    message_channel: str | None = None
    last_reminder_at: datetime | None = None
    snoozed_until: datetime | None = None
    muted: bool = False
    unknown_announced: bool = False
    clear_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Fire:
    value: float


@dataclass(frozen=True, slots=True)
class Remind:
    value: float
    firing_since: datetime


@dataclass(frozen=True, slots=True)
class Resolve:
    value: float
    message_ts: str
    message_channel: str | None


@dataclass(frozen=True, slots=True)
class Unknown:
    failures: int
    detail: str


@dataclass(frozen=True, slots=True)
class UpstreamBack:
    pass


Effect = Fire | Remind | Resolve | Unknown | UpstreamBack


# ---- the machine ------------------------------------------------------------------------


def step(
    state: AlertState, observation: Observation, rule: Rule, now: datetime
) -> tuple[AlertState, list[Effect]]:
    """Advance the alert by one evaluation at `now`."""
    if state.snoozed_until is not None and state.snoozed_until <= now:
        state = replace(state, snoozed_until=None)  # the snooze is over
    if isinstance(observation, Failure):
        return _failed(state, observation, now)

    value = float(observation)
    effects: list[Effect] = []
    if state.state == "unknown":
        if state.unknown_announced and not state.muted:
            effects.append(UpstreamBack())
        if state.message_ts is not None:  # it was firing: carry on from there
            state = replace(state, state="firing", state_since=now)
        else:
            state = replace(
                state, state="ok", state_since=now, pending_since=None, clear_since=None
            )
    state = replace(
        state,
        consecutive_failures=0,
        unknown_announced=False,
        last_value=None if math.isnan(value) else value,
    )
    held = compare(rule.op, value, rule.threshold)
    silenced = state.muted or state.snoozed_until is not None
    if state.state == "firing":
        state, more = _firing(state, held, value, rule, now, silenced)
    else:
        state, more = _quiet(state, held, value, rule, now, silenced)
    return state, effects + more


def _failed(state: AlertState, failure: Failure, now: datetime) -> tuple[AlertState, list[Effect]]:
    failures = state.consecutive_failures + 1
    state = replace(state, consecutive_failures=failures)
    if state.state != "unknown" and failures >= FAILURES_FOR_UNKNOWN:
        state = replace(state, state="unknown", state_since=now, pending_since=None)
    if state.state == "unknown" and not state.unknown_announced and not state.muted:
        return replace(state, unknown_announced=True), [Unknown(failures, failure.detail)]
    return state, []


def _quiet(
    state: AlertState, held: bool, value: float, rule: Rule, now: datetime, silenced: bool
) -> tuple[AlertState, list[Effect]]:
    """ok or pending."""
    if not held:
        if state.state == "pending":
            return replace(state, state="ok", state_since=now, pending_since=None), []
        return state, []
    if state.state != "pending" or state.pending_since is None:
        state = replace(state, state="pending", state_since=now, pending_since=now)
    assert state.pending_since is not None
    hold = timedelta(seconds=rule.for_seconds)
    posted = state.last_reminder_at
    if posted is not None and now - posted < REFIRE_WINDOW:
        hold = max(hold, REFIRE_HOLD)
    if now - state.pending_since < hold:
        return state, []
    fired = replace(state, state="firing", state_since=now, pending_since=None, clear_since=None)
    if silenced:
        return fired, []
    return replace(fired, last_reminder_at=now), [Fire(value)]


def _firing(
    state: AlertState, held: bool, value: float, rule: Rule, now: datetime, silenced: bool
) -> tuple[AlertState, list[Effect]]:
    if not held:
        clear_since = state.clear_since or now
        if now - clear_since < timedelta(seconds=rule.keep_firing_seconds):
            return replace(state, clear_since=clear_since), []  # rule 1: kept firing
        ok = replace(
            state,
            state="ok",
            state_since=now,
            pending_since=None,
            clear_since=None,
            message_ts=None,
            message_channel=None,
        )
        if state.message_ts is None:
            return ok, []
        resolve = Resolve(value, state.message_ts, state.message_channel)
        return replace(ok, last_reminder_at=now), [resolve]
    state = replace(state, pending_since=None, clear_since=None)
    if silenced:
        return state, []
    last = state.last_reminder_at
    due = last is None or now - last >= REMIND_EVERY
    if state.message_ts is None:
        # Never posted: it fired while silenced (post now), or the post failed (retry
        # at the reminder pace).
        if due or (last is not None and last < state.state_since):
            return replace(state, last_reminder_at=now), [Fire(value)]
        return state, []
    if due:
        return replace(state, last_reminder_at=now), [Remind(value, state.state_since)]
    return state, []


# ---- to and from storage ----------------------------------------------------------------


def state_of(alert: Alert) -> AlertState:
    return AlertState(
        state=alert.state,
        state_since=alert.state_since,
        pending_since=alert.pending_since,
        last_value=alert.last_value,
        consecutive_failures=alert.consecutive_failures,
        message_ts=alert.message_ts,
        message_channel=alert.message_channel,
        last_reminder_at=alert.last_reminder_at,
        snoozed_until=alert.snoozed_until,
        muted=alert.muted,
        unknown_announced=alert.unknown_announced,
        clear_since=alert.clear_since,
    )


def rule_of(alert: Alert) -> Rule:
    return Rule(alert.op, alert.value, alert.for_seconds, alert.keep_firing_seconds)


def changes(before: AlertState, after: AlertState) -> dict[str, Any]:
    """The columns that differ, as keyword arguments for `update_alert_state`."""
    return {
        f.name: getattr(after, f.name)
        for f in fields(AlertState)
        if getattr(after, f.name) != getattr(before, f.name)
    }
