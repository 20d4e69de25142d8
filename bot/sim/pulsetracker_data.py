"""The apps and devices behind the simulated Pulsetracker API.

Each token is one account holding about fifteen apps (two pages of twelve), generated
from the credential seed, plus whatever is created or renamed through the API while the
simulator runs. Monthly `messages_sent` follow the injected clock; one app (the busiest)
is always above 80% of the monthly plan limit this month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.sim.data import apportion, fake_uuid, iso_z, number, rng, unit

NAMES = (
    "Delivery Fleet",
    "Field Technicians",
    "Courier App",
    "Bike Share",
    "Rideshare Drivers",
    "Warehouse Robots",
    "Marathon Live",
    "School Buses",
    "Food Trucks",
    "Hiking Club",
    "Ambulance Dispatch",
    "Ferry Tracker",
    "Taxi Dispatch",
    "Pet Tracker",
    "Drone Survey",
    "Snow Ploughs",
    "Tour Guides",
)
QUOTA_MONTHS = 3
DEVICE_TYPES = ("android", "ios", "gps-tracker")


@dataclass
class App:
    key: str
    name: str
    created_at: datetime
    devices_count: int
    monthly: int  # typical messages per month
    hot: bool = False  # the one near its plan limit

    def messages(self, year: int, month: int, now: datetime, limit: int) -> int:
        """Messages sent in that month, as far as `now` has got."""
        start = datetime(year, month, 1, tzinfo=UTC)
        if now < start or self.monthly == 0:
            return 0
        if self.hot and (year, month) == (now.year, now.month):
            return round(limit * (0.82 + 0.12 * unit("hot", self.key, year, month)))
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        elapsed = min(1.0, (now - start) / (end - start))
        return round(self.monthly * (0.8 + 0.4 * unit("month", self.key, year, month)) * elapsed)

    def quota(self, now: datetime, limit: int) -> list[dict[str, int]]:
        months = []
        year, month = now.year, now.month
        for _ in range(QUOTA_MONTHS):
            if datetime(year, month, 1, tzinfo=UTC) + timedelta(days=31) < self.created_at:
                break
            months.append(
                {
                    "year": year,
                    "month": month,
                    "messages_sent": self.messages(year, month, now, limit),
                }
            )
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return months[::-1]


@dataclass
class Account:
    kseed: int
    apps: list[App] = field(default_factory=list)
    created: int = 0

    @classmethod
    def generate(cls, kseed: int, monthly_limit: int) -> Account:
        count = 13 + number(kseed, "app-count") % 5
        first = datetime(2024, 1, 8, 10, 0, tzinfo=UTC)
        hot = number(kseed, "hot-app") % 8  # among the older apps
        apps = []
        for i in range(count):
            r = rng(kseed, "app", i)
            created = first + timedelta(days=i * 41 + r.randrange(30), minutes=r.randrange(600))
            quiet = r.random() < 0.15
            apps.append(
                App(
                    key=fake_uuid(kseed, "app-key", i),
                    name=NAMES[(i + number(kseed, "names")) % len(NAMES)],
                    created_at=created,
                    devices_count=60 if i == hot else 0 if quiet else r.randint(1, 40),
                    monthly=0 if quiet and i != hot else r.randint(300, int(monthly_limit * 0.6)),
                    hot=i == hot,
                )
            )
        return cls(kseed, apps)

    def find(self, key: str, now: datetime) -> App | None:
        return next((app for app in self.listed(now) if app.key == key), None)

    def add(self, name: str, now: datetime) -> App:
        self.created += 1
        app = App(fake_uuid(self.kseed, "created-app", self.created), name, now, 0, 0)
        self.apps.append(app)
        return app

    def listed(self, now: datetime) -> list[App]:
        """The apps existing at `now`, newest first, as the dashboard lists them."""
        existing = [app for app in self.apps if app.created_at <= now]
        return sorted(existing, key=lambda a: (a.created_at, a.key), reverse=True)


def devices(kseed: int, app: App, now: datetime, limit: int) -> list[dict[str, object]]:
    """The app's devices; their monthly messages add up to the app's quota."""
    draws = [rng(kseed, "device", app.key, n) for n in range(app.devices_count)]
    weights = [r.uniform(0.2, 1.0) for r in draws]
    months = app.quota(now, limit)
    shares = [apportion(m["messages_sent"], weights) for m in months]
    out: list[dict[str, object]] = []
    for n, r in enumerate(draws):
        seen = now - timedelta(minutes=r.randrange(1, 60 * 24 * 3))
        out.append(
            {
                "key": fake_uuid(kseed, "device-key", app.key, n),
                "name": f"device-{n + 1:03d}",
                "type": r.choice(DEVICE_TYPES),
                "app_key": app.key,
                "app": {"key": app.key, "name": app.name},
                "lastLocation": {
                    "location": {
                        "type": "Point",
                        "coordinates": [
                            round(r.uniform(-120.0, 175.0), 6),
                            round(r.uniform(-45.0, 60.0), 6),
                        ],
                    },
                    "ip_address": f"{r.randrange(23, 220)}.{r.randrange(256)}.{r.randrange(256)}."
                    f"{r.randrange(1, 255)}",
                    "updated_at": iso_z(seen),
                },
                "quota": [
                    {**month, "messages_sent": share[n]}
                    for month, share in zip(months, shares, strict=True)
                ],
                "created_at": iso_z(app.created_at + timedelta(hours=n + 1)),
            }
        )
    return out
