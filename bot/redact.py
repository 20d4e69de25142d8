"""Secrets taken out of text by value, and anything shaped like a key by its shape.

A service that echoes the request's headers in an error page would otherwise hand the
credential that made the call to a channel, a log line, the audit trail or the database.
The transport scrubs every answer body of its credential's values, and of whatever its
request headers carried (`header_secrets`), before anything reads it (`scrub_bytes`); the
log filter scrubs every line of the configured secrets — signing secret, bot and app
tokens, client secret, encryption keys, the database's password — and of key shapes
(`scrub`). Values shorter than `SHORTEST` characters are left alone: they would blank out
ordinary words, and no real credential is that short.
"""

from __future__ import annotations

import binascii
import contextlib
import json
import re
from base64 import b64decode
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
SHORTEST = 6

#: Shapes of keys and tokens, whoever they belong to: Slack tokens, WeldPulse keys, and
#: what follows an authorization scheme.
KEY_SHAPES = re.compile(
    r"(xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|\b[as]k_(?:live|test)_[A-Za-z0-9_]+|"
    r"(?i:bearer|api-key|basic|token)\s+[A-Za-z0-9._~+/=-]{6,})"
)


def _forms(value: str) -> list[str]:
    """The value as it may appear in text: itself, JSON-escaped, JSON-escaped as PHP does
    by default (`/` as `\\/`), and URL-encoded (in a link or a form the answer quotes)."""
    escaped = json.dumps(value)[1:-1]
    forms = [value, escaped, escaped.replace("/", "\\/"), quote(value, safe=""), quote_plus(value)]
    return list(dict.fromkeys(forms))


#: Request headers whose values are no secret: an answer may quote them freely.
PLAIN_HEADERS = frozenset({"accept", "accept-encoding", "content-type", "user-agent"})


def header_secrets(headers: Mapping[str, str]) -> list[str]:
    """The secrets a request's headers carry: every value but the plain ones, and the
    credential after an authorization scheme on its own (`Basic <b64>` → `<b64>` and
    what it decodes to), since a service may quote either."""
    found = []
    for name, value in headers.items():
        if name.lower() in PLAIN_HEADERS:
            continue
        found.append(value)
        scheme, _, credential = value.strip().partition(" ")
        if not credential.strip():
            continue
        found.append(credential.strip())
        if scheme.lower() == "basic":
            with contextlib.suppress(binascii.Error, UnicodeDecodeError):
                found.append(b64decode(credential.strip(), validate=True).decode())
    return found


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
