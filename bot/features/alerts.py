"""Threshold alerts: evaluate, say what changed exactly once, answer the buttons.

Every PULSEBOT_ALERT_INTERVAL seconds `Alerts.evaluate_all` measures each due alert's
metric through the workspace's pooled clients (fresh values; limits and budgets still
apply; alerts on the same metric and window in a workspace share one measurement) and
runs `bot.features.alert_machine.step`. Each group of alerts is evaluated on its own, with
its own deadline: a stuck service or workspace never delays another's alerts, and a group
still busy from an earlier round is left to finish rather than started again.

What the machine says (fire, remind, resolve, unknown, back) goes into the alert's
outbox in the same write as the state it announces, and is then delivered, oldest first,
until Slack accepts it; what Slack did not accept is tried again at every evaluation.
Each announcement has a key (`alert:<id>:<n>`) that tags its message, so one that may
have reached Slack before a crash or a timeout is found there rather than posted twice.

Snooze, mute and unmute (buttons and commands alike) are stored with who did it and then
shown in the firing message at once, by whoever acted: a `chat.update` of the stored
`message_ts`, best-effort rather than queued. It tells the channel nothing new (the
person is answered, the audit trail has it), the outbox is written only by the evaluator,
and the next edit (a resolve) renders the attribution anyway; a refused edit is logged.
It never stands over a resolve it raced: the machine clears `message_ts` before a
resolve is delivered, so when it is gone after the edit, the resolve is put back.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from datetime import datetime, timedelta
from typing import Any

from bot import messages, telemetry
from bot.clients import registry
from bot.clients.pool import ClientPool
from bot.clock import Clock
from bot.errors import PulseError
from bot.features.alert_machine import (
    REMIND_EVERY,
    AlertState,
    Effect,
    Failure,
    Fire,
    Remind,
    Resolve,
    Unknown,
    changes,
    rule_of,
    state_of,
    step,
)
from bot.features.alert_messages import (
    BUTTONS,
    MUTE,
    SNOOZES,
    UNMUTE,
    announcement_message,
    firing_message,
    resolved_message,
)
from bot.features.alert_metrics import CATALOGUE, Metric, check_budget, daily_cost, due, measure
from bot.features.costs import scheduled_use
from bot.features.poster import Posted, Poster
from bot.render.blocks import slack_date
from bot.store import Store
from bot.store._rows import iso, opt_iso
from bot.store.alerts import Alert, Op
from bot.team import Team

log = logging.getLogger(__name__)

#: Seconds one group's measurement may take in all (Raygun: a session key, then a search).
EVALUATION_DEADLINE = 30.0
_REPEATABLE = ("fire", "remind")  # said again only once the pending one is out
#: Slack's answers that no retry can change until someone acts (the channel, the token):
#: the announcement waits the reminder pace, not one evaluation, before it is tried again.
REFUSALS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "restricted_action",
        "token_revoked",
        "invalid_auth",
        "account_inactive",
        "not_installed",
    }
)


def announcement(alert_id: int, number: int, effect: Effect, now: datetime) -> dict[str, Any]:
    """An outbox entry for `effect`: what to say, and the key that names it."""
    entry: dict[str, Any] = {"key": f"alert:{alert_id}:{number}", "at": iso(now)}
    if isinstance(effect, Fire):
        return {**entry, "kind": "fire", "value": effect.value}
    if isinstance(effect, Remind):
        since = iso(effect.firing_since)
        return {**entry, "kind": "remind", "value": effect.value, "since": since}
    if isinstance(effect, Resolve):
        return {
            **entry,
            "kind": "resolve",
            "value": effect.value,
            "ts": effect.message_ts,
            "channel": effect.message_channel,
        }
    if isinstance(effect, Unknown):
        return {**entry, "kind": "unknown", "failures": effect.failures, "detail": effect.detail}
    return {**entry, "kind": "back"}


def _step_inputs(alert: Alert) -> tuple[Any, ...]:
    """Everything the machine's step reads of an alert: if any of it moved since a round
    read the alert (a Snooze or Mute pressed, another round, a delivery), the step is
    taken again from what is stored."""
    return (state_of(alert), rule_of(alert), alert.outbox, alert.announced)


#: Alert groups (a workspace's metric over one window) evaluated at once: enough to
#: overlap the services' latency, few enough that a round over 10,000 workspaces queues
#: instead of contending for the database all at once.
GROUPS_AT_ONCE = 32


class Alerts:
    def __init__(
        self,
        store: Store,
        pool: ClientPool,
        poster: Poster,
        clock: Clock,
        *,
        interval: float,
        groups_at_once: int = GROUPS_AT_ONCE,
    ):
        self.store = store
        self.pool = pool
        self.poster = poster
        self.clock = clock
        self.interval = interval
        self._running: set[tuple[str, str, int]] = set()
        self._at_once = groups_at_once

    # ---- evaluation ---------------------------------------------------------------------

    async def evaluate_all(self) -> dict[str, int]:
        """One evaluation round over every alert that is due; returns what happened.
        `groups_at_once` workers take the groups in turn, each posting as it finishes: a
        round over 10,000 workspaces is 32 tasks, not 20,000 waiting ones (their frames
        were tens of megabytes of a large deployment's memory)."""
        now = self.clock.now()
        groups = await self._due_groups(now)
        # a group still at it from an earlier round is left to finish
        todo = deque((key, group) for key, group in groups.items() if key not in self._running)
        counts = {"evaluated": 0, "posted": 0}

        async def take_turns() -> None:
            while todo:
                key, group = todo.popleft()
                self._running.add(key)
                try:
                    outcome = await self._evaluate(group, now)
                except Exception:
                    log.error("an alert group was not evaluated", exc_info=True)
                    continue
                finally:
                    self._running.discard(key)
                for name, n in outcome.items():
                    counts[name] += n

        await asyncio.gather(*(take_turns() for _ in range(min(self._at_once, len(todo)))))
        for state, n in (await self.store.alerts.count_by_state()).items():
            telemetry.ALERTS.labels(state).set(n)
        return counts

    async def _due_groups(self, now: datetime) -> dict[tuple[str, str, int], list[Alert]]:
        """The alerts due at `now`, by what one reading answers: a workspace's metric over
        one window."""
        groups: dict[tuple[str, str, int], list[Alert]] = {}
        for alert in await self.store.alerts.list_all_for_scheduler(include_muted=True):
            metric = CATALOGUE.get(alert.metric)
            if metric is None or not due(metric, now, self.interval, offset_seconds=alert.id * 97):
                continue
            window = 0 if metric.point_in_time else alert.over_seconds
            groups.setdefault((alert.team.key, alert.metric, window), []).append(alert)
        return groups

    async def _evaluate(self, group: list[Alert], now: datetime) -> dict[str, int]:
        observation = await self._observe(group[0], now)
        counts = {"evaluated": 0, "posted": 0}
        for alert in group:
            counts["posted"] += await self._advance(alert, observation, now)
            counts["evaluated"] += 1
        return counts

    async def _observe(self, alert: Alert, now: datetime) -> float | Failure:
        metric = CATALOGUE[alert.metric]
        try:
            async with asyncio.timeout(EVALUATION_DEADLINE):
                directory = await self.pool.directory(alert.team)
                return await measure(metric, directory, alert.over_seconds, now)
        except TimeoutError:
            name = registry.name(metric.service)
            return Failure(f"{name} did not answer within {EVALUATION_DEADLINE:g} s.")
        except PulseError as err:
            return Failure(messages.sentence(err))

    async def _advance(self, alert: Alert, observation: float | Failure, now: datetime) -> int:
        """Step the alert's machine on `observation`, store the new state with what
        announces it (the outbox), then say it. `alert` is as the round read it: before
        anything is written it is read again, and if what the step reads changed meanwhile
        (a Snooze or Mute pressed, another round, a delivery) the step is taken again from
        what is stored. An alert with nothing new and nothing to say costs no further
        read."""
        plan = self._plan(alert, observation, now)
        if plan is None:
            return await self.deliver(alert.team, alert.id) if alert.outbox else 0
        latest = await self.store.alerts.get(alert.team, alert.id)
        if latest is None:
            return 0
        if _step_inputs(latest) != _step_inputs(alert):
            plan = self._plan(latest, observation, now)
            if plan is None:
                return await self.deliver(alert.team, alert.id) if latest.outbox else 0
        before, delta, outbox = plan
        for column in ("snoozed_until", "muted"):
            # A Snooze or Mute pressed while the metric was read wins.
            if getattr(latest, column) != getattr(before, column):
                delta.pop(column, None)
        # The new state and what announces it are written together (the outbox).
        await self.store.alerts.update_alert_state(alert.id, **delta)
        if not outbox:  # nothing to say: no need to read the alert back
            return 0
        return await self.deliver(alert.team, alert.id)

    def _plan(
        self, alert: Alert, observation: float | Failure, now: datetime
    ) -> tuple[AlertState, dict[str, Any], list[dict[str, Any]]] | None:
        """The machine's step from `alert`: its state before, the columns to write and
        the outbox after; None when nothing changes."""
        before = state_of(alert)
        after, effects = step(before, observation, rule_of(alert), now)
        outbox, number = list(alert.outbox), alert.announced
        for effect in effects:
            kind = announcement(0, 0, effect, now)["kind"]
            if kind in _REPEATABLE and any(e["kind"] == kind for e in outbox):
                continue  # the same thing is still waiting to be said
            number += 1
            outbox.append(announcement(alert.id, number, effect, now))
        if after.state != "firing":  # nothing firing left to announce, unless maybe said
            outbox = [e for e in outbox if e["kind"] not in _REPEATABLE or e.get("attempted")]
        delta: dict[str, Any] = changes(before, after)
        if outbox != list(alert.outbox):
            delta.update(outbox=outbox, announced=number)
        return (before, delta, outbox) if delta else None

    async def deliver(self, team: Team, alert_id: int) -> int:
        """Say what the alert's outbox holds, oldest first, until Slack refuses; answers
        how many were said."""
        alert = await self.store.alerts.get(team, alert_id)
        said = 0
        now = self.clock.now()
        while alert is not None and alert.outbox:
            entry, rest = dict(alert.outbox[0]), list(alert.outbox[1:])
            held = opt_iso(entry.get("retry_at"))
            if held is not None and held > now:  # Slack refused it for good: not every round
                break
            attempted = opt_iso(entry.get("attempted"))
            if attempted is None:  # from now on, it may have reached Slack
                entry["attempted"] = iso(self.clock.now())
                await self.store.alerts.update_alert_state(alert.id, outbox=[entry, *rest])
            posted = await self._say(alert, entry, attempted)
            if not posted.ok:
                kind, why = entry["kind"], posted.error
                log.warning("alert %s: Slack did not take its %s: %s", alert.id, kind, why)
                if why in REFUSALS:  # the channel or token must change first: try rarely
                    entry.update(attempted=iso(now), retry_at=iso(now + REMIND_EVERY))
                    await self.store.alerts.update_alert_state(alert.id, outbox=[entry, *rest])
                break
            delta: dict[str, Any] = {"outbox": rest}
            if entry["kind"] == "fire":
                delta.update(message_ts=posted.ts, message_channel=posted.channel)
            alert = await self.store.alerts.update_alert_state(alert.id, **delta)
            said += 1
        return said

    async def _say(self, alert: Alert, entry: dict[str, Any], attempted: datetime | None) -> Posted:
        message, thread_ts, edit = announcement_message(alert, entry)
        where = entry.get("channel") or alert.message_channel or alert.channel_id
        if edit is not None:  # resolving: the firing message is edited (idempotent)
            await self.poster.update(alert.team, where, edit[0], edit[1])
        return await self.poster.post(
            alert.team,
            where if thread_ts else alert.channel_id,
            message,
            thread_ts=thread_ts,
            key=entry["key"],
            attempted_since=attempted,
        )

    # ---- changes people make ----------------------------------------------------------------

    async def add(
        self,
        team: Team,
        user_id: str,
        *,
        metric: Metric,
        op: Op,
        threshold: float,
        over_seconds: int,
        for_seconds: int,
        channel_id: str,
        keep_firing_seconds: int = 0,
    ) -> Alert:
        """A new alert, refused (UsageError) if it would spend more of a daily budget than
        alerts and digests may; audited."""
        if metric.spec.limits.per_day is not None:
            existing = await scheduled_use(self.store, team, metric.spec, self.interval)
            check_budget(metric.spec, existing, daily_cost(metric, self.interval))
        alert = await self.store.alerts.add(
            team,
            metric=metric.name,
            op=op,
            value=threshold,
            over_seconds=0 if metric.point_in_time else over_seconds,
            for_seconds=for_seconds,
            keep_firing_seconds=keep_firing_seconds,
            channel_id=channel_id,
            created_by=user_id,
        )
        detail = {"alert": alert.id, "metric": metric.name, "op": op, "value": threshold}
        await self.store.audit.record(team, user_id, "alert.add", detail)
        return alert

    async def remove(self, alert: Alert, user_id: str) -> None:
        await self.store.alerts.remove(alert.team, alert.id)
        await self.store.audit.record(alert.team, user_id, "alert.remove", {"alert": alert.id})

    async def snooze(
        self, team: Team, alert_id: int, user_id: str, length: timedelta
    ) -> Alert | None:
        """Quiet for `length` (still checked); a zero length ends a snooze. Audited, and
        said in the alert's message."""
        if not length:
            updated = await self.store.alerts.update_alert_state(
                alert_id, team=team, snoozed_until=None, snoozed_by=None
            )
            if updated is not None:
                await self.store.audit.record(team, user_id, "alert.unsnooze", {"alert": alert_id})
                await self.show_quiet(updated)
            return updated
        until = self.clock.now() + length
        updated = await self.store.alerts.update_alert_state(
            alert_id, team=team, snoozed_until=until, snoozed_by=user_id
        )
        if updated is not None:
            await self.store.audit.record(
                team, user_id, "alert.snooze", {"alert": alert_id, "until": until.isoformat()}
            )
            await self.show_quiet(updated)
        return updated

    async def mute(
        self, team: Team, alert_id: int, user_id: str, muted: bool = True
    ) -> Alert | None:
        """Mute (or with `muted` False, unmute) the alert: audited, said in its message."""
        by = user_id if muted else None
        updated = await self.store.alerts.update_alert_state(
            alert_id, team=team, muted=muted, muted_by=by
        )
        if updated is not None:
            action = "alert.mute" if muted else "alert.unmute"
            await self.store.audit.record(team, user_id, action, {"alert": alert_id})
            await self.show_quiet(updated)
        return updated

    async def unmute(self, team: Team, alert_id: int, user_id: str) -> Alert | None:
        return await self.mute(team, alert_id, user_id, muted=False)

    async def show_quiet(self, alert: Alert) -> None:
        """Edit the alert's firing message to say who snoozed or muted it (or that nobody
        does any more); best-effort, as the module docstring says."""
        ts, channel = alert.message_ts, alert.message_channel
        if ts is None or channel is None:  # nothing posted, or its post is still queued
            return
        value = float("nan") if alert.last_value is None else alert.last_value
        since = alert.state_since if alert.state == "firing" else None
        message = firing_message(alert, value, since, self.clock.now())
        edited = await self.poster.update(alert.team, channel, ts, message)
        if not edited.ok:
            log.warning("alert %s: Slack did not take its edit: %s", alert.id, edited.error)
            return
        latest = await self.store.alerts.get(alert.team, alert.id)
        if latest is None or latest.message_ts == ts:
            return
        if any(e["kind"] == "resolve" and e.get("ts") == ts for e in latest.outbox):
            return  # the resolve is still to be delivered: it edits after this
        # Resolved while this edit was on its way, and its edit may have landed first.
        at = latest.state_since if latest.state != "firing" else self.clock.now()
        value = float("nan") if latest.last_value is None else latest.last_value
        await self.poster.update(alert.team, channel, ts, resolved_message(latest, value, at))

    async def press(
        self, team: Team, user_team_id: str | None, action_id: str, value: str, user_id: str
    ) -> str:
        """A Snooze/Mute/Unmute button: the sentence to show the person who pressed it."""
        if user_team_id is not None and user_team_id != team.team_id:
            return "Only members of the workspace that owns this alert can snooze or mute it."
        if (
            not (value.isascii() and value.isdigit() and len(value) < 19)
            or action_id not in BUTTONS
        ):
            return "That button is not one I know."
        alert_id = int(value)
        if action_id in (MUTE, UNMUTE):
            updated = await self.mute(team, alert_id, user_id, muted=action_id == MUTE)
        else:
            updated = await self.snooze(team, alert_id, user_id, SNOOZES[action_id])
        if updated is None:
            return "That alert no longer exists."
        if action_id == MUTE:
            return (
                f"Alert #{updated.number} is muted: it keeps being checked but posts nothing. "
                f"`/pulse alert unmute {updated.number}` undoes it; "
                f"`/pulse alert remove {updated.number}` deletes it."
            )
        if action_id == UNMUTE:
            return f"Alert #{updated.number} is no longer muted."
        until = updated.snoozed_until or self.clock.now() + SNOOZES[action_id]  # as stored
        return f"Alert #{updated.number} is snoozed until {slack_date(until)}."
