"""The locations, inspections and corrective actions behind the simulated PulsePro API.

Inspections and actions are generated per UTC day from (credential seed, day), so they
keep their ids as time passes; the last 365 days of inspections and 120 days of actions
are served. An action's chance of being closed grows with its age, so at any "now" some
open actions are past their due date (overdue) and the rest are recent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from bot.sim.data import day_start, epoch_day, number, rng, unit

INSPECTION_DAYS = 365
ACTION_DAYS = 120
SITES = (  # (name, country, street address)
    ("Auckland Warehouse", "NZ", "12 Quay Street, Auckland 1010"),
    ("Wellington Depot", "NZ", "88 Hutt Road, Wellington 6012"),
    ("Sydney Store 12", "AU", "401 George Street, Sydney NSW 2000"),
    ("Christchurch Plant", "NZ", "5 Foremans Road, Christchurch 8042"),
    ("Melbourne Kitchen", "AU", "230 Flinders Lane, Melbourne VIC 3000"),
    ("Brisbane Yard", "AU", "17 Kingsford Smith Drive, Brisbane QLD 4006"),
    ("Head Office", "NZ", "1 Willis Street, Wellington 6011"),
    ("Hamilton Cold Store", "NZ", "40 Te Rapa Road, Hamilton 3200"),
    ("Perth Distribution Centre", "AU", "9 Kewdale Road, Perth WA 6105"),
    ("Dunedin Workshop", "NZ", "73 Crawford Street, Dunedin 9016"),
)
TEMPLATES = (
    "Daily Safety Walk",
    "Food Safety Audit",
    "Fire Equipment Check",
    "Vehicle Pre-Start",
    "Site Induction Audit",
    "Forklift Inspection",
)
PEOPLE = (
    "Aroha Ngata",
    "Liam Walker",
    "Priya Singh",
    "Tom Becker",
    "Mei Tanaka",
    "Sam O'Connor",
    "Fatima Khan",
)
ACTIONS = (
    "Replace damaged fire extinguisher",
    "Repair loading dock lighting",
    "Clear blocked emergency exit",
    "Recalibrate fridge thermometer",
    "Refresh first-aid kit",
    "Fix leaking hand-wash basin",
    "Re-train staff on PPE",
    "Replace worn forklift tyre",
    "Update chemical register",
    "Secure loose racking",
)
PRIORITIES = (("low", 3), ("medium", 4), ("high", 2), ("critical", 1))


@dataclass(frozen=True, slots=True)
class Location:
    id: int
    name: str
    country: str
    address: str

    def ref(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True, slots=True)
class Inspection:
    id: int
    title: str
    template: str
    location: Location
    conducted_at: datetime
    score: float
    inspector: str


@dataclass(frozen=True, slots=True)
class Action:
    id: int
    title: str
    priority: str
    location: Location
    assignee: str
    created_at: datetime
    due_date: date
    close_chance: float  # closed once its age-based closing probability passes this


def locations(kseed: int) -> list[Location]:
    count = 5 + number(kseed, "locations") % 3
    first = number(kseed, "location-names")
    return [Location(101 + i, *SITES[(first + i) % len(SITES)]) for i in range(count)]


@lru_cache(maxsize=8192)
def inspections_on(kseed: int, day: int) -> tuple[Inspection, ...]:
    r = rng(kseed, "inspections", day)
    sites = locations(kseed)
    weekend = day_start(day).weekday() >= 5
    out = []
    for n in range(r.randint(0, 2) if weekend else r.randint(2, 5)):
        site, template = r.choice(sites), r.choice(TEMPLATES)
        quality = 0.75 + 0.2 * unit(kseed, "site-quality", site.id)
        out.append(
            Inspection(
                id=50_000 + day * 10 + n,
                title=f"{template} – {site.name}",
                template=template,
                location=site,
                conducted_at=day_start(day)
                + timedelta(hours=r.randint(7, 17), minutes=r.randrange(60)),
                score=round(min(100.0, max(0.0, r.gauss(quality * 100, 8))), 1),
                inspector=r.choice(PEOPLE),
            )
        )
    return tuple(sorted(out, key=lambda i: i.conducted_at))


def inspections(kseed: int, now: datetime) -> list[Inspection]:
    """Inspections conducted in the last year up to `now`, newest first."""
    today = epoch_day(now)
    found = [
        i
        for day in range(today - INSPECTION_DAYS, today + 1)
        for i in inspections_on(kseed, day)
        if i.conducted_at <= now
    ]
    return sorted(found, key=lambda i: (i.conducted_at, i.id), reverse=True)


def inspection_status(inspection: Inspection, now: datetime) -> str:
    return "in_progress" if now - inspection.conducted_at < timedelta(hours=1) else "completed"


@lru_cache(maxsize=8192)
def actions_on(kseed: int, day: int) -> tuple[Action, ...]:
    r = rng(kseed, "actions", day)
    sites = locations(kseed)
    out = []
    for n in range(r.choices((0, 1, 2), (3, 5, 2))[0]):
        created = day_start(day) + timedelta(hours=r.randint(8, 17), minutes=r.randrange(60))
        out.append(
            Action(
                id=900_000 + day * 10 + n,
                title=r.choice(ACTIONS),
                priority=r.choices([p for p, _ in PRIORITIES], [w for _, w in PRIORITIES])[0],
                location=r.choice(sites),
                assignee=r.choice(PEOPLE),
                created_at=created,
                due_date=(created + timedelta(days=r.randint(3, 21))).date(),
                close_chance=r.random(),
            )
        )
    return tuple(out)


def is_open(action: Action, now: datetime) -> bool:
    """Open until its age makes closing likelier than its `close_chance` (never reopens)."""
    age_days = (now - action.created_at).total_seconds() / 86400
    return action.close_chance >= min(0.97, age_days / 45)


def actions(kseed: int, now: datetime) -> list[Action]:
    """Actions raised in the last 120 days up to `now`, newest first."""
    today = epoch_day(now)
    found = [
        a
        for day in range(today - ACTION_DAYS, today + 1)
        for a in actions_on(kseed, day)
        if a.created_at <= now
    ]
    return sorted(found, key=lambda a: (a.created_at, a.id), reverse=True)
