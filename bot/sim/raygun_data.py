"""The real-user-monitoring sessions behind the simulated Raygun Pulse API.

Sessions are generated per UTC day from (credential seed, day), so a session keeps its
id and contents as time passes; only the last 120 days (by the injected clock) are
served. The demo people (ana@, ben@, chloe@, dev@example.com) have a session on many
days; the rest are anonymous visitors. A session still in progress at "now" is `active`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from bot.sim.data import day_start, epoch_day, hex_token, number, rng, unit
from bot.sim.demo import DEMO_PEOPLE

RETENTION_DAYS = 120
ANONYMOUS_USERS = 40
IDS_PER_DAY = 1000

COUNTRIES = {  # code: (name, [(state, city)], weight)
    "US": ("United States", [("California", "San Francisco"), ("New York", "New York")], 30),
    "NZ": ("New Zealand", [("Auckland", "Auckland"), ("Wellington", "Wellington")], 12),
    "GB": ("United Kingdom", [("England", "London"), ("Scotland", "Edinburgh")], 12),
    "AU": ("Australia", [("New South Wales", "Sydney"), ("Victoria", "Melbourne")], 10),
    "DE": ("Germany", [("Berlin", "Berlin"), ("Bavaria", "Munich")], 9),
    "CA": ("Canada", [("Ontario", "Toronto"), ("British Columbia", "Vancouver")], 8),
    "IN": ("India", [("Karnataka", "Bengaluru"), ("Maharashtra", "Mumbai")], 8),
    "FR": ("France", [("Île-de-France", "Paris"), ("Auvergne-Rhône-Alpes", "Lyon")], 6),
}
HOME_COUNTRY = {
    "ana@example.com": "NZ",
    "ben@example.com": "US",
    "chloe@example.com": "AU",
    "dev@example.com": "IN",
}
CLIENTS = (  # (browser, version, os, os version, platform)
    ("Chrome", "131.0.6778.86", "Windows", "10.0", "Desktop"),
    ("Chrome", "131.0.6778.86", "macOS", "14.6", "Desktop"),
    ("Safari", "18.1", "macOS", "15.1", "Desktop"),
    ("Firefox", "133.0", "Windows", "11.0", "Desktop"),
    ("Edge", "131.0.2903.70", "Windows", "11.0", "Desktop"),
    ("Mobile Safari", "18.1", "iOS", "18.1", "Mobile"),
    ("Chrome Mobile", "131.0.6778.81", "Android", "14", "Mobile"),
)
SITE = "https://app.example.com"
PAGES = (
    "/",
    "/dashboard",
    "/projects",
    "/projects/42",
    "/reports",
    "/settings",
    "/billing",
    "/team",
    "/search?q=export",
    "/help",
)
ERRORS = (
    "TypeError: Cannot read properties of undefined (reading 'map')",
    "NetworkError: Failed to fetch /api/projects",
    "RangeError: Maximum call stack size exceeded",
    "ChunkLoadError: Loading chunk 7 failed",
    "SyntaxError: Unexpected token '<' in JSON at position 0",
)
HOURS = (1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 10, 11, 11, 10, 9, 7, 6, 5, 4, 3, 2)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    identifier: str
    email: str | None
    first_name: str | None
    full_name: str | None

    @property
    def anonymous(self) -> bool:
        return self.email is None


@dataclass(frozen=True, slots=True)
class PageView:
    page: str
    loading_ms: int
    viewing_ms: int
    viewed_on: datetime


@dataclass(frozen=True, slots=True)
class SessionError:
    group_id: int
    instance_id: int
    title: str


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    start: datetime
    user: User
    client: tuple[str, str, str, str, str]
    country: str
    ip: str
    page_views: tuple[PageView, ...]
    errors: tuple[SessionError, ...]

    @property
    def end(self) -> datetime:
        last = self.page_views[-1]
        return last.viewed_on + timedelta(milliseconds=last.viewing_ms)


def users(kseed: int) -> list[User]:
    """The demo people first, then the anonymous visitors."""
    people = [
        User(
            100_000 + number(kseed, "user", email) % 900_000, email, email, first, f"{first} {last}"
        )
        for first, last, email in DEMO_PEOPLE
    ]
    anonymous = [
        User(
            1_000_000 + number(kseed, "anon", i) % 9_000_000,
            hex_token(32, kseed, "anon-id", i),
            None,
            None,
            None,
        )
        for i in range(ANONYMOUS_USERS)
    ]
    return people + anonymous


def id_base(kseed: int) -> int:
    return (10_000 + number(kseed, "session-ids") % 90_000) * 10**8  # never overlapping


def _session(kseed: int, day: int, i: int, user: User) -> Session:
    r = rng(kseed, "session", day, i)
    hour = r.choices(range(24), HOURS)[0]
    start = day_start(day) + timedelta(
        hours=hour, seconds=r.randrange(3600), milliseconds=r.randrange(1000)
    )
    home = HOME_COUNTRY.get(user.identifier)
    codes = list(COUNTRIES)
    country = (
        home
        if home and r.random() < 0.85
        else r.choices(codes, [COUNTRIES[c][2] for c in codes])[0]
    )
    slow = r.random() < 0.15
    views: list[PageView] = []
    moment = start
    for _ in range(1 + min(int(r.expovariate(0.25)), 14)):
        loading = int(r.lognormvariate(7.0, 0.5) * (3.5 if slow else 1.0))
        viewing = int(r.expovariate(1 / 80_000)) + 2_000
        views.append(PageView(SITE + r.choice(PAGES), loading, viewing, moment))
        moment += timedelta(milliseconds=loading + viewing)
    errors = tuple(
        SessionError(
            number(kseed, "group", title) % 10**9, number(kseed, "err", day, i, n) % 10**12, title
        )
        for n, title in enumerate(r.sample(ERRORS, k=min(3, int(r.expovariate(2.5)))))
    )
    ip = f"{r.randrange(23, 220)}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"
    return Session(0, start, user, r.choice(CLIENTS), country, ip, tuple(views), errors)


@lru_cache(maxsize=4096)
def day_sessions(kseed: int, day: int) -> tuple[Session, ...]:
    """Every session that starts on epoch day `day`, oldest first, with its final id."""
    everyone = users(kseed)
    r = rng(kseed, "day", day)
    weekend = day_start(day).weekday() >= 5
    picked = [person for person in everyone[: len(DEMO_PEOPLE)] if r.random() < 0.45]
    base = 12 + 24 * unit(kseed, "volume")
    count = max(1, round(base * (0.55 if weekend else 1.0) * r.uniform(0.7, 1.3)))
    picked += r.choices(everyone[len(DEMO_PEOPLE) :], k=count)
    made = sorted((_session(kseed, day, i, u) for i, u in enumerate(picked)), key=lambda s: s.start)
    first_id = id_base(kseed) + day * IDS_PER_DAY
    return tuple(
        Session(first_id + n, s.start, s.user, s.client, s.country, s.ip, s.page_views, s.errors)
        for n, s in enumerate(made)
    )


def sessions_between(kseed: int, start: datetime, end: datetime, now: datetime) -> list[Session]:
    """Sessions started in [start, end] within retention and not after `now`, newest first."""
    earliest = now - timedelta(days=RETENTION_DAYS)
    lo, hi = max(start, earliest), min(end, now)
    found = (
        [
            s
            for day in range(epoch_day(lo), epoch_day(hi) + 1)
            for s in day_sessions(kseed, day)
            if lo <= s.start <= hi
        ]
        if lo <= hi
        else []
    )
    found.sort(key=lambda s: s.start, reverse=True)
    return found


def find_session(kseed: int, session_id: int, now: datetime) -> Session | None:
    """The session with this id, if it exists and is within retention at `now`."""
    day, index = divmod(session_id - id_base(kseed), IDS_PER_DAY)
    today = epoch_day(now)
    if session_id < id_base(kseed) or not today - RETENTION_DAYS - 1 <= day <= today:
        return None
    found = day_sessions(kseed, day)
    if index >= len(found):
        return None
    session = found[index]
    earliest = now - timedelta(days=RETENTION_DAYS)
    return session if earliest <= session.start <= now else None


def seen(kseed: int, now: datetime) -> dict[int, tuple[datetime, datetime]]:
    """When each user first and last started a session within retention, up to `now`."""
    out: dict[int, tuple[datetime, datetime]] = {}
    for s in sessions_between(kseed, now - timedelta(days=RETENTION_DAYS), now, now):
        # newest first: the first sighting is the last seen, the final one the first seen
        last = out[s.user.id][1] if s.user.id in out else s.start
        out[s.user.id] = (s.start, last)
    return out
