"""Numbers as people read them: 1.2k visitors, 3m 20s, 2.0 GB, ▲ 12.5%, ▲ 2.1 pts, 1 digest.

A change is said the way its figure is read (PRODUCT §2): counts (visitors, keys, a
duration) in percent of what they were (`change`), rates and ratios (bounce rate, scores,
shares of a quota) in percentage points (`points`).
"""

from __future__ import annotations

_UNITS = (("", 1.0), ("k", 1e3), ("M", 1e6), ("B", 1e9))


def human(n: float) -> str:
    """1234 → 1.2k, 3400000 → 3.4M, 5000 → 5k; small numbers as they are. The unit is
    chosen after rounding, so a number never rounds into the next unit's range: 999_950 →
    1.0M, not 1000k (the `.0` says it rounded up to the unit; 999_950_000 → 1.0B)."""
    sign = "-" if n < 0 else ""
    n = abs(n)
    rounded_up = False
    for unit, size in _UNITS:
        value = n / size
        if not unit:
            text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
        else:
            text = f"{value:.1f}" if value < 100 else f"{value:.0f}"
            text = text if rounded_up else text.removesuffix(".0")
        if float(text) < 1000 or unit == _UNITS[-1][0]:
            return f"{sign}{text}{unit}"
        rounded_up = value < 1000
    raise AssertionError("unreachable")  # pragma: no cover


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 digest`, `2 digests`, `1.2k inspections`: a count with its noun (`many` when the
    plural is not the noun with an `s`)."""
    return f"{human(n)} {word if n == 1 else many or word + 's'}"


def duration(seconds: float) -> str:
    """45.2 → 45s, 200 → 3m 20s, 7322 → 2h 2m, 90000 → 1d 1h."""
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60}s" if s % 60 else f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60}m" if s % 3600 // 60 else f"{s // 3600}h"
    return f"{s // 86400}d {s % 86400 // 3600}h" if s % 86400 // 3600 else f"{s // 86400}d"


def data_size(mb: float) -> str:
    """Megabytes as people say them: 512 MB, 2.0 GB, 1.3 TB."""
    for unit, size in (("TB", 1024.0**2), ("GB", 1024.0)):
        if mb >= size:
            return f"{mb / size:.1f} {unit}"
    return f"{mb:.0f} MB"


def percent(fraction: float) -> str:
    return f"{fraction * 100:.1f}%"


def points(current: float, previous: float) -> str:
    """▲ 2.1 pts / ▼ 0.5 pts / — no change: a rate's change in percentage points. Both
    are percentages (42.0 for 42%); a fraction is given times 100."""
    delta = current - previous
    if abs(delta) < 0.05:
        return "— no change"
    return f"{'▲' if delta > 0 else '▼'} {abs(delta):.1f} pts"


def change(current: float, previous: float) -> str:
    """▲ 12.5% / ▼ 3.0% / — against the previous period: a count's change in percent."""
    if previous == 0:
        return "▲ new" if current > 0 else "— no change"
    delta = (current - previous) / previous
    if abs(delta) < 0.0005:
        return "— no change"
    arrow = "▲" if delta > 0 else "▼"
    return f"{arrow} {abs(delta) * 100:.1f}%"
