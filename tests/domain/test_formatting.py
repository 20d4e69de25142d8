"""Numbers as people read them: never rounded into the next unit, counts with their right
noun, changes of counts in percent and of rates in points."""

from __future__ import annotations

import pytest

from bot.domain.formatting import change, human, plural, points


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        pytest.param(0, "0", id="zero"),
        pytest.param(999, "999", id="999"),
        pytest.param(12.34, "12.3", id="fraction"),
        pytest.param(999.96, "1.0k", id="999.96-rounds-up-to-1.0k"),
        pytest.param(1000, "1k", id="1000"),
        pytest.param(1234, "1.2k", id="1234"),
        pytest.param(10_040, "10k", id="10040"),
        pytest.param(99_960, "100k", id="99960"),
        pytest.param(999_499, "999k", id="999499"),
        pytest.param(999_950, "1.0M", id="999950-not-1000k"),
        pytest.param(1_000_000, "1M", id="a-million"),
        pytest.param(3_400_000, "3.4M", id="3.4M"),
        pytest.param(999_950_000, "1.0B", id="999950000-not-1000M"),
        pytest.param(2_500_000_000_000, "2500B", id="beyond-billions"),
        pytest.param(-999_950, "-1.0M", id="negative"),
    ],
)
def test_human_never_rounds_into_the_next_unit(n: float, shown: str) -> None:
    assert human(n) == shown


@pytest.mark.parametrize(
    ("n", "word", "many", "shown"),
    [
        pytest.param(1, "daily bucket", None, "1 daily bucket", id="one"),
        pytest.param(0, "digest", None, "0 digests", id="zero"),
        pytest.param(2, "digest", None, "2 digests", id="two"),
        pytest.param(1200, "inspection", None, "1.2k inspections", id="many"),
        pytest.param(3, "person", "people", "3 people", id="irregular"),
    ],
)
def test_plural(n: int, word: str, many: str | None, shown: str) -> None:
    assert plural(n, word, many) == shown


@pytest.mark.parametrize(
    ("now", "before", "shown"),
    [
        pytest.param(42.0, 40.0, "▲ 2.0 pts", id="up"),
        pytest.param(83.8, 85.3, "▼ 1.5 pts", id="down"),
        pytest.param(40.02, 40.0, "— no change", id="same"),
        pytest.param(5.0, 0.0, "▲ 5.0 pts", id="from-zero"),
    ],
)
def test_rates_change_in_points(now: float, before: float, shown: str) -> None:
    assert points(now, before) == shown


def test_counts_change_in_percent_and_the_same_rate_would_not() -> None:
    assert change(1250, 1000) == "▲ 25.0%"
    # a bounce rate of 42% after 40%: 2 points, not "▲ 5.0%"
    assert points(42.0, 40.0) == "▲ 2.0 pts" != change(42.0, 40.0)
