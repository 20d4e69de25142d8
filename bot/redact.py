"""Secrets taken out of text by value, and anything shaped like a key by its shape.

A service that echoes the request's headers in an error page would otherwise hand the
credential that made the call to a channel, a log line, the audit trail or the database.
The transport scrubs every answer body of its credential's values before anything reads
it (`scrub_bytes`), and the log filter scrubs every line of the configured secrets —
signing secret, bot and app tokens, client secret, encryption keys — and of key shapes
(`scrub`). Values shorter than `SHORTEST` characters are left alone: they would blank out
ordinary words, and no real credential is that short.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

REDACTED = "[redacted]"
SHORTEST = 6

#: Shapes of keys and tokens, whoever they belong to: Slack tokens, WeldPulse keys, and
#: what follows an authorization scheme.
KEY_SHAPES = re.compile(
    r"(xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|\b[as]k_(?:live|test)_[A-Za-z0-9_]+|"
    r"(?i:bearer|api-key|basic|token)\s+[A-Za-z0-9._~+/=-]{6,})"
)


def _forms(value: str) -> list[str]:
    """The value as it may appear in text: itself and JSON-escaped."""
    escaped = json.dumps(value)[1:-1]
    return [value] if escaped == value else [value, escaped]


def secret_values(values: Iterable[str | None]) -> tuple[str, ...]:
    """The values worth scrubbing, longest first (a value inside another goes second)."""
    kept = {v for value in values if value and len(value) >= SHORTEST for v in _forms(value)}
    return tuple(sorted(kept, key=len, reverse=True))


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without any of `secrets` (see `secret_values`) or anything shaped like a key."""
    for value in secrets:
        if value in text:
            text = text.replace(value, REDACTED)
    return KEY_SHAPES.sub(REDACTED, text)


def scrub_bytes(raw: bytes, secrets: Iterable[str]) -> bytes:
    """An answer body without any of `secrets`, before anything parses it."""
    for value in secrets:
        encoded = value.encode("utf-8")
        if encoded in raw:
            raw = raw.replace(encoded, REDACTED.encode())
    return raw
