"""The one place where a `/pulse` line becomes a `Message`, errors included.

Handlers raise; this turns any `PulseError` into its sentence (`bot.messages`) and
anything unexpected into a short apology with a reference ID that is also logged with
the traceback. No stack trace ever reaches a user. A refusal of permission is also
written to the audit table (`permission.denied`: who tried which command), as an attempt.
"""

from __future__ import annotations

import logging
import uuid

from bot import messages, telemetry
from bot.errors import PermissionDenied, PulseError, StorageError, UsageError
from bot.render.blocks import section
from bot.render.message import Message
from commands.context import Context
from commands.router import Command, Router

log = logging.getLogger(__name__)


def error_message(err: PulseError) -> Message:
    text = messages.sentence(err)
    return Message(text=text, blocks=(section(text),), shareable=False)


def unexpected_message(where: str) -> Message:
    reference = uuid.uuid4().hex[:10]
    log.exception("unexpected error in %s (reference %s)", where, reference)
    text = messages.unexpected(reference)
    return Message(text=text, blocks=(section(text),), shareable=False)


async def answer(router: Router, text: str, ctx: Context) -> Message:
    """Parse `text`, run its handler, and always come back with a message. A `UsageError`
    that names no usage line gets the matched command's."""
    command: Command | None = None
    try:
        command, args = router.parse(text)
        message = await command.handler(ctx, args)
        telemetry.COMMANDS.labels("ok").inc()
        return message.as_public() if args.has("public") else message
    except UsageError as err:
        if err.usage is None and command is not None:
            err = UsageError(err.message, command.usage_line, err.suggestion)
        return _refused(command, err)
    except PermissionDenied as err:
        await _audit_refusal(ctx, command, err)
        return _refused(command, err)
    except PulseError as err:
        return _refused(command, err)
    except Exception:
        telemetry.COMMANDS.labels("unexpected").inc()
        return unexpected_message(f"/pulse {command.name if command else '?'}")


async def _audit_refusal(ctx: Context, command: Command | None, err: PermissionDenied) -> None:
    """The attempt, in the audit table; a database that cannot be written only loses it."""
    name = command.name if command else "?"
    try:
        await ctx.audit("permission.denied", command=name, refused=err.action)
    except StorageError:
        log.warning("a refused /pulse %s was not audited: the database cannot be written", name)


def _refused(command: Command | None, err: PulseError) -> Message:
    telemetry.COMMANDS.labels("refused").inc()
    log.info("/pulse %s answered with %s", command.name if command else "?", type(err).__name__)
    return error_message(err)
