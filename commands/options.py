"""Reading a command's words and options, with one clear sentence when they are wrong.

The sentences name no usage line: the dispatcher adds the command's own.
"""

from __future__ import annotations

from collections.abc import Collection

from bot.domain.periods import Period, looks_like_range, parse_range
from bot.domain.values import echo, whole_number
from bot.errors import UsageError
from commands.context import Context
from commands.parsing import CHANNEL, Args


def reject_unknown(args: Args, allowed: Collection[str] = ()) -> None:
    """Options the command does not take are named, not silently ignored."""
    unknown = sorted(set(args.options) - set(allowed))
    if unknown:
        names = ", ".join(f"`{echo('--' + n)}`" for n in unknown)
        raise UsageError(f"This command does not take {names}.")


def int_option(args: Args, name: str, default: int, *, low: int, high: int) -> int:
    raw = args.option(name)
    if raw is None:
        return default
    return whole_number(raw, what=f"`--{name}`", low=low, high=high)


def range_and_rest(
    ctx: Context, args: Args, default: str = "7d", *, max_words: int = 0
) -> tuple[Period, tuple[str, ...]]:
    """The RANGE among the words (default `default`) and the other words, at most `max_words`."""
    ranges = [w for w in args.words if looks_like_range(w)]
    rest = tuple(w for w in args.words if not looks_like_range(w))
    if len(ranges) > 1:
        raise UsageError("Give one range only.")
    if len(rest) > max_words:
        extra = rest[max_words] if max_words < len(rest) else rest[-1]
        if not ranges and len(rest) == max_words + 1:
            # the stray word is most likely a mistyped range: say what ranges look like
            parse_range(extra, ctx.now(), ctx.tz)
        raise UsageError(f"I don't know what `{echo(extra)}` means here.")
    period = parse_range(ranges[0] if ranges else None, ctx.now(), ctx.tz, default)
    return period, rest


def no_words(args: Args) -> None:
    if args.words:
        raise UsageError(f"I don't know what `{echo(args.words[0])}` means here.")


def channel_arg(ctx: Context, word: str) -> str:
    """A channel mention, `#name` or `here` → what chat.postMessage accepts."""
    if word.lower() == "here":
        return ctx.channel_id
    match = CHANNEL.match(word)
    if not match:
        raise UsageError(f"`{echo(word)}` is not a channel: use #channel or `here`.")
    return match.group(1) or f"#{match.group(2)}"


def channel_ref(channel: str) -> str:
    """How a stored channel reads in a message: a link for an ID, the name otherwise."""
    return channel if channel.startswith("#") else f"<#{channel}>"
