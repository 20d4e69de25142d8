"""Answers sent through a `response_url`, with Slack's answer checked.

`deliver` posts a payload and reads what Slack said. When Slack refuses the message for
its blocks (`invalid_blocks`, `invalid_attachments`, a block type not enabled in the
workspace), it logs that once with the block types and sends the same answer again at
once in its fallback rendering (tables as monospace text, charts as sparklines); if even
that is refused for its blocks, the summary `text` alone goes. Any other refusal
(an expired `response_url`, say) is logged: the person asked, so it is never silent in
the logs. The same check for background posts is `bot.slack.outbound`'s.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncRespond

from bot.render.fallback import error_of, fallback, has_rich_blocks, refused_for_blocks
from bot.render.fallback import refused_types as block_types

log = logging.getLogger(__name__)


async def _send(respond: AsyncRespond, payload: dict[str, Any], **options: Any) -> str | None:
    """Slack's error code for the payload, or None when it was taken."""
    try:
        response = await respond(
            text=payload.get("text", ""), blocks=payload.get("blocks") or [], **options
        )
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return f"unreachable ({type(exc).__name__})"
    error, messages = error_of(response.status_code, str(response.body or ""))
    if error is not None and refused_for_blocks(error, messages):
        kinds = ", ".join(block_types(payload, messages))
        log.warning("Slack refused an answer for its blocks (%s: %s)", error, kinds)
        return f"blocks:{error}"
    return error


async def deliver(respond: AsyncRespond, payload: dict[str, Any], **options: Any) -> bool:
    """Send `payload` through `respond` (with `response_type` etc. in `options`); resend
    its fallback when Slack refuses the blocks. True once Slack has taken something."""
    error = await _send(respond, payload, **options)
    if error is None:
        return True
    if error.startswith("blocks:"):
        if has_rich_blocks(payload):
            error = await _send(respond, fallback(payload), **options)
            if error is None:
                return True
        if error.startswith("blocks:"):
            error = await _send(respond, {"text": payload.get("text", "")}, **options)
            if error is None:
                return True
    log.warning("Slack did not take an answer through response_url: %s", error)
    return False
