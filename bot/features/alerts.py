"""Threshold alerts: evaluate, carry out the state machine's effects, answer the buttons.

Every PULSEBOT_ALERT_INTERVAL seconds `Alerts.evaluate_all` measures each due alert's
metric through the workspace's pooled clients (fresh values; limits and budgets still
apply; alerts on the same metric and window in a workspace share one measurement), runs
`bot.features.alert_machine.step`, persists the new state and carries out what it says: one
firing message with Snooze 1h / Snooze 24h / Mute buttons, a reminder at most every four
hours in its thread, and on recovery an edit of the original plus "resolved" in its
thread. Upstream failures become one "unknown" message after three in a row.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from bot import messages, telemetry
from bot.clients.pool import ClientPool
from bot.clock import Clock
from bot.domain.durations import format_duration
from bot.errors import PulseError
from bot.features.alert_machine import (
    AlertState,
    Effect,
    Failure,
    Fire,
    Remind,
    Resolve,
    Unknown,
    UpstreamBack,
    changes,
    rule_of,
    state_of,
    step,
)
from bot.features.alert_messages import (
    BUTTONS,
    condition,
    firing_message,
    resolved_message,
    show_value,
)
from bot.features.alert_metrics import CATALOGUE, Metric, check_budget, daily_cost, due, measure
from bot.features.poster import Poster
from bot.store import Store
from bot.store.alerts import Alert, Op
from bot.team import Team

log = logging.getLogger(__name__)

class Alerts:
    def __init__(
        self, store: Store, pool: ClientPool, poster: Poster, clock: Clock, *, interval: float
    ):
        self.store = store
        self.pool = pool
        self.poster = poster
        self.clock = clock
        self.interval = interval

    # ---- evaluation ---------------------------------------------------------------------

    async def evaluate_all(self) -> dict[str, int]:
        """One evaluation round over every alert that is due; returns what happened."""
        now = self.clock.now()
        alerts = [
            a
            for a in await self.store.alerts.list_all_for_scheduler(include_muted=True)
            if a.metric in CATALOGUE
            and due(CATALOGUE[a.metric], now, self.interval, offset_seconds=a.id * 97)
        ]
        groups: dict[tuple[str, str, int], list[Alert]] = {}
        for alert in alerts:
            window = 0 if CATALOGUE[alert.metric].point_in_time else alert.over_seconds
            groups.setdefault((alert.team.key, alert.metric, window), []).append(alert)
        observations = await asyncio.gather(
            *(self._observe(group[0], now) for group in groups.values())
        )
        counts = {"evaluated": 0, "posted": 0}
        for group, observation in zip(groups.values(), observations, strict=True):
            for alert in group:
                counts["posted"] += await self._advance(alert, observation, now)
                counts["evaluated"] += 1
        for state, n in (await self.store.alerts.count_by_state()).items():
            telemetry.ALERTS.labels(state).set(n)
        return counts

    async def _observe(self, alert: Alert, now: datetime) -> float | Failure:
        metric = CATALOGUE[alert.metric]
        try:
            directory = await self.pool.directory(alert.team)
            return await measure(metric, directory, alert.over_seconds, now)
        except PulseError as err:
            return Failure(messages.sentence(err))

    async def _advance(self, alert: Alert, observation: float | Failure, now: datetime) -> int:
        # Read it again: a button or command may have muted, snoozed or removed it while
        # the metric was being read, and the machine must not undo that.
        current = await self.store.alerts.get(alert.team, alert.id)
        if current is None:
            return 0
        alert = current
        before = state_of(alert)
        after, effects = step(before, observation, rule_of(alert), now)
        posted = 0
        for effect in effects:
            after, sent = await self._carry_out(alert, after, effect, now)
            posted += sent
        if after != before:
            latest = await self.store.alerts.get(alert.team, alert.id)
            if latest is None:  # removed while its messages were being sent
                return posted
            delta = changes(before, after)
            for column in ("snoozed_until", "muted"):
                # A Snooze or Mute pressed while the messages were being sent wins.
                if getattr(latest, column) != getattr(before, column):
                    delta.pop(column, None)
            await self.store.alerts.update_alert_state(alert.id, **delta)
        return posted

    async def _carry_out(
        self, alert: Alert, state: AlertState, effect: Effect, now: datetime
    ) -> tuple[AlertState, int]:
        team, channel = alert.team, alert.channel_id
        metric = CATALOGUE.get(alert.metric)
        if isinstance(effect, Fire):
            message = firing_message(alert, effect.value, state.state_since)
            posted = await self.poster.post(team, channel, message)
            if posted.ok:
                return replace(state, message_ts=posted.ts, message_channel=posted.channel), 1
            log.warning("alert %s could not be posted: %s", alert.id, posted.error)
            return state, 0
        if isinstance(effect, Remind):
            since = now - effect.firing_since
            text = (
                f"Still firing after {format_duration(int(since.total_seconds()))}: "
                f"{condition(alert)} — now {show_value(metric, effect.value)}"
            )
            if state.message_ts:
                sent = await self.poster.post(
                    team,
                    state.message_channel or channel,
                    {"text": text},
                    thread_ts=state.message_ts,
                )
            else:
                sent = await self.poster.post(team, channel, {"text": text})
            return state, int(sent.ok)
        if isinstance(effect, Resolve):
            where = effect.message_channel or channel
            await self.poster.update(
                team, where, effect.message_ts, resolved_message(alert, effect.value, now)
            )
            sent = await self.poster.post(
                team,
                where,
                {"text": f"Resolved: now {show_value(metric, effect.value)}."},
                thread_ts=effect.message_ts,
            )
            return state, int(sent.ok)
        if isinstance(effect, Unknown):
            text = (
                f":grey_question: Alert #{alert.id} ({condition(alert)}) cannot be checked: "
                f"{effect.detail} It has failed {effect.failures} times in a row; "
                "I'll say when it can be checked again."
            )
            return state, int((await self.poster.post(team, channel, {"text": text})).ok)
        if isinstance(effect, UpstreamBack):
            text = f"Alert #{alert.id} ({condition(alert)}) can be checked again."
            return state, int((await self.poster.post(team, channel, {"text": text})).ok)
        return state, 0

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
    ) -> Alert:
        """A new alert, refused (UsageError) if it would spend more of a daily budget than
        alerts may; audited."""
        if metric.spec.limits.per_day is not None:
            existing = sum(
                daily_cost(CATALOGUE[a.metric], self.interval)
                for a in await self.store.alerts.list(team)
                if a.metric in CATALOGUE and CATALOGUE[a.metric].spec is metric.spec
            )
            check_budget(metric.spec, existing, daily_cost(metric, self.interval))
        alert = await self.store.alerts.add(
            team,
            metric=metric.name,
            op=op,
            value=threshold,
            over_seconds=0 if metric.point_in_time else over_seconds,
            for_seconds=for_seconds,
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
        """Quiet for `length` (still checked); a zero length ends a snooze."""
        if not length:
            updated = await self.store.alerts.update_alert_state(
                alert_id, team=team, snoozed_until=None
            )
            if updated is not None:
                await self.store.audit.record(team, user_id, "alert.unsnooze", {"alert": alert_id})
            return updated
        until = self.clock.now() + length
        updated = await self.store.alerts.update_alert_state(
            alert_id, team=team, snoozed_until=until
        )
        if updated is not None:
            await self.store.audit.record(
                team, user_id, "alert.snooze", {"alert": alert_id, "until": until.isoformat()}
            )
        return updated

    async def mute(self, team: Team, alert_id: int, user_id: str) -> Alert | None:
        updated = await self.store.alerts.update_alert_state(alert_id, team=team, muted=True)
        if updated is not None:
            await self.store.audit.record(team, user_id, "alert.mute", {"alert": alert_id})
        return updated

    async def press(
        self, team: Team, user_team_id: str | None, action_id: str, value: str, user_id: str
    ) -> str:
        """A Snooze/Mute button: the sentence to show the person who pressed it."""
        if user_team_id is not None and user_team_id != team.team_id:
            return "Only members of the workspace that owns this alert can snooze or mute it."
        if not value.isdigit() or action_id not in BUTTONS:
            return "That button is not one I know."
        alert_id = int(value)
        length = BUTTONS[action_id]
        updated = (
            await self.snooze(team, alert_id, user_id, length)
            if length is not None
            else await self.mute(team, alert_id, user_id)
        )
        if updated is None:
            return f"Alert #{alert_id} no longer exists."
        if length is None:
            return (
                f"Alert #{alert_id} is muted: it keeps being checked but posts nothing. "
                f"`/pulse alert remove {alert_id}` deletes it."
            )
        until = updated.snoozed_until or self.clock.now() + length  # as stored
        return f"Alert #{alert_id} is snoozed until {until.strftime('%d %b %H:%M UTC')}."
