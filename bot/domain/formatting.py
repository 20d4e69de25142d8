"""Numbers as people read them: 1.2k visitors, 3m 20s, 2.0 GB, ▲ 12.5%."""

from __future__ import annotations


def human(n: float) -> str:
    """1234 → 1.2k, 3400000 → 3.4M; small numbers as they are."""
    sign = "-" if n < 0 else ""
    n = abs(n)
    if n < 1000:
        return f"{sign}{n:.0f}" if float(n).is_integer() else f"{sign}{n:.1f}"
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            value = n / size
            text = f"{value:.1f}" if value < 100 else f"{value:.0f}"
            return f"{sign}{text.removesuffix('.0')}{unit}"
    return f"{sign}{n:.0f}"  # pragma: no cover


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


def change(current: float, previous: float) -> str:
    """▲ 12.5% / ▼ 3.0% / — against the previous period."""
    if previous == 0:
        return "▲ new" if current > 0 else "— no change"
    delta = (current - previous) / previous
    if abs(delta) < 0.0005:
        return "— no change"
    arrow = "▲" if delta > 0 else "▼"
    return f"{arrow} {abs(delta) * 100:.1f}%"
