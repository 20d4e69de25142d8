"""Named leases: one holder at a time, until it lapses or is released. (On PostgreSQL the
database's clock judges them; `database_url` makes that clock the test's `clock`.)"""

from __future__ import annotations

from bot.store import Secrets, Store, open_database
from tests.fakes.clock import FakeClock
from tests.fakes.postgres import Cluster


async def test_one_holder_at_a_time_until_it_lapses(store: Store, clock: FakeClock) -> None:
    assert await store.leases.hold("scheduler", "web-1", 90)
    assert not await store.leases.hold("scheduler", "web-2", 90)
    assert await store.leases.hold("scheduler", "web-1", 90)  # renewing is fine
    assert await store.leases.holder("scheduler") == "web-1"
    clock.advance(89)
    assert not await store.leases.hold("scheduler", "web-2", 90)
    clock.advance(2)
    assert await store.leases.holder("scheduler") is None
    assert await store.leases.hold("scheduler", "web-2", 90)
    assert not await store.leases.hold("scheduler", "web-1", 90)


async def test_release_frees_it_only_for_its_holder(store: Store) -> None:
    assert await store.leases.hold("scheduler", "web-1", 90)
    await store.leases.release("scheduler", "web-2")
    assert await store.leases.holder("scheduler") == "web-1"
    await store.leases.release("scheduler", "web-1")
    assert await store.leases.hold("scheduler", "web-2", 90)


async def test_on_postgresql_the_database_clock_judges(
    postgres: Cluster, migrated_template: str, secrets: Secrets
) -> None:
    """Hosts' clocks may disagree, so a lease there lapses by the server's clock: moving
    this process's clock (not followed by the database here) lapses nothing."""
    clock = FakeClock()
    url = postgres.database(migrated_template)
    store = Store(open_database(url), secrets, clock)
    try:
        assert await store.leases.hold("scheduler", "web-1", 90)
        clock.advance(91)
        assert await store.leases.holder("scheduler") == "web-1"
        assert not await store.leases.hold("scheduler", "web-2", 90)
    finally:
        store.close()
        postgres.drop(url)
