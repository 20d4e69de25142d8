"""Reading a command's words and options, with one clear sentence when they are wrong."""

from __future__ import annotations

from collections.abc import Collection

from bot.domain.periods import Period, looks_like_range, parse_range
from bot.errors import UsageError
from commands.context import Context
from commands.parsing import Args


def reject_unknown(args: Args, usage: str, allowed: Collection[str] = ()) -> None:
    """Options the command does not take are named, not silently ignored."""
    unknown = sorted(set(args.options) - set(allowed))
    if unknown:
        names = ", ".join(f"`--{n}`" for n in unknown)
        raise UsageError(f"This command does not take {names}.", usage=usage)


def int_option(args: Args, name: str, default: int, *, low: int, high: int, usage: str) -> int:
    raw = args.option(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise UsageError(f"`--{name}` must be a whole number, not `{raw}`.", usage=usage) from None
    if not low <= value <= high:
        raise UsageError(f"`--{name}` must be between {low} and {high} (got {value}).", usage=usage)
    return value


def range_and_rest(
    ctx: Context, args: Args, usage: str, default: str = "7d", *, max_words: int = 0
) -> tuple[Period, tuple[str, ...]]:
    """The RANGE among the words (default `default`) and the other words, at most `max_words`."""
    ranges = [w for w in args.words if looks_like_range(w)]
    rest = tuple(w for w in args.words if not looks_like_range(w))
    if len(ranges) > 1:
        raise UsageError("Give one range only.", usage=usage)
    if len(rest) > max_words:
        extra = rest[max_words] if max_words < len(rest) else rest[-1]
        if not ranges and len(rest) == max_words + 1:
            # the stray word is most likely a mistyped range: say what ranges look like
            parse_range(extra, ctx.now(), ctx.tz, usage=usage)
        raise UsageError(f"I don't know what `{extra}` means here.", usage=usage)
    period = parse_range(ranges[0] if ranges else None, ctx.now(), ctx.tz, default, usage=usage)
    return period, rest


def no_words(args: Args, usage: str) -> None:
    if args.words:
        raise UsageError(f"I don't know what `{args.words[0]}` means here.", usage=usage)
