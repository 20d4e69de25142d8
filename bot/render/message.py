"""An answer: its blocks, the summary `text`, who sees it, and its payload for Slack.

`Message.to_slack()` is the one way an answer becomes a payload, and it always goes
through `bot.render.limits.fit`: no handler can produce a message Slack would refuse for
its size, and an ephemeral answer always gets its "Share in channel" button.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bot.render.blocks import Block
from bot.render.limits import fit

SHARE_ACTION = "pulse_share"


@dataclass(frozen=True, slots=True)
class Message:
    """`text` is a readable summary: Slack shows it in notifications, to screen readers and
    where a client cannot draw a block."""

    text: str
    blocks: tuple[Block, ...] = ()
    public: bool = False
    shareable: bool = True

    def as_public(self) -> Message:
        return replace(self, public=True)

    @property
    def wants_share_button(self) -> bool:
        return self.shareable and not self.public

    def to_slack(self, *, share_id: str | None = None) -> dict[str, Any]:
        """The payload for chat.postMessage / response_url, within Slack's limits.

        With `share_id`, an ephemeral answer gets the "Share in channel" button that
        reposts the answer stored under that ID.
        """
        blocks = list(self.blocks)
        if share_id is not None and self.wants_share_button:
            blocks.append(share_button(share_id))
        return fit({"text": self.text, "blocks": blocks})


def share_button(share_id: str) -> Block:
    return {
        "type": "actions",
        "block_id": SHARE_ACTION,
        "elements": [
            {
                "type": "button",
                "action_id": SHARE_ACTION,
                "text": {"type": "plain_text", "text": "Share in channel"},
                "value": share_id,
            }
        ],
    }
