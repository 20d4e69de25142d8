"""Team, the scope of every stored row."""

from __future__ import annotations

import pytest

from bot.team import Team


@pytest.mark.parametrize(
    ("team", "key"),
    [
        pytest.param(Team("T1"), "-:T1", id="plain"),
        pytest.param(Team("T1", "E1"), "E1:T1", id="enterprise"),
        pytest.param(Team("T1", ""), "-:T1", id="blank-enterprise"),
    ],
)
def test_key_round_trip(team: Team, key: str) -> None:
    assert team.key == key
    assert Team.from_key(key) == team


@pytest.mark.parametrize("bad", ["", "T:1"])
def test_invalid_team_ids(bad: str) -> None:
    with pytest.raises(ValueError):
        Team(bad)


def test_invalid_key() -> None:
    with pytest.raises(ValueError):
        Team.from_key("T1")
