"""Where digests and alerts post: the channel a command names, checked with Slack at once.

`postable_channel` reads the channel word (`here`, a mention, `#name`) and asks Slack
(`ctx.slack.check_channel`) whether the bot can post there, joining a public channel it
is not in yet. A private channel it is not in, an archived one and one Slack does not
show are refused (`CannotPost`) when the digest or alert is added, not at its first run.
Slack turns a channel it knows into a link (`<#C123|name>`, the slash command escapes);
a bare `#name` is asked about as typed, and Slack, which knows channels by ID, says it has
no such channel: it is refused with how to pick the channel instead.

When Slack cannot say — out of reach, rate limiting, or an installation made from an
older manifest that lacks the `channels:read`/`groups:read` scopes — the channel is taken
and the caller is told it could not be checked. Refusing then would block everyone each
time Slack hiccups, while a channel that really is wrong is still caught at the first
post (a digest is paused and its creator told), as before these checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import CannotPost
from commands.context import Context
from commands.options import channel_arg, channel_ref


@dataclass(frozen=True, slots=True)
class Target:
    """A channel the bot may post into, and what to add to the confirmation about it."""

    channel: str
    note: str = ""


async def postable_channel(ctx: Context, word: str) -> Target:
    """The channel `word` names, once Slack has said the bot can post there."""
    channel = channel_arg(ctx, word)
    check = await ctx.slack.check_channel(channel)
    shown = channel_ref(channel)
    if check.state in ("private", "archived", "missing"):
        raise CannotPost(channel, check.state, here=word.lower() == "here")
    if check.state == "joined":
        return Target(channel, f"I joined {shown} to post there.")
    if check.state == "unchecked":
        return Target(
            channel,
            f"I could not check that I can post into {shown} ({check.reason}); if I can't, "
            "the first post will fail and say why.",
        )
    return Target(channel)
