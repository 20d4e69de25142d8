"""Alerts: CRUD scoped by workspace and the persisted state columns."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store import KEEP, Alert, Store
from bot.team import Team
from tests.fakes.clock import FakeClock


async def _add(store: Store, team: Team) -> Alert:
    return await store.alerts.add(
        team,
        metric="weldpulse.visitors",
        op="<",
        value=10,
        over_seconds=3600,
        for_seconds=300,
        channel_id="C9",
        created_by="U1",
    )


async def test_add_get_list_remove(store: Store, team_a: Team, clock: FakeClock) -> None:
    alert = await _add(store, team_a)
    assert alert.team == team_a
    assert (alert.metric, alert.op, alert.value) == ("weldpulse.visitors", "<", 10.0)
    assert (alert.over_seconds, alert.for_seconds, alert.channel_id) == (3600, 300, "C9")
    assert alert.state == "ok" and alert.state_since == clock.now()
    assert alert.consecutive_failures == 0
    assert not alert.muted and not alert.unknown_announced
    assert await store.alerts.get(team_a, alert.id) == alert
    assert await store.alerts.list(team_a) == [alert]
    assert await store.alerts.remove(team_a, alert.id)
    assert await store.alerts.get(team_a, alert.id) is None
    assert not await store.alerts.remove(team_a, alert.id)


async def test_invalid_operator(store: Store, team_a: Team) -> None:
    with pytest.raises(ValueError):
        await store.alerts.add(
            team_a,
            metric="x.y",
            op="==",  # type: ignore[arg-type]
            value=1,
            over_seconds=0,
            channel_id="C1",
            created_by="U1",
        )


async def test_update_state_changes_only_what_is_given(
    store: Store, team_a: Team, clock: FakeClock
) -> None:
    alert = await _add(store, team_a)
    clock.advance(60)
    now = clock.now()
    fired = await store.alerts.update_alert_state(
        alert.id,
        state="firing",
        state_since=now,
        pending_since=None,
        last_value=3.5,
        message_ts="1700000000.1",
        message_channel="C9",
        last_reminder_at=now,
    )
    assert fired is not None
    assert (fired.state, fired.state_since, fired.last_value) == ("firing", now, 3.5)
    assert (fired.message_ts, fired.message_channel, fired.last_reminder_at) == (
        "1700000000.1",
        "C9",
        now,
    )
    assert fired.created_at == alert.created_at and fired.metric == alert.metric

    unchanged = await store.alerts.update_alert_state(alert.id, consecutive_failures=KEEP)
    assert unchanged == fired

    failing = await store.alerts.update_alert_state(
        alert.id, state="unknown", consecutive_failures=3, unknown_announced=True
    )
    assert failing is not None
    assert (failing.consecutive_failures, failing.unknown_announced) == (3, True)
    assert failing.state_since == now  # not given, so kept


async def test_snooze_and_mute_scoped_to_the_workspace(
    store: Store, team_a: Team, team_b: Team, clock: FakeClock
) -> None:
    alert = await _add(store, team_a)
    until = clock.now() + timedelta(hours=1)
    assert await store.alerts.update_alert_state(alert.id, team=team_b, snoozed_until=until) is None
    snoozed = await store.alerts.update_alert_state(alert.id, team=team_a, snoozed_until=until)
    assert snoozed is not None and snoozed.snoozed_until == until
    muted = await store.alerts.update_alert_state(alert.id, team=team_a, muted=True)
    assert muted is not None and muted.muted
    assert await store.alerts.list_all_for_scheduler() == []
    assert [a.id for a in await store.alerts.list_all_for_scheduler(include_muted=True)] == [
        alert.id
    ]


async def test_workspaces_are_isolated(store: Store, team_a: Team, team_b: Team) -> None:
    alert = await _add(store, team_a)
    assert await store.alerts.get(team_b, alert.id) is None
    assert await store.alerts.list(team_b) == []
    assert not await store.alerts.remove(team_b, alert.id)
    assert await store.alerts.get(team_a, alert.id) == alert


async def test_scheduler_sees_every_workspace(store: Store, team_a: Team, team_b: Team) -> None:
    a, b = await _add(store, team_a), await _add(store, team_b)
    assert [(x.id, x.team) for x in await store.alerts.list_all_for_scheduler()] == [
        (a.id, team_a),
        (b.id, team_b),
    ]


async def test_update_of_missing_alert(store: Store) -> None:
    assert await store.alerts.update_alert_state(404, state="ok") is None


async def test_numbers_are_each_workspaces_own_and_never_reused(
    store: Store, team_a: Team, team_b: Team
) -> None:
    a1, a2, b1 = await _add(store, team_a), await _add(store, team_a), await _add(store, team_b)
    assert [a1.number, a2.number, b1.number] == [1, 2, 1]
    found = await store.alerts.numbered(team_b, 1)
    assert found is not None and found.id == b1.id
    assert await store.alerts.numbered(team_a, 3) is None
    assert await store.alerts.remove(team_a, a2.id)
    assert (await _add(store, team_a)).number == 3
