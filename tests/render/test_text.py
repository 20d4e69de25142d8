"""Slack date tokens: what Slack is sent (`slack_date`), and what the console shows of them
(the fallback, zone named, never the token's innards)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.render.blocks import context, section, slack_date
from bot.render.text import dates_as_text, mrkdwn, render

MOMENT = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # 1700000000


@pytest.mark.parametrize(
    ("tz", "fallback"),
    [
        (UTC, "Tue 14 Nov 22:13 UTC"),
        (ZoneInfo("Europe/Berlin"), "Tue 14 Nov 23:13 CET"),
        (ZoneInfo("America/New_York"), "Tue 14 Nov 17:13 EST"),
        (ZoneInfo("Pacific/Auckland"), "Wed 15 Nov 11:13 NZDT"),
    ],
    ids=["utc", "berlin", "new-york", "auckland"],
)
def test_a_date_token_carries_the_instant_and_a_fallback_in_the_given_zone(
    tz: ZoneInfo, fallback: str
) -> None:
    assert slack_date(MOMENT, tz) == f"<!date^1700000000^{{date_short_pretty}} {{time}}|{fallback}>"
    assert dates_as_text(f"until {slack_date(MOMENT, tz)}.") == f"until {fallback}."


def test_the_console_shows_the_fallback_and_still_reads_mentions() -> None:
    line = f"Snoozed by <@U0ANA|ana> until {slack_date(MOMENT)} in <#C0OPS|ops> <!here>"
    assert mrkdwn(line) == "Snoozed by @ana until Tue 14 Nov 22:13 UTC in #ops !here"
    payload = {"text": "x", "blocks": [section(f"*since* {slack_date(MOMENT)}"), context(line)]}
    assert render(payload) == (
        "since Tue 14 Nov 22:13 UTC\n  Snoozed by @ana until Tue 14 Nov 22:13 UTC in #ops !here"
    )
    assert "date^" not in render({"text": f"until {slack_date(MOMENT)}"})
