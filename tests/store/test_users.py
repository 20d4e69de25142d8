"""The users.info cache."""

from __future__ import annotations

from bot.store import Store
from bot.team import Team
from tests.fakes.clock import FakeClock


async def test_put_get_expire(store: Store, team_a: Team, clock: FakeClock) -> None:
    assert await store.users.get(team_a, "U1", max_age_seconds=300) is None
    await store.users.put(team_a, "U1", tz="Pacific/Auckland", is_admin=True)
    cached = await store.users.get(team_a, "U1", max_age_seconds=300)
    assert cached is not None
    assert (cached.tz, cached.is_admin, cached.fetched_at) == (
        "Pacific/Auckland",
        True,
        clock.now(),
    )
    clock.advance(301)
    assert await store.users.get(team_a, "U1", max_age_seconds=300) is None
    await store.users.put(team_a, "U1", tz=None, is_admin=False)
    refreshed = await store.users.get(team_a, "U1", max_age_seconds=300)
    assert refreshed is not None and (refreshed.tz, refreshed.is_admin) == (None, False)
    await store.users.forget(team_a, "U1")
    assert await store.users.get(team_a, "U1", max_age_seconds=300) is None


async def test_workspaces_are_isolated(store: Store, team_a: Team, team_b: Team) -> None:
    await store.users.put(team_a, "U1", tz="UTC", is_admin=True)
    assert await store.users.get(team_b, "U1", max_age_seconds=300) is None
