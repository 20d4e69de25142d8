"""Turning the text after `/pulse` into words, options and flags.

Slack sends mentions escaped (`<#C123|general>`, `<@U123|ana>`, `<mailto:a@b.c|a@b.c>`)
because the manifest sets `should_escape: true`; bare forms are accepted too. Options are
`--name value` or `name=value`; a known flag (`--public`) takes no value, or yes/no
(`--public=yes`). The dash `—` (or `–`) that phones and macOS type for `--` is read as
`--`. Quotes group words. Any input yields either an `Args` or a `UsageError`, never
another exception, in time linear in its length; the router refuses text longer than
`MAX_TEXT` before any of this.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from bot.domain.values import echo
from bot.errors import UsageError

MAX_TEXT = 4000
"""The longest command text read, in characters (Slack's own limit for a slash command's
text is about this)."""
# A label never holds `<` (Slack escapes it as `&lt;`): stopping there keeps `<#C1|<#C1|…`
# linear instead of rescanning the rest of the text from every `<`.
_MENTION = re.compile(r"<([#@!])([A-Z0-9]+)(?:\|([^<>]*))?>")
_LINK = re.compile(r"<(?:mailto:)?([^<>|]+)\|([^<>]*)>|<(?:mailto:)?([^<>|#@!][^<>]*)>")
_OPTION_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
_DASHED = re.compile(r"^[\u2014\u2013]-?(?=[A-Za-z])")  # `—limit`, `–limit`, `—-limit`
YES = frozenset({"yes", "true", "on", "1"})
NO = frozenset({"no", "false", "off", "0"})


@dataclass(frozen=True, slots=True)
class Args:
    """A parsed command line: positional words, `--name value` options and bare flags."""

    words: tuple[str, ...] = ()
    options: Mapping[str, str] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()

    def option(self, name: str) -> str | None:
        return self.options.get(name)

    def has(self, flag: str) -> bool:
        return flag in self.flags

    def shift(self, count: int = 1) -> Args:
        return Args(self.words[count:], self.options, self.flags)


def unescape(text: str) -> str:
    """Slack's `&lt; &gt; &amp;` back to characters (after mentions are read)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _normalise_mentions(text: str) -> str:
    def mention(m: re.Match[str]) -> str:
        sigil, ident = m.group(1), m.group(2)
        if sigil == "#":
            return f"<#{ident}>"
        if sigil == "@":
            return f"<@{ident}>"
        return f"<!{ident}>"

    text = _MENTION.sub(mention, text)

    def link(m: re.Match[str]) -> str:
        return m.group(2) or m.group(3) or m.group(1) or ""

    return _LINK.sub(link, text)


def tokenize(text: str) -> list[str]:
    """Split on whitespace, honouring "double" and 'single' quotes (and Slack's curly ones)."""
    text = _normalise_mentions(text)
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'")
    text = text.replace("\u2019", "'")
    tokens: list[str] = []
    current: list[str] = []
    quote: str | None = None
    started = False
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
            else:
                current.append(ch)
        elif ch in "\"'" and not current:
            quote = ch
            started = True
        elif ch.isspace():
            if current or started:
                tokens.append(unescape("".join(current)))
            current, started = [], False
        else:
            current.append(ch)
    if quote:
        raise UsageError("A quote was opened but never closed.")
    if current or started:
        tokens.append(unescape("".join(current)))
    return tokens


def dashes(token: str) -> str:
    """`—limit` and `–limit` (what phones and macOS make of `--`) → `--limit`."""
    return _DASHED.sub("--", token, count=1)


def _switch(name: str, value: str) -> bool:
    """A flag written with a value, `--public=yes`: whether it is on."""
    if value.lower() in YES:
        return True
    if value.lower() in NO:
        return False
    raise UsageError(f"`--{name}` takes yes or no, not `{echo(value)}`.")


def parse_args(tokens: list[str], flags: Collection[str] = ("public",)) -> Args:
    """Split tokens into words, options and flags. `flags` are options that take no value
    (or yes/no: `--public=yes`, `public=no`)."""
    words: list[str] = []
    options: dict[str, str] = {}
    found: set[str] = set()
    tokens = [dashes(t) for t in tokens]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--") and len(token) > 2:
            name, eq, value = token[2:].partition("=")
            name = name.lower()
            if not _OPTION_NAME.match(name):
                raise UsageError(f"`{echo(token)}` is not an option I know how to read.")
            if name in flags and (not eq or _switch(name, value)):
                found.add(name)
            elif name in flags:
                pass  # `--public=no`
            elif eq:
                options[name] = value
            elif i + 1 < len(tokens) and not tokens[i + 1].startswith("--"):
                options[name] = tokens[i + 1]
                i += 1
            else:
                raise UsageError(f"`{echo('--' + name)}` needs a value.")
        elif "=" in token and _OPTION_NAME.match(token.split("=", 1)[0].lower()):
            name, _, value = token.partition("=")
            name = name.lower()
            if name not in flags:
                options[name] = value
            elif _switch(name, value):
                found.add(name)
        else:
            words.append(token)
        i += 1
    return Args(tuple(words), options, frozenset(found))


# Slack's IDs are a letter and a few more (`C0123ABCD`); 24 in all is room to spare.
CHANNEL = re.compile(r"^<#([CG][A-Z0-9]{1,23})>$|^#([a-z0-9][a-z0-9_-]{0,79})$")
USER = re.compile(r"^<@([UW][A-Z0-9]{1,23})>$|^([UW][A-Z0-9]{6,23})$")


def user_id(word: str) -> str | None:
    """The Slack user ID in a mention (`<@U123>`) or a bare ID, or None for anything else."""
    m = USER.match(word)
    if not m:
        return None
    return m.group(1) or m.group(2)
