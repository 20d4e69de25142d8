"""Background posting: pacing per channel, Retry-After, joining, errors as values."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.slack.outbound import Outbound
from bot.team import Team
from tests.fakes.clock import FakeClock
from tests.fakes.slack import FakeSlack, FakeSlackServer

TEAM = Team("T0OUT")


@pytest.fixture
async def slack(clock: FakeClock) -> AsyncIterator[FakeSlackServer]:
    async with FakeSlackServer(FakeSlack(monotonic=clock.monotonic)) as server:
        yield server


OPENED: list[Outbound] = []


@pytest.fixture(autouse=True)
async def close_outbounds() -> AsyncIterator[None]:
    yield
    while OPENED:
        await OPENED.pop().close()


def outbound(slack: FakeSlackServer, clock: FakeClock, interval: float = 1.0) -> Outbound:
    async def token(team: Team) -> str | None:
        return "xoxb-out" if team == TEAM else None

    made = Outbound(token, clock, api_url=slack.api_url, per_channel_interval=interval)
    OPENED.append(made)
    return made


async def test_posts_to_one_channel_are_paced_one_per_second(
    slack: FakeSlackServer, clock: FakeClock
) -> None:
    slack.state.per_channel_interval = 1.0
    out = outbound(slack, clock)
    start = clock.monotonic()
    results = [await out.post(TEAM, "C1", {"text": f"m{i}"}) for i in range(5)]
    assert all(r.ok for r in results)
    assert [c.args["text"] for c in slack.state.posts("C1")] == [f"m{i}" for i in range(5)]
    assert clock.monotonic() - start == pytest.approx(4.0)
    # another channel is not held back by the first
    before = clock.monotonic()
    assert (await out.post(TEAM, "C2", {"text": "x"})).ok
    assert clock.monotonic() == before


async def test_retry_after_is_honoured(slack: FakeSlackServer, clock: FakeClock) -> None:
    slack.state.per_channel_interval = 5.0  # Slack is stricter than our pacing
    out = outbound(slack, clock, interval=1.0)
    assert (await out.post(TEAM, "C1", {"text": "a"})).ok
    second = await out.post(TEAM, "C1", {"text": "b"})
    assert second.ok
    # our own pacing waited 1 s, then Slack's 429 said wait 4 s more: no third attempt
    assert clock.slept == [1.0, 4.0]
    assert len(slack.state.called("chat.postMessage")) == 3
    assert [c.args["text"] for c in slack.state.posts("C1")] == ["a", "b"]


async def test_not_in_channel_joins_then_posts(slack: FakeSlackServer, clock: FakeClock) -> None:
    state = slack.state
    original = state.answer

    def answer(method: str, args: dict[str, object], token: str | None) -> object:
        if method == "chat.postMessage" and not state.called("conversations.join"):
            return 200, {"ok": False, "error": "not_in_channel"}, {}
        return original(method, args, token)

    state.answer = answer  # type: ignore[method-assign, assignment]
    posted = await outbound(slack, clock).post(TEAM, "C0PUBLIC", {"text": "hi"})
    assert posted.ok
    assert [c.args["channel"] for c in state.called("conversations.join")] == ["C0PUBLIC"]


@pytest.mark.parametrize("error", ["channel_not_found", "is_archived", "not_in_channel"])
async def test_refusals_come_back_as_values(
    slack: FakeSlackServer, clock: FakeClock, error: str
) -> None:
    slack.state.channel_errors["C0GONE"] = error
    posted = await outbound(slack, clock).post(TEAM, "C0GONE", {"text": "hi"})
    assert not posted.ok
    assert posted.error == error
    assert slack.state.posts() == []


async def test_unknown_workspace_is_not_installed(slack: FakeSlackServer, clock: FakeClock) -> None:
    posted = await outbound(slack, clock).post(Team("T0NOPE"), "C1", {"text": "hi"})
    assert posted.error == "not_installed"
    assert slack.state.calls == []


async def test_revoked_token_is_reported(slack: FakeSlackServer, clock: FakeClock) -> None:
    async def token(team: Team) -> str:
        return "xoxb-revoked"

    out = Outbound(token, clock, api_url=slack.api_url)
    OPENED.append(out)
    assert (await out.post(TEAM, "C1", {"text": "hi"})).error == "token_revoked"


async def test_slack_unreachable_is_a_value_not_an_exception(clock: FakeClock) -> None:
    async def token(team: Team) -> str:
        return "xoxb-out"

    out = Outbound(token, clock, api_url="http://127.0.0.1:9/api/")  # nothing listens on :9
    OPENED.append(out)
    posted = await out.post(TEAM, "C1", {"text": "hi"})
    assert (posted.ok, posted.error) == (False, "slack_unreachable")


async def test_a_post_slowed_on_its_way_does_not_crowd_the_next_one(
    slack: FakeSlackServer, clock: FakeClock
) -> None:
    """The first post reaches Slack 0.3 s after it was sent (a busy loop, the network):
    the second is still a whole second behind it at Slack's end, so Slack refuses
    nothing and nothing is sent twice. Counted from the send, it arrived 0.7 s after."""
    slack.state.per_channel_interval = 1.0
    state = slack.state
    original = state.answer

    def answer(method: str, args: dict[str, object], token: str | None) -> object:
        if method == "chat.postMessage" and not state.called("chat.postMessage"):
            clock.advance(0.3)  # on its way
        return original(method, args, token)

    state.answer = answer  # type: ignore[method-assign, assignment]
    out = outbound(slack, clock)
    assert all([(await out.post(TEAM, "C1", {"text": t})).ok for t in "ab"])
    sent = state.called("chat.postMessage")
    assert [c.ok for c in sent] == [True, True]
    assert sent[1].at - sent[0].at == pytest.approx(1.0)
