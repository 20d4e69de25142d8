"""The traffic model behind the simulated WeldPulse analytics.

Visitors per hour are a pure function of (credential seed, hour): a per-project base,
a daily rhythm in UTC (quiet at night, peak mid-afternoon), a weekly pattern (weekends
lower), a slow drift over weeks and per-hour noise. Sessions, pageviews, durations and
bounces derive from the visitors of the same hour. Every range answer is built from
these hours, so `stats` over a range is exactly the sum of its hourly `timeseries`, and
the breakdowns (pages, referrers, geo, devices, events) split the range's totals by
stable per-project weights.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from bot.sim.data import EPOCH, apportion, rng, unit

HOUR = 3600
DAILY = (
    0.25,
    0.18,
    0.14,
    0.12,
    0.12,
    0.16,
    0.30,
    0.55,
    0.85,
    1.10,
    1.30,
    1.45,
    1.50,
    1.55,
    1.65,
    1.70,
    1.60,
    1.40,
    1.20,
    1.00,
    0.85,
    0.70,
    0.50,
    0.35,
)
WEEKLY = (1.00, 1.05, 1.05, 1.00, 0.92, 0.62, 0.55)  # Monday first

PAGES = (
    "/",
    "/pricing",
    "/docs",
    "/blog",
    "/features",
    "/signup",
    "/login",
    "/about",
    "/blog/launch-week",
    "/docs/getting-started",
    "/integrations",
    "/changelog",
    "/contact",
    "/careers",
    "/blog/how-we-scaled",
    "/docs/api",
    "/security",
    "/customers",
    "/terms",
    "/privacy",
)
REFERRERS = (
    ("Google", 35.0),
    ("Direct", 30.0),
    ("Twitter", 8.0),
    ("GitHub", 7.0),
    ("Hacker News", 5.0),
    ("LinkedIn", 4.0),
    ("Reddit", 4.0),
    ("Newsletter", 3.0),
    ("DuckDuckGo", 2.0),
    ("Bing", 2.0),
    ("Product Hunt", 1.5),
    ("Facebook", 1.5),
)
GEO = (
    (("US", "California"), 14.0),
    (("US", "New York"), 9.0),
    (("GB", "England"), 9.0),
    (("DE", "Berlin"), 6.0),
    (("US", "Texas"), 5.0),
    (("NZ", "Auckland"), 5.0),
    (("CA", "Ontario"), 4.0),
    (("AU", "New South Wales"), 4.0),
    (("FR", "Île-de-France"), 4.0),
    (("IN", "Karnataka"), 4.0),
    (("DE", "Bavaria"), 3.0),
    (("NL", "North Holland"), 3.0),
    (("US", "Washington"), 3.0),
    (("BR", "São Paulo"), 2.5),
    (("JP", "Tokyo"), 2.5),
    (("NZ", "Wellington"), 2.0),
    (("SE", "Stockholm"), 2.0),
    (("IE", "Dublin"), 1.5),
    (("ES", "Madrid"), 1.5),
    (("SG", "Singapore"), 1.5),
)
DEVICES = (
    (("desktop", "Chrome", "macOS"), 20.0),
    (("desktop", "Chrome", "Windows"), 18.0),
    (("mobile", "Safari", "iOS"), 16.0),
    (("mobile", "Chrome", "Android"), 12.0),
    (("desktop", "Safari", "macOS"), 8.0),
    (("desktop", "Firefox", "Windows"), 5.0),
    (("desktop", "Edge", "Windows"), 5.0),
    (("tablet", "Safari", "iPadOS"), 3.0),
    (("desktop", "Firefox", "Linux"), 3.0),
    (("mobile", "Samsung Internet", "Android"), 3.0),
    (("desktop", "Chrome", "Linux"), 2.0),
    (("tablet", "Chrome", "Android"), 1.0),
)
EVENTS = (
    ("pricing_view", 0.12),
    ("docs_search", 0.06),
    ("signup_click", 0.045),
    ("download_pdf", 0.03),
    ("checkout_start", 0.02),
    ("newsletter_subscribe", 0.015),
    ("contact_submit", 0.008),
)


@dataclass(frozen=True, slots=True)
class Totals:
    visitors: int = 0
    pageviews: int = 0
    sessions: int = 0
    duration: int = 0  # whole seconds over all sessions
    bounces: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.visitors + other.visitors,
            self.pageviews + other.pageviews,
            self.sessions + other.sessions,
            self.duration + other.duration,
            self.bounces + other.bounces,
        )

    def stats(self) -> dict[str, int | float]:
        return {
            "visitors": self.visitors,
            "pageviews": self.pageviews,
            "sessions": self.sessions,
            "avg_duration": round(self.duration / self.sessions, 1) if self.sessions else 0.0,
            "bounce_rate": round(self.bounces / self.sessions, 2) if self.sessions else 0.0,
        }


def hour_rate(kseed: int, hour: int) -> float:
    """Expected visitors in epoch hour `hour` (hours since 1970-01-01T00:00Z)."""
    moment = EPOCH + timedelta(hours=hour)
    base = 25.0 + 75.0 * unit(kseed, "base")
    drift = 1.0 + 0.15 * math.sin(hour / (24 * 11) + 6.3 * unit(kseed, "phase"))
    noise = 0.8 + 0.4 * unit(kseed, "noise", hour)
    return base * DAILY[moment.hour] * WEEKLY[moment.weekday()] * drift * noise


def hour_totals(kseed: int, hour: int, fraction: float = 1.0) -> Totals:
    """The traffic of one hour, or of its first `fraction` (the hour in progress)."""
    if fraction >= 1.0:
        return _full_hour(kseed, hour)
    return _hour(kseed, hour, fraction)


@lru_cache(maxsize=100_000)
def _full_hour(kseed: int, hour: int) -> Totals:
    return _hour(kseed, hour, 1.0)


def _hour(kseed: int, hour: int, fraction: float) -> Totals:
    visitors = round(hour_rate(kseed, hour) * fraction)
    sessions = round(visitors * (1.1 + 0.3 * unit(kseed, "sessions", hour)))
    pageviews = round(sessions * (1.8 + 1.4 * unit(kseed, "pageviews", hour)))
    avg_duration = 25.0 + 70.0 * unit(kseed, "duration", hour)
    bounces = round(sessions * (0.28 + 0.3 * unit(kseed, "bounce", hour)))
    return Totals(visitors, pageviews, sessions, round(sessions * avg_duration), bounces)


def hours_in(start: datetime, end: datetime, now: datetime) -> Iterator[tuple[int, float]]:
    """(epoch hour, fraction elapsed) for every hour overlapping [start, end) up to `now`."""
    start_s, end_s, now_s = start.timestamp(), end.timestamp(), now.timestamp()
    hour = math.floor(start_s / HOUR)
    while hour * HOUR < end_s and hour * HOUR < now_s:
        yield hour, min(1.0, (now_s - hour * HOUR) / HOUR)
        hour += 1


def range_totals(kseed: int, start: datetime, end: datetime, now: datetime) -> Totals:
    total = Totals()
    for hour, fraction in hours_in(start, end, now):
        total += hour_totals(kseed, hour, fraction)
    return total


def buckets(
    kseed: int, start: datetime, end: datetime, now: datetime, hours_per_bucket: int
) -> list[tuple[datetime, Totals]]:
    """Totals per bucket (1 or 24 hours, aligned to UTC) covering the same hours as stats."""
    out: dict[int, Totals] = {}
    for hour, fraction in hours_in(start, end, now):
        first = hour - hour % hours_per_bucket
        out[first] = out.get(first, Totals()) + hour_totals(kseed, hour, fraction)
    return [(EPOCH + timedelta(hours=first), totals) for first, totals in out.items()]


def _jittered(kseed: int, kind: str, items: Sequence[tuple[object, float]]) -> list[float]:
    return [w * (0.7 + 0.6 * unit(kseed, kind, name)) for name, w in items]


def page_weights(kseed: int) -> list[float]:
    return [
        (1.0 / (i + 1)) ** 1.05 * (0.75 + 0.5 * unit(kseed, "page", p)) for i, p in enumerate(PAGES)
    ]


def split(
    kseed: int, kind: str, totals: Totals, names: Sequence[object], weights: Sequence[float]
) -> list[tuple[object, int, int]]:
    """(name, visitors, pageviews) per name, ranked by visitors desc, zero rows dropped."""
    visitors = apportion(totals.visitors, weights)
    pv_weights = [
        w * (0.7 + 0.6 * unit(kseed, kind, "pv", n)) for n, w in zip(names, weights, strict=True)
    ]
    pageviews = apportion(totals.pageviews, pv_weights)
    rows = [(n, v, p) for n, v, p in zip(names, visitors, pageviews, strict=True) if v or p]
    order = {n: i for i, n in enumerate(names)}
    rows.sort(key=lambda r: (-r[1], -r[2], order[r[0]]))
    return rows


def pages(kseed: int, totals: Totals) -> list[dict[str, object]]:
    return [
        {
            "pathname": name,
            "visitors": v,
            "pageviews": p,
            "avg_duration": round(15.0 + 80.0 * unit(kseed, "page-duration", name), 1),
            "bounce_rate": round(0.2 + 0.5 * unit(kseed, "page-bounce", name), 2),
        }
        for name, v, p in split(kseed, "pages", totals, PAGES, page_weights(kseed))
    ]


def referrers(kseed: int, totals: Totals) -> list[dict[str, object]]:
    names = [n for n, _ in REFERRERS]
    rows = split(kseed, "referrers", totals, names, _jittered(kseed, "referrer", REFERRERS))
    return [
        {
            "referrer_source": name,
            "visitors": v,
            "pageviews": p,
            "bounce_rate": round(0.25 + 0.45 * unit(kseed, "ref-bounce", name), 2),
        }
        for name, v, p in rows
    ]


def geo(kseed: int, totals: Totals) -> list[dict[str, object]]:
    names = [n for n, _ in GEO]
    rows = split(kseed, "geo", totals, names, _jittered(kseed, "geo", GEO))
    return [
        {"country": name[0], "region": name[1], "visitors": v, "pageviews": p}
        for name, v, p in rows
        if isinstance(name, tuple)
    ]


def devices(kseed: int, totals: Totals) -> list[dict[str, object]]:
    names = [n for n, _ in DEVICES]
    rows = split(kseed, "devices", totals, names, _jittered(kseed, "device", DEVICES))
    return [
        {"device_type": name[0], "browser": name[1], "os": name[2], "visitors": v, "pageviews": p}
        for name, v, p in rows
        if isinstance(name, tuple)
    ]


def events(kseed: int, totals: Totals) -> list[dict[str, object]]:
    rows: list[tuple[str, int, int]] = []
    for name, rate in EVENTS:
        unique = round(totals.visitors * rate * (0.6 + 0.8 * unit(kseed, "event", name)))
        total = round(unique * (1.1 + 0.6 * unit(kseed, "event-repeat", name)))
        if total:
            rows.append((name, total, unique))
    rows.sort(key=lambda r: (-r[1], r[0]))
    return [{"event_name": n, "total": t, "unique_visitors": u} for n, t, u in rows]


def realtime(kseed: int, now: datetime, multiplier: float) -> list[dict[str, object]]:
    """Visitors of the last 5 minutes by page, country, device and referrer."""
    hour = math.floor(now.timestamp() / HOUR)
    minute = math.floor(now.timestamp() / 60)
    wobble = 0.8 + 0.4 * unit(kseed, "realtime", minute)
    total = min(200_000, round(hour_rate(kseed, hour) * multiplier * wobble * 1.6 / 12))
    if total <= 0:
        return []
    draw = rng(kseed, "realtime-draw", minute)
    countries: dict[str, float] = {}
    for (country, _), w in GEO:
        countries[country] = countries.get(country, 0.0) + w
    kinds: dict[str, float] = {}
    for (kind, _, _), w in DEVICES:
        kinds[kind] = kinds.get(kind, 0.0) + w
    picks = zip(
        draw.choices(PAGES, page_weights(kseed), k=total),
        draw.choices(list(countries), list(countries.values()), k=total),
        draw.choices(list(kinds), list(kinds.values()), k=total),
        draw.choices([n for n, _ in REFERRERS], [w for _, w in REFERRERS], k=total),
        strict=True,
    )
    grouped = Counter(picks)
    ranked = sorted(grouped.items(), key=lambda item: (-item[1], item[0]))
    return [
        {"pathname": p, "country": c, "device_type": d, "referrer_source": r, "current_visitors": n}
        for (p, c, d, r), n in ranked
    ]
