"""What commands ask Slack about channels and people (`bot.slack.lookups`): when Slack
cannot answer, the answer says so instead of failing; the member list is read bounded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import lookups
from commands.context import ChannelCheck, UserCheck, WorkspaceAdmins
from tests.fakes.slack import FakeChannel, FakeSlackServer


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackServer]:
    async with FakeSlackServer() as server:
        yield server


def client(url: str) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-lookups", base_url=url, retry_handlers=[])


async def test_slack_out_of_reach_is_unchecked_not_a_crash() -> None:
    nowhere = client("http://127.0.0.1:9/api/")  # the discard port: nothing listens
    unreachable = "Slack could not be reached"
    assert await lookups.check_channel(nowhere, "C0OPS") == ChannelCheck("unchecked", unreachable)
    assert await lookups.check_user(nowhere, "U0ANA") == UserCheck("unchecked", unreachable)
    assert await lookups.workspace_admins(nowhere) == WorkspaceAdmins((), False, unreachable)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (
            {"ok": False, "error": "missing_scope", "needed": "groups:read"},
            "this installation lacks the `groups:read` permission; reinstalling Pulse Bot "
            "grants it",
        ),
        ({"ok": False, "error": "ratelimited"}, "Slack asked me to slow down"),
        ({"ok": False, "error": "internal_error"}, "Slack answered `internal_error`"),
        ("<html>502</html>", "Slack answered `HTTP 502`"),
    ],
    ids=["missing-scope", "ratelimited", "other", "not-json"],
)
def test_why_slack_did_not_answer(data: object, why: str) -> None:
    answer = SimpleNamespace(data=data, status_code=502)
    exc = SlackApiError("failed", answer)  # type: ignore[no-untyped-call]
    assert lookups.why_unanswered(exc) == why


async def test_the_member_list_is_read_bounded(slack: FakeSlackServer) -> None:
    state = slack.state
    for n in range(2100):
        state.users[f"U{n:07d}"] = {}
    state.users["U0002050"] = {"is_admin": True}  # beyond the pages read
    state.users["U0000150"] = {"is_owner": True}

    found = await lookups.workspace_admins(client(slack.api_url))

    assert found == WorkspaceAdmins(
        ("U0000150",), complete=False, reason="its first 2,000 members were read"
    )
    assert len(state.called("users.list")) == lookups.MEMBER_PAGES


async def test_joining_a_public_channel_twice_is_harmless(slack: FakeSlackServer) -> None:
    slack.state.channels["C0PUB"] = FakeChannel(member=False)
    web = client(slack.api_url)
    assert await lookups.check_channel(web, "C0PUB") == ChannelCheck("joined")
    assert await lookups.check_channel(web, "C0PUB") == ChannelCheck("postable")
    assert len(slack.state.called("conversations.join")) == 1
