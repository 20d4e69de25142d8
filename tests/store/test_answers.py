"""Answers kept for the Share button: scoped by team, forgotten after a day."""

from __future__ import annotations

from bot.store import Store
from bot.team import Team
from tests.fakes.clock import FakeClock


async def test_answers_are_recalled_only_by_their_team_and_expire(
    store: Store, team_a: Team, team_b: Team
) -> None:
    answer_id = await store.answers.remember(team_a, {"text": "42 visitors"})
    assert await store.answers.recall(team_a, answer_id) == {"text": "42 visitors"}
    assert await store.answers.recall(team_b, answer_id) is None
    assert await store.answers.recall(team_a, "no-such-id") is None
    clock = store.clock
    assert isinstance(clock, FakeClock)
    clock.advance(25 * 3600)
    assert await store.answers.recall(team_a, answer_id) is None
