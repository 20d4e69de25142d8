"""The `/pulse` router: the first word (or two) picks a handler.

Each command module has its own `router = Router(group="…")` and registers module-level
handlers with `@router.command("name")`; `commands.build_router` composes them with
`Router(*routers)` (as gidgethub does). A handler's docstring is its help text, so
`/pulse help` cannot drift from the code:

    first line          the usage line (without `/pulse`)
    next paragraph      the summary shown in `/pulse help`
    lines starting `/pulse`   examples

Errors are not handled here: handlers raise `PulseError`s and `commands.dispatch` turns
them into sentences in one place (filling in the command's usage line when a
`UsageError` names none).
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from bot.domain.values import echo
from bot.errors import UsageError
from commands.parsing import MAX_TEXT, Args, dashes, parse_args, tokenize

if TYPE_CHECKING:
    from bot.render.message import Message
    from commands.context import Context

Handler = Callable[["Context", Args], Awaitable["Message"]]
H = TypeVar("H", bound=Handler)
NEAR = 0.75
"""How alike (difflib's ratio) a typo and a name must be for the name to be suggested:
`pgaes`, `hlep`, `shwo` are near `pages`, `help`, `show`; `frobnicate` is near nothing."""


def nearest(word: str, names: Collection[str]) -> str | None:
    """The name `word` is most likely a typo of, if one is near enough."""
    close = difflib.get_close_matches(word, list(names), n=1, cutoff=NEAR)
    return close[0] if close else None


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: Handler
    usage: str
    summary: str
    details: str
    examples: tuple[str, ...]
    group: str
    flags: frozenset[str]

    @property
    def usage_line(self) -> str:
        return f"/pulse {self.usage}"


def _read_doc(handler: Handler) -> tuple[str, str, str, tuple[str, ...]]:
    doc = inspect.getdoc(handler) or ""
    lines = doc.splitlines()
    if not lines or not lines[0].strip():
        raise ValueError(f"{handler.__name__} needs a docstring starting with its usage line")
    usage = lines[0].strip()
    paragraphs: list[list[str]] = [[]]
    examples: list[str] = []
    for line in lines[1:]:
        stripped = line.strip()
        if stripped.startswith("/pulse "):
            examples.append(stripped)
        elif not stripped:
            if paragraphs[-1]:
                paragraphs.append([])
        elif stripped.lower() not in {"examples:", "example:"}:
            paragraphs[-1].append(stripped)
    texts = [" ".join(p) for p in paragraphs if p]
    summary = texts[0] if texts else ""
    details = "\n".join(texts[1:])
    return usage, summary, details, tuple(examples)


class Router:
    """Commands by name. `Router(*routers)` makes one router of several."""

    def __init__(self, *routers: Router, group: str = "General") -> None:
        self.group = group
        self.commands: dict[str, Command] = {}
        for other in routers:
            for name, command in other.commands.items():
                if name in self.commands:
                    raise ValueError(f"the command {name!r} is registered twice")
                self.commands[name] = command

    def command(self, name: str, *, flags: Collection[str] = ()) -> Callable[[H], H]:
        """Register a handler under `name` (one or two words); `flags` take no value."""

        def register(handler: H) -> H:
            usage, summary, details, examples = _read_doc(handler)
            if not usage.startswith(name):
                raise ValueError(f"usage of {name!r} must start with its name: {usage!r}")
            self.commands[name] = Command(
                name=name,
                handler=handler,
                usage=usage,
                summary=summary,
                details=details,
                examples=examples,
                group=self.group,
                flags=frozenset({"public", *flags}),
            )
            return handler

        return register

    def names(self) -> list[str]:
        return list(self.commands)

    def find(self, words: list[str]) -> tuple[Command, list[str]]:
        """The command named by the first one or two words, and the words left over."""
        if not words:
            return self.commands["help"], []
        first = words[0].lower()
        if len(words) > 1:
            pair = f"{first} {words[1].lower()}"
            if pair in self.commands:
                return self.commands[pair], words[2:]
        if first in self.commands:
            return self.commands[first], words[1:]
        raise self.unknown(words)

    def unknown(self, words: list[str]) -> UsageError:
        first = words[0].lower()
        group = [n for n in self.commands if n.startswith(first + " ")]
        if group:
            wanted = words[1] if len(words) > 1 else ""
            candidates = [n.split(" ", 1)[1] for n in group]
            close = nearest(wanted.lower(), candidates)
            base = self.commands.get(first)
            usage = base.usage_line if base else " | ".join(f"/pulse {n}" for n in group)
            what = f"`{echo(f'{first} {wanted}')}`" if wanted else f"`{first}` on its own"
            article = "an" if first[:1] in "aeiou" else "a"
            return UsageError(
                f"{what} is not {article} `{first}` command.",
                usage=usage,
                suggestion=f"{first} {close}" if close else None,
            )
        singles = sorted({n.split(" ", 1)[0] for n in self.commands})
        return UsageError(
            f"`{echo(words[0])}` is not a /pulse command.",
            usage="/pulse help",
            suggestion=nearest(first, singles),
        )

    def parse(self, text: str) -> tuple[Command, Args]:
        """The command `text` names and its arguments. Every `/pulse` line comes through
        here: text longer than `MAX_TEXT` is refused before it is read."""
        if len(text) > MAX_TEXT:
            raise UsageError(
                f"That command is {len(text):,} characters long; /pulse reads at most "
                f"{MAX_TEXT:,}.",
                usage="/pulse help",
            )
        tokens = [dashes(t) for t in tokenize(text)]
        # Flags are only known once the command is found: find it on the bare words first.
        leading = [t for t in tokens if not t.startswith("--") and "=" not in t]
        command, _ = self.find(leading[:2] if leading else [])
        try:
            args = parse_args(tokens, command.flags)
        except UsageError as err:
            raise UsageError(err.message, usage=err.usage or command.usage_line) from None
        skip = len(command.name.split(" ")) if args.words else 0
        return command, args.shift(skip)
