"""Deterministic generation shared by the simulated services.

Nothing here is random in the usual sense: every number is a pure function of the
simulator seed, the credential that asked, and what is being generated (an hour, a day,
a session index), so the same question always gets the same answer and two workspaces
with different keys visibly differ. Also the date helpers the services share.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta


def _digest(parts: tuple[object, ...]) -> bytes:
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def unit(*parts: object) -> float:
    """A stable number in [0, 1) for `parts`."""
    return int.from_bytes(_digest(parts)[:8], "big") / 2**64


def number(*parts: object) -> int:
    """A stable non-negative 64-bit integer for `parts`."""
    return int.from_bytes(_digest(parts)[:8], "big")


def rng(*parts: object) -> random.Random:
    """A `random.Random` seeded from `parts`, for generating a whole record at once."""
    return random.Random(int.from_bytes(_digest(parts), "big"))


def key_seed(seed: int, credential: str) -> int:
    """The seed for everything one credential sees."""
    return number("credential", seed, credential)


def fake_uuid(*parts: object) -> str:
    """A stable, well-formed UUID (version 4 layout) for `parts`."""
    return str(uuid.UUID(bytes=_digest(parts), version=4))


def hex_token(length: int, *parts: object) -> str:
    """A stable lowercase hex string of `length` characters."""
    out = ""
    counter = 0
    while len(out) < length:
        out += _digest((*parts, counter)).hex()
        counter += 1
    return out[:length]


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` that sum to exactly `total`.

    Largest-remainder method: floors first, then the biggest fractional parts get +1.
    """
    if total <= 0 or not weights:
        return [0] * len(weights)
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    shares = [int(x) for x in exact]
    short = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[:short]:
        shares[i] += 1
    return shares


def parse_datetime(text: str) -> datetime:
    """ISO 8601 date or date-time to an aware UTC datetime; naive input is taken as UTC.

    Raises ValueError for anything else.
    """
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_date(text: str) -> date:
    """A plain `YYYY-MM-DD` date. Raises ValueError for anything else."""
    return date.fromisoformat(text.strip())


def iso_z(moment: datetime, *, millis: bool = False) -> str:
    """`2024-01-01T12:00:00Z` (or `…:00.000Z` with `millis`) in UTC."""
    moment = moment.astimezone(UTC)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_day(moment: datetime) -> int:
    """Days since 1970-01-01 (UTC) containing `moment`."""
    return (moment.astimezone(UTC) - EPOCH).days


def day_start(day: int) -> datetime:
    """Midnight UTC that starts epoch day `day`."""
    return EPOCH + timedelta(days=day)
