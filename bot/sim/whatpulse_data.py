"""The people, computers and pulses behind the simulated WhatPulse API.

Users are the demo people by id (1001…) or username ("ana", "ben", "chloe", "dev"). Each
has two or three computers pulsing on most days since a fixed first day in 2024; pulses
made before a computer's upgrade to client 5.x carry `scrolls: null`, as older clients
did not count scrolls. Every pulse is a pure function of (credential seed, computer, day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from bot.sim.data import EPOCH, day_start, epoch_day, number, rng
from bot.sim.demo import DEMO_PEOPLE

OLD_CLIENT, NEW_CLIENT = "4.2.1", "5.8.2"
FIRST_DAY = date(2024, 3, 1)
UPGRADE_DAY = date(2025, 6, 1)
COUNTRIES = {"ana": "NZ", "ben": "US", "chloe": "AU", "dev": "IN"}
MACHINES = (("macbook", "macOS"), ("desktop", "Windows"), ("work-laptop", "Linux"))


@dataclass(frozen=True, slots=True)
class Computer:
    id: int
    name: str
    os: str
    first_day: int  # epoch day of its first pulse
    upgrade_day: int  # epoch day from which it runs the 5.x client


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    country: str
    computers: tuple[Computer, ...]


@dataclass(frozen=True, slots=True)
class Pulse:
    id: int
    date: datetime
    keys: int
    clicks: int
    scrolls: int | None
    download_mb: float
    upload_mb: float
    uptime_seconds: int
    distance_miles: float
    auto_pulse: bool
    client_version: str
    computer: Computer


def _user(index: int, username: str) -> User:
    user_id = 1001 + index
    count = 2 + number("whatpulse-machines", username) % 2
    computers = tuple(
        Computer(
            user_id * 10 + n,
            f"{username}-{machine}",
            os_name,
            (FIRST_DAY - EPOCH.date()).days + number("first", username, n) % 200,
            (UPGRADE_DAY - EPOCH.date()).days + number("upgrade", username, n) % 120,
        )
        for n, (machine, os_name) in enumerate(MACHINES[:count])
    )
    return User(user_id, username, COUNTRIES[username], computers)


USERS = tuple(_user(i, first.lower()) for i, (first, _, _) in enumerate(DEMO_PEOPLE))


def find_user(ref: str) -> User | None:
    """A user by numeric id or username (case-insensitive)."""
    for user in USERS:
        if ref == str(user.id) or ref.lower() == user.username:
            return user
    return None


@lru_cache(maxsize=50_000)
def pulse_on(kseed: int, computer: Computer, day: int) -> Pulse | None:
    """The computer's pulse on epoch day `day`, if it pulsed that day."""
    if day < computer.first_day:
        return None
    r = rng(kseed, "pulse", computer.id, day)
    weekend = day_start(day).weekday() >= 5
    if r.random() > (0.45 if weekend else 0.85):
        return None
    laptop = computer.os != "Windows"
    keys = max(200, int(r.gauss(14_000 if laptop else 21_000, 5_000)))
    clicks = max(50, int(keys * r.uniform(0.22, 0.4)))
    new_client = day >= computer.upgrade_day
    download = round(r.lognormvariate(6.2, 0.7), 2)
    return Pulse(
        id=10_000_000 + day * 100 + computer.id % 100,
        date=day_start(day)
        + timedelta(hours=r.randint(15, 22), minutes=r.randrange(60), seconds=r.randrange(60)),
        keys=keys,
        clicks=clicks,
        scrolls=int(clicks * r.uniform(1.1, 2.2)) if new_client else None,
        download_mb=download,
        upload_mb=round(download * r.uniform(0.05, 0.3), 2),
        uptime_seconds=r.randint(2, 13) * 3600 + r.randrange(3600),
        distance_miles=round(clicks * r.uniform(0.00015, 0.0003), 2),
        auto_pulse=r.random() < 0.8,
        client_version=NEW_CLIENT if new_client else OLD_CLIENT,
        computer=computer,
    )


def pulses(
    kseed: int,
    user: User,
    now: datetime,
    *,
    computer_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[Pulse]:
    """The user's pulses made by `now`, newest first, filtered like the API."""
    today = epoch_day(now)
    out = []
    for computer in user.computers:
        if computer_id is not None and computer.id != computer_id:
            continue
        for day in range(computer.first_day, today + 1):
            pulse = pulse_on(kseed, computer, day)
            if pulse is None or pulse.date > now:
                continue
            on = pulse.date.date()
            if (date_from and on < date_from) or (date_to and on > date_to):
                continue
            out.append(pulse)
    out.sort(key=lambda p: (p.date, p.id), reverse=True)
    return out


def totals(found: list[Pulse]) -> dict[str, int | float]:
    """Sums over pulses: the `totals` of the user and computer resources."""
    return {
        "keys": sum(p.keys for p in found),
        "clicks": sum(p.clicks for p in found),
        "scrolls": sum(p.scrolls or 0 for p in found),
        "download_mb": round(sum(p.download_mb for p in found), 2),
        "upload_mb": round(sum(p.upload_mb for p in found), 2),
        "uptime_seconds": sum(p.uptime_seconds for p in found),
        "distance_miles": round(sum(p.distance_miles for p in found), 2),
    }
