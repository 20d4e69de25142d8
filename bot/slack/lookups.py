"""What a command may ask Slack about channels and people, answered as `commands.context`
values: can the bot post into a channel (`conversations.info`, then `conversations.join`
for a public channel it is not in), who a user ID is (`users.info`), and who the
workspace's admins and owners are (`users.list`, paginated and bounded).

Slack answers a bot token for a private channel the bot is not in exactly as for one that
does not exist (`channel_not_found`): both are `missing`, and the sentence covers both.
Whatever keeps Slack from answering — no connection, an HTTP 5xx, rate limiting, a scope
the installation lacks (`missing_scope`) — comes back `unchecked` with a short reason;
the command decides what that means.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from commands.context import ChannelCheck, ChannelState, UserCheck, WorkspaceAdmins

log = logging.getLogger(__name__)

MEMBERS_PAGE = 200  # users.list: Slack's recommended page size
MEMBER_PAGES = 10  # at most 2,000 members read for `/pulse admins` (users.list is Tier 2)
UNREACHABLE = "Slack could not be reached"
JOIN_REFUSALS: dict[str, ChannelState] = {
    "is_archived": "archived",
    "method_not_supported_for_channel_type": "private",  # a DM or private channel
    "channel_not_found": "missing",
}


def slack_error(exc: SlackApiError) -> str:
    """The `error` code of a failed Web API call, whatever shape the answer had."""
    data = getattr(exc.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error", "unknown_error"))
    return f"HTTP {getattr(exc.response, 'status_code', '?')}"


def why_unanswered(exc: SlackApiError) -> str:
    """Why Slack gave no usable answer, as a phrase for the person who asked."""
    code = slack_error(exc)
    if code == "missing_scope":
        data = getattr(exc.response, "data", None)
        needed = data.get("needed") if isinstance(data, dict) else None
        scope = f"the `{needed}` permission" if needed else "a permission it needs"
        return f"this installation lacks {scope}; reinstalling Pulse Bot grants it"
    if code == "ratelimited":
        return "Slack asked me to slow down"
    return f"Slack answered `{code}`"


def channel_state(channel: dict[str, Any]) -> ChannelState | None:
    """Whether the bot can post into a channel `conversations.info` showed; None for a
    public channel it is not in, which it may join."""
    if channel.get("is_archived"):
        return "archived"
    if channel.get("is_im") or channel.get("is_member"):
        return "postable"
    if channel.get("is_private") or channel.get("is_mpim") or channel.get("is_group"):
        return "private"
    return None


async def check_channel(client: AsyncWebClient, channel: str) -> ChannelCheck:
    """Can the bot post into `channel`? A public channel it is not in is joined."""
    try:
        info = await client.conversations_info(channel=channel)
    except SlackApiError as exc:
        if slack_error(exc) == "channel_not_found":
            return ChannelCheck("missing")
        log.warning("conversations.info failed: %s", slack_error(exc))
        return ChannelCheck("unchecked", why_unanswered(exc))
    except (aiohttp.ClientError, OSError) as exc:
        log.warning("conversations.info did not reach Slack: %s", type(exc).__name__)
        return ChannelCheck("unchecked", UNREACHABLE)
    found = info.get("channel")
    if not isinstance(found, dict):
        return ChannelCheck("unchecked", "Slack's answer named no channel")
    state = channel_state(found)
    if state is not None:
        return ChannelCheck(state)
    try:
        await client.conversations_join(channel=str(found.get("id") or channel))
    except SlackApiError as exc:
        code = slack_error(exc)
        if code in JOIN_REFUSALS:
            return ChannelCheck(JOIN_REFUSALS[code])
        log.warning("conversations.join failed: %s", code)
        return ChannelCheck("unchecked", why_unanswered(exc))
    except (aiohttp.ClientError, OSError) as exc:
        log.warning("conversations.join did not reach Slack: %s", type(exc).__name__)
        return ChannelCheck("unchecked", UNREACHABLE)
    return ChannelCheck("joined")


async def check_user(client: AsyncWebClient, user_id: str) -> UserCheck:
    """Is `user_id` a person of this workspace: not unknown, an app or deactivated?"""
    try:
        info = await client.users_info(user=user_id)
    except SlackApiError as exc:
        if slack_error(exc) in {"user_not_found", "user_not_visible"}:
            return UserCheck("missing")
        log.warning("users.info failed: %s", slack_error(exc))
        return UserCheck("unchecked", why_unanswered(exc))
    except (aiohttp.ClientError, OSError) as exc:
        log.warning("users.info did not reach Slack: %s", type(exc).__name__)
        return UserCheck("unchecked", UNREACHABLE)
    user = info.get("user") or {}
    if user.get("deleted"):
        return UserCheck("deactivated")
    if user.get("is_bot") or user.get("id") == "USLACKBOT":
        return UserCheck("bot")
    return UserCheck("person")


def admins_on(page: dict[str, Any]) -> list[str]:
    """The admins and owners on one `users.list` page: people, not apps or former members."""
    return [
        str(m["id"])
        for m in page.get("members") or []
        if (m.get("is_admin") or m.get("is_owner")) and not m.get("deleted") and not m.get("is_bot")
    ]


async def workspace_admins(client: AsyncWebClient) -> WorkspaceAdmins:
    """The workspace's admins and owners, from at most MEMBER_PAGES pages of members."""
    found: list[str] = []
    cursor: str | None = None
    for _ in range(MEMBER_PAGES):
        try:
            page = await client.users_list(limit=MEMBERS_PAGE, cursor=cursor)
        except SlackApiError as exc:
            log.warning("users.list failed: %s", slack_error(exc))
            return WorkspaceAdmins(tuple(found), complete=False, reason=why_unanswered(exc))
        except (aiohttp.ClientError, OSError) as exc:
            log.warning("users.list did not reach Slack: %s", type(exc).__name__)
            return WorkspaceAdmins(tuple(found), complete=False, reason=UNREACHABLE)
        found += admins_on(page.data if isinstance(page.data, dict) else {})
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            return WorkspaceAdmins(tuple(found))
    read = f"its first {MEMBER_PAGES * MEMBERS_PAGE:,} members were read"
    return WorkspaceAdmins(tuple(found), complete=False, reason=read)
