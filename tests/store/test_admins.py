"""Admins added per workspace."""

from __future__ import annotations

from bot.store import Store
from bot.team import Team
from tests.fakes.clock import FakeClock


async def test_add_list_remove(store: Store, team_a: Team, clock: FakeClock) -> None:
    assert await store.admins.add(team_a, "U2", added_by="U1") is True
    assert await store.admins.add(team_a, "U2", added_by="U9") is False
    assert await store.admins.is_admin(team_a, "U2")
    [admin] = await store.admins.list(team_a)
    assert (admin.user_id, admin.added_by, admin.added_at) == ("U2", "U1", clock.now())
    assert await store.admins.remove(team_a, "U2") is True
    assert await store.admins.remove(team_a, "U2") is False
    assert not await store.admins.is_admin(team_a, "U2")


async def test_workspaces_are_isolated(store: Store, team_a: Team, team_b: Team) -> None:
    await store.admins.add(team_a, "U2", added_by="U1")
    assert not await store.admins.is_admin(team_b, "U2")
    assert await store.admins.list(team_b) == []
    assert await store.admins.remove(team_b, "U2") is False
    assert await store.admins.is_admin(team_a, "U2")
