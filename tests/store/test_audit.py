"""The audit trail."""

from __future__ import annotations

from collections.abc import Callable

from bot.store import Store
from bot.store.audit import REDACTED
from bot.team import Team
from tests.fakes.clock import FakeClock


async def test_record_and_list_newest_first(store: Store, team_a: Team, clock: FakeClock) -> None:
    first = await store.audit.record(team_a, "U1", "connect", {"service": "raygun"})
    clock.advance(1)
    second = await store.audit.record(
        team_a, "U1", "digest.add", {"digest_id": 3, "when": clock.now()}
    )
    entries = await store.audit.list(team_a)
    assert [e.id for e in entries] == [second, first]
    assert entries[1].detail == {"service": "raygun"}
    assert entries[1].user_id == "U1" and entries[1].action == "connect"
    assert entries[0].at == clock.now()
    assert (await store.audit.list(team_a, limit=1))[0].id == second


async def test_secret_looking_values_are_never_written(
    sqlite_store: Store, team_a: Team, file_bytes: Callable[[], bytes]
) -> None:
    await sqlite_store.audit.record(
        team_a,
        "U1",
        "connect",
        {"service": "raygun", "api_key": "rg-LEAK-1", "nested": [{"client_secret": "LEAK-2"}]},
    )
    [entry] = await sqlite_store.audit.list(team_a)
    assert entry.detail == {
        "service": "raygun",
        "api_key": REDACTED,
        "nested": [{"client_secret": REDACTED}],
    }
    data = file_bytes()
    assert b"rg-LEAK-1" not in data and b"LEAK-2" not in data


async def test_workspaces_are_isolated(store: Store, team_a: Team, team_b: Team) -> None:
    await store.audit.record(team_a, "U1", "admins.add", {"user": "U2"})
    assert await store.audit.list(team_b) == []


async def test_events_without_a_person(store: Store, team_a: Team) -> None:
    await store.audit.record(team_a, None, "tokens_revoked", {})
    assert (await store.audit.list(team_a))[0].user_id is None
