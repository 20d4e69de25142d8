"""The alert state machine: every transition, reminders, prompt recovery and
`--keep-firing`, flapping damped on the way up, unknown and back, snooze and mute. Pure:
fixed instants, no clock, no I/O."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.features.alert_machine import (
    REFIRE_HOLD,
    REFIRE_WINDOW,
    REMIND_EVERY,
    AlertState,
    Effect,
    Failure,
    Fire,
    Observation,
    Remind,
    Resolve,
    Rule,
    Unknown,
    UpstreamBack,
    changes,
    compare,
    rule_of,
    state_of,
    step,
)
from bot.store.alerts import Alert
from bot.team import Team

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ABOVE = Rule(">", 10.0)
ABOVE_FOR_5M = Rule(">", 10.0, for_seconds=300)
KEEP_10M = Rule(">", 10.0, keep_firing_seconds=600)
HIGH, LOW = 15.0, 5.0


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ok(**kw: object) -> AlertState:
    return replace(AlertState("ok", T0 - timedelta(days=1)), **kw)  # type: ignore[arg-type]


def firing(**kw: object) -> AlertState:
    base = AlertState(
        "firing",
        T0,
        last_value=HIGH,
        message_ts="111.222",
        message_channel="C1",
        last_reminder_at=T0,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def unknown(**kw: object) -> AlertState:
    base = AlertState("unknown", T0, consecutive_failures=3, unknown_announced=True)
    return replace(base, **kw)  # type: ignore[arg-type]


# ---- one step at a time -----------------------------------------------------------------

CASES = [
    # (start, observation, rule, minutes after T0, expected state, expected effects)
    pytest.param(ok(), LOW, ABOVE, 0, "ok", [], id="ok-false-stays-ok"),
    pytest.param(ok(), HIGH, ABOVE, 0, "firing", [Fire(HIGH)], id="ok-true-for-0-fires"),
    pytest.param(ok(), HIGH, ABOVE_FOR_5M, 0, "pending", [], id="ok-true-with-for-pending"),
    pytest.param(
        AlertState("pending", T0, pending_since=T0),
        HIGH,
        ABOVE_FOR_5M,
        4,
        "pending",
        [],
        id="pending-true-not-long-enough",
    ),
    pytest.param(
        AlertState("pending", T0, pending_since=T0),
        HIGH,
        ABOVE_FOR_5M,
        5,
        "firing",
        [Fire(HIGH)],
        id="pending-true-held-for-fires",
    ),
    pytest.param(
        AlertState("pending", T0, pending_since=T0),
        LOW,
        ABOVE_FOR_5M,
        3,
        "ok",
        [],
        id="pending-false-back-to-ok-silently",
    ),
    pytest.param(firing(), HIGH, ABOVE, 60, "firing", [], id="firing-true-no-reminder-yet"),
    pytest.param(
        firing(), HIGH, ABOVE, 240, "firing", [Remind(HIGH, T0)], id="firing-true-reminds-at-4h"
    ),
    pytest.param(
        firing(pending_since=T0),  # as stored before prompt recovery: still resolves at once
        LOW,
        ABOVE,
        1,
        "ok",
        [Resolve(LOW, "111.222", "C1")],
        id="firing-first-false-resolves-at-once",
    ),
    pytest.param(
        firing(), LOW, KEEP_10M, 1, "firing", [], id="keep-firing-first-false-stays-firing"
    ),
    pytest.param(
        firing(clear_since=at(1)),
        LOW,
        KEEP_10M,
        10.9,
        "firing",
        [],
        id="keep-firing-false-not-long-enough",
    ),
    pytest.param(
        firing(clear_since=at(1)),
        LOW,
        KEEP_10M,
        11,
        "ok",
        [Resolve(LOW, "111.222", "C1")],
        id="keep-firing-false-that-long-resolves",
    ),
    pytest.param(
        firing(clear_since=at(1)),
        HIGH,
        KEEP_10M,
        11,
        "firing",
        [],
        id="keep-firing-true-again-stays-quietly",
    ),
    pytest.param(
        firing(message_ts=None, message_channel=None, last_reminder_at=None),
        LOW,
        ABOVE,
        60,
        "ok",
        [],
        id="firing-without-message-resolves-silently",
    ),
    pytest.param(ok(), Failure("down"), ABOVE, 0, "ok", [], id="first-failure-quiet"),
    pytest.param(
        ok(consecutive_failures=2),
        Failure("down"),
        ABOVE,
        0,
        "unknown",
        [Unknown(3, "down")],
        id="third-failure-unknown-said",
    ),
    pytest.param(
        firing(consecutive_failures=2),
        Failure("down"),
        ABOVE,
        1,
        "unknown",
        [Unknown(3, "down")],
        id="firing-third-failure-unknown",
    ),
    pytest.param(
        unknown(consecutive_failures=7),
        Failure("down"),
        ABOVE,
        0,
        "unknown",
        [],
        id="unknown-failure-not-repeated",
    ),
    pytest.param(unknown(), LOW, ABOVE, 5, "ok", [UpstreamBack()], id="unknown-back-to-ok"),
    pytest.param(
        unknown(),
        HIGH,
        ABOVE,
        5,
        "firing",
        [UpstreamBack(), Fire(HIGH)],
        id="unknown-back-and-true-fires",
    ),
    pytest.param(
        unknown(message_ts="111.222", message_channel="C1", last_reminder_at=T0),
        HIGH,
        ABOVE,
        5,
        "firing",
        [UpstreamBack()],
        id="unknown-back-still-firing-no-second-message",
    ),
    pytest.param(
        unknown(message_ts="111.222", message_channel="C1"),
        LOW,
        ABOVE,
        30,
        "ok",
        [UpstreamBack(), Resolve(LOW, "111.222", "C1")],
        id="unknown-back-and-clear-resolves-original",
    ),
    pytest.param(
        ok(snoozed_until=at(60)), HIGH, ABOVE, 0, "firing", [], id="snoozed-fire-suppressed"
    ),
    pytest.param(
        firing(snoozed_until=at(600)),
        HIGH,
        ABOVE,
        300,
        "firing",
        [],
        id="snoozed-reminder-suppressed",
    ),
    pytest.param(
        firing(snoozed_until=at(600)),
        LOW,
        ABOVE,
        300,
        "ok",
        [Resolve(LOW, "111.222", "C1")],
        id="snoozed-resolve-still-said",
    ),
    pytest.param(
        firing(message_ts=None, message_channel=None, last_reminder_at=None, snoozed_until=at(30)),
        HIGH,
        ABOVE,
        31,
        "firing",
        [Fire(HIGH)],
        id="snooze-over-still-true-fires-now",
    ),
    pytest.param(ok(muted=True), HIGH, ABOVE, 0, "firing", [], id="muted-fire-suppressed"),
    pytest.param(
        firing(muted=True),
        LOW,
        ABOVE,
        300,
        "ok",
        [Resolve(LOW, "111.222", "C1")],
        id="muted-resolve-still-said",
    ),
    pytest.param(
        ok(muted=True, consecutive_failures=2),
        Failure("down"),
        ABOVE,
        0,
        "unknown",
        [],
        id="muted-unknown-suppressed",
    ),
    pytest.param(unknown(muted=True), LOW, ABOVE, 0, "ok", [], id="muted-upstream-back-suppressed"),
    pytest.param(
        ok(last_reminder_at=at(-10)),
        HIGH,
        ABOVE,
        0,
        "pending",
        [],
        id="true-soon-after-a-post-must-hold-5m",
    ),
    pytest.param(
        AlertState("pending", at(-5), pending_since=at(-5), last_reminder_at=at(-15)),
        HIGH,
        ABOVE,
        0,
        "firing",
        [Fire(HIGH)],
        id="held-5m-after-a-post-fires",
    ),
    pytest.param(ok(), float("nan"), Rule("<", 10.0), 0, "ok", [], id="no-data-never-holds"),
]


@pytest.mark.parametrize(("start", "seen", "rule", "minutes", "expected", "effects"), CASES)
def test_transition(
    start: AlertState,
    seen: Observation,
    rule: Rule,
    minutes: float,
    expected: str,
    effects: list[Effect],
) -> None:
    after, said = step(start, seen, rule, at(minutes))
    assert after.state == expected
    assert said == effects


def test_fire_starts_the_reminder_clock_and_resolve_clears_the_message() -> None:
    fired, said = step(ok(), HIGH, ABOVE, at(0))
    assert said == [Fire(HIGH)]
    assert (fired.state_since, fired.last_reminder_at, fired.last_value) == (at(0), at(0), HIGH)
    fired = replace(fired, message_ts="1.1", message_channel="C9")  # what the caller stores
    cleared, said = step(fired, LOW, ABOVE, at(10))
    assert said == [Resolve(LOW, "1.1", "C9")]
    assert (cleared.message_ts, cleared.message_channel, cleared.pending_since) == (
        None,
        None,
        None,
    )
    assert cleared.last_reminder_at == at(10)


def test_keep_firing_counts_from_the_first_false_and_a_true_value_starts_it_again() -> None:
    state, said = step(firing(), LOW, KEEP_10M, at(5))
    assert (state.state, state.clear_since, said) == ("firing", at(5), [])
    state, said = step(state, LOW, KEEP_10M, at(10))
    assert (state.clear_since, said) == (at(5), [])  # still counted from the first
    state, said = step(state, HIGH, KEEP_10M, at(12))
    assert (state.state, state.clear_since, said) == ("firing", None, [])
    state, said = step(state, LOW, KEEP_10M, at(16))
    state, said = step(state, LOW, KEEP_10M, at(25))
    assert (state.state, said) == ("firing", [])  # 9 minutes since 16
    state, said = step(state, LOW, KEEP_10M, at(26))
    assert (state.state, state.clear_since, said) == ("ok", None, [Resolve(LOW, "111.222", "C1")])


def test_failures_reset_on_success_and_snooze_is_tidied() -> None:
    state, _ = step(ok(consecutive_failures=2, snoozed_until=at(-1)), LOW, ABOVE, at(0))
    assert state.consecutive_failures == 0
    assert state.snoozed_until is None


def test_firing_alert_that_goes_unknown_keeps_its_message() -> None:
    state = firing()
    for minute in (1, 2, 3):
        state, _ = step(state, Failure("timeout"), ABOVE, at(minute))
    assert state.state == "unknown"
    assert (state.message_ts, state.message_channel) == ("111.222", "C1")


# ---- sequences --------------------------------------------------------------------------


def run(
    rule: Rule,
    observations: Iterable[tuple[datetime, Observation]],
    start: AlertState | None = None,
) -> tuple[AlertState, list[tuple[datetime, Effect]]]:
    """Feed observations in order, storing a message ts after each Fire as the caller does."""
    state = start or AlertState("ok", T0 - timedelta(days=1))
    said: list[tuple[datetime, Effect]] = []
    for n, (when, seen) in enumerate(observations):
        state, effects = step(state, seen, rule, when)
        for effect in effects:
            if isinstance(effect, Fire):
                state = replace(state, message_ts=f"ts-{n}", message_channel="C1")
            said.append((when, effect))
    return state, said


def every_minute(hours: float, value: Observation) -> list[tuple[datetime, Observation]]:
    return [(at(m), value) for m in range(int(hours * 60))]


def kinds(said: list[tuple[datetime, Effect]]) -> list[str]:
    return [type(e).__name__ for _, e in said]


def test_reminders_at_most_every_4_hours() -> None:
    _, said = run(ABOVE, every_minute(13, HIGH))
    assert kinds(said) == ["Fire", "Remind", "Remind", "Remind"]
    assert [w for w, _ in said] == [at(0), at(240), at(480), at(720)]


@pytest.mark.parametrize("rule", [ABOVE, Rule(">=", 10.0)], ids=["above", "at-or-above"])
def test_a_value_dancing_around_the_threshold_fires_and_resolves_once_per_4_hours(
    rule: Rule,
) -> None:
    values = [(at(m), HIGH if m % 2 == 0 else LOW) for m in range(24 * 60)]
    _, said = run(rule, values)
    # one fire, one resolve at the next (good) evaluation, then nothing: every later
    # rise comes within 4 hours of that resolve and never holds for 5 minutes
    assert [(w, type(e).__name__) for w, e in said[:2]] == [(at(0), "Fire"), (at(1), "Resolve")]
    assert said[2][0] >= at(1) + REFIRE_WINDOW
    assert kinds(said) == ["Fire", "Resolve"] * (len(said) // 2)
    fires = [w for w, e in said if isinstance(e, Fire)]
    assert all(b - a > REFIRE_WINDOW for a, b in itertools.pairwise(fires))
    assert not any(isinstance(e, Remind) for _, e in said)


def test_a_firing_alert_resolves_at_the_first_good_evaluation() -> None:
    values = [(at(m), HIGH) for m in range(30)] + [(at(30), LOW), (at(31), LOW)]
    state, said = run(ABOVE, values)
    assert [(w, type(e).__name__) for w, e in said] == [(at(0), "Fire"), (at(30), "Resolve")]
    assert (state.state, state.state_since, state.message_ts) == ("ok", at(30), None)


def test_keep_firing_resolves_once_false_that_long_and_blips_keep_it_firing() -> None:
    values: list[tuple[datetime, Observation]] = [(at(0), HIGH)]
    values += [(at(m), LOW if m % 5 else HIGH) for m in range(1, 30)]  # true every 5 min
    values += [(at(m), LOW) for m in range(30, 50)]
    state, said = run(KEEP_10M, values)
    # true at 25 for the last time, false from 26: resolved at 36, false for 10 minutes
    assert [(w, type(e).__name__) for w, e in said] == [(at(0), "Fire"), (at(36), "Resolve")]
    assert state.state == "ok"


@pytest.mark.parametrize(
    ("rule", "held"),
    [(ABOVE, REFIRE_HOLD), (Rule(">", 10.0, for_seconds=600), timedelta(minutes=10))],
    ids=["5-minutes", "for-when-longer"],
)
def test_after_a_post_it_fires_again_only_once_held_5_minutes_or_for(
    rule: Rule, held: timedelta
) -> None:
    fired = AlertState("firing", at(-60), message_ts="1.1", message_channel="C1")
    state, said = step(replace(fired, last_reminder_at=at(-60)), LOW, rule, at(0))
    assert said == [Resolve(LOW, "1.1", "C1")]  # posted at 0
    minutes = int(held / timedelta(minutes=1))
    state, later = run(rule, [(at(m), HIGH) for m in range(1, minutes + 2)], start=state)
    assert [(w, type(e).__name__) for w, e in later] == [(at(1) + held, "Fire")]


def test_after_4_quiet_hours_it_fires_at_once_again() -> None:
    state = ok(last_reminder_at=at(0) - REFIRE_WINDOW)
    state, said = step(state, HIGH, ABOVE, at(0))
    assert (state.state, said) == ("firing", [Fire(HIGH)])


def test_slow_flapping_fires_at_most_once_per_4_hours() -> None:
    # bad for 1 minute, good for 6, over and over: the first blip fires and resolves; the
    # next blips come within 4 hours of the resolve and do not hold for 5 minutes
    values = [(at(m), HIGH if m % 7 == 0 else LOW) for m in range(24 * 60)]
    _, said = run(ABOVE, values)
    assert kinds(said)[:2] == ["Fire", "Resolve"]
    assert said[1][0] == at(1)
    fires = [w for w, e in said if isinstance(e, Fire)]
    assert all(b - a > REMIND_EVERY for a, b in itertools.pairwise(fires))
    assert len(fires) <= 6


def test_a_real_recurrence_after_a_resolve_still_fires() -> None:
    values = [(at(0), HIGH)] + [(at(m), LOW) for m in range(1, 10)]
    values += [(at(m), HIGH) for m in range(10, 20)]
    _, said = run(ABOVE, values)
    assert [(w, type(e).__name__) for w, e in said] == [
        (at(0), "Fire"),
        (at(1), "Resolve"),
        (at(15), "Fire"),  # held 5 minutes because it had posted within 4 hours
    ]


def test_slow_evaluations_resolve_at_the_first_good_value() -> None:
    every_2h = Rule("<", 100.0)
    values: list[tuple[datetime, Observation]] = [(at(0), 50.0), (at(120), 150.0)]
    _, said = run(every_2h, values)
    assert kinds(said) == ["Fire", "Resolve"]


def test_unknown_after_exactly_3_failures_said_once_and_back_said_once() -> None:
    values: list[tuple[datetime, Observation]] = [
        (at(m), Failure("Raygun is not answering")) for m in range(10)
    ]
    values += [(at(m), LOW) for m in range(10, 20)]
    state, said = run(ABOVE, values)
    assert [(w, e) for w, e in said] == [
        (at(2), Unknown(3, "Raygun is not answering")),
        (at(10), UpstreamBack()),
    ]
    assert state.state == "ok" and not state.unknown_announced


def test_two_failures_between_successes_never_go_unknown() -> None:
    pattern: list[Observation] = [Failure("x"), Failure("x"), LOW]
    values = [(at(m), pattern[m % 3]) for m in range(60)]
    state, said = run(ABOVE, values)
    assert said == [] and state.state == "ok"


def test_muted_then_unmuted_while_unknown_says_it_then() -> None:
    state = ok(muted=True)
    for m in range(5):
        state, said = step(state, Failure("down"), ABOVE, at(m))
        assert said == []
    state = replace(state, muted=False)
    state, said = step(state, Failure("down"), ABOVE, at(6))
    assert said == [Unknown(6, "down")]


def test_a_failed_post_is_retried_at_the_reminder_pace() -> None:
    state, said = step(ok(), HIGH, ABOVE, at(0))
    assert said == [Fire(HIGH)]  # ... and the caller could not post: no message_ts
    state, said = step(state, HIGH, ABOVE, at(60))
    assert said == []
    state, said = step(state, HIGH, ABOVE, at(240))
    assert said == [Fire(HIGH)]


# ---- helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        (">", 10.0, False),
        (">", 10.5, True),
        (">=", 10.0, True),
        ("<", 10.0, False),
        ("<", 9.0, True),
        ("<=", 10.0, True),
        ("<=", float("nan"), False),
    ],
)
def test_compare(op: str, value: float, expected: bool) -> None:
    assert compare(op, value, 10.0) is expected


def test_compare_refuses_unknown_operators() -> None:
    with pytest.raises(ValueError, match="unknown operator"):
        compare("==", 1.0, 1.0)


def test_round_trip_with_the_stored_alert() -> None:
    alert = Alert(
        id=7,
        number=2,
        team=Team("T0TEST01"),
        metric="weldpulse.visitors",
        op=">=",
        value=100.0,
        over_seconds=3600,
        for_seconds=300,
        channel_id="C1",
        created_by="U1",
        created_at=T0,
        state="ok",
        state_since=T0,
        pending_since=None,
        last_value=None,
        consecutive_failures=0,
        message_ts=None,
        message_channel=None,
        last_reminder_at=None,
        snoozed_until=None,
        muted=False,
        unknown_announced=False,
    )
    assert rule_of(alert) == Rule(">=", 100.0, 300)
    assert rule_of(replace(alert, keep_firing_seconds=600)) == Rule(">=", 100.0, 300, 600)
    before = state_of(alert)
    after, _ = step(before, 150.0, rule_of(alert), at(1))
    assert changes(before, after) == {
        "state": "pending",
        "state_since": at(1),
        "pending_since": at(1),
        "last_value": 150.0,
    }
    assert timedelta(hours=4) == REMIND_EVERY
