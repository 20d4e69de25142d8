"""Service credentials: encrypted at rest, last 4 only in listings, scoped by workspace."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.store import Store
from bot.store.credentials import last4_of
from bot.team import Team
from tests.fakes.clock import FakeClock

RAYGUN = {
    "api_key": "rg-api-key-0123456789abcdefWXYZ",
    "client_id": "client-17",
    "client_secret": "s3cr3t-client-value",
}


async def test_round_trip(store: Store, team_a: Team, clock: FakeClock) -> None:
    await store.credentials.save(team_a, "raygun", RAYGUN, "U1")
    assert await store.credentials.get(team_a, "raygun") == RAYGUN
    [info] = await store.credentials.list(team_a)
    assert info.service == "raygun"
    assert info.last4 == "WXYZ"
    assert info.created_by == "U1"
    assert info.created_at == clock.now()
    assert (info.last_success_at, info.last_error, info.last_error_at) == (None, None, None)


async def test_missing_credential(store: Store, team_a: Team) -> None:
    assert await store.credentials.get(team_a, "weldpulse") is None
    assert await store.credentials.delete(team_a, "weldpulse") is False
    assert await store.credentials.list(team_a) == []


async def test_listing_never_holds_the_secret(store: Store, team_a: Team) -> None:
    await store.credentials.save(team_a, "raygun", RAYGUN, "U1")
    listed = repr(await store.credentials.list(team_a))
    for value in RAYGUN.values():
        assert value not in listed


async def test_secret_is_not_in_the_file(
    sqlite_store: Store, team_a: Team, file_bytes: Callable[[], bytes]
) -> None:
    await sqlite_store.credentials.save(team_a, "raygun", RAYGUN, "U1")
    await sqlite_store.credentials.save(
        team_a, "weldpulse", {"api_key": "ak_live_SUPERSECRET123"}, "U1"
    )
    data = file_bytes()
    assert b"ak_live_SUPERSECRET123" not in data
    for value in RAYGUN.values():
        assert value.encode() not in data
    assert b"client_secret" not in data  # even the field names are inside the ciphertext
    [row] = await sqlite_store.db.run(
        lambda: sqlite_store.db.query("SELECT secret_enc FROM credentials LIMIT 1")
    )
    with pytest.raises(json.JSONDecodeError):
        json.loads(row["secret_enc"])


async def test_replacing_keeps_creator_and_resets_health(
    store: Store, team_a: Team, clock: FakeClock
) -> None:
    await store.credentials.save(team_a, "weldpulse", {"api_key": "ak_live_first_key_0001"}, "U1")
    created = clock.now()
    await store.credentials.record_error(team_a, "weldpulse", "401 unauthorized")
    clock.advance(60)
    await store.credentials.save(team_a, "weldpulse", {"api_key": "ak_live_second_key_0002"}, "U2")
    [info] = await store.credentials.list(team_a)
    assert info.created_by == "U1" and info.created_at == created
    assert info.updated_at == clock.now()
    assert info.last4 == "0002"
    assert info.last_error is None
    assert await store.credentials.get(team_a, "weldpulse") == {
        "api_key": "ak_live_second_key_0002"
    }


async def test_health(store: Store, team_a: Team, clock: FakeClock) -> None:
    await store.credentials.save(team_a, "pulsepro", {"api_key": "pp-0123456789-abcd"}, "U1")
    clock.advance(5)
    await store.credentials.record_success(team_a, "pulsepro")
    succeeded = clock.now()
    clock.advance(5)
    await store.credentials.record_error(team_a, "pulsepro", "x" * 2000)
    [info] = await store.credentials.list(team_a)
    assert info.last_success_at == succeeded
    assert info.last_error_at == succeeded + timedelta(seconds=5)
    assert info.last_error is not None and len(info.last_error) == 500


async def test_workspaces_are_isolated(store: Store, team_a: Team, team_b: Team) -> None:
    await store.credentials.save(team_a, "raygun", RAYGUN, "UA")
    assert await store.credentials.get(team_b, "raygun") is None
    assert await store.credentials.list(team_b) == []
    assert await store.credentials.delete(team_b, "raygun") is False
    await store.credentials.record_error(team_b, "raygun", "nope")
    assert await store.credentials.get(team_a, "raygun") == RAYGUN
    assert (await store.credentials.list(team_a))[0].last_error is None


async def test_same_team_id_in_another_enterprise_is_another_workspace(store: Store) -> None:
    plain, grid = Team("T1"), Team("T1", "E1")
    await store.credentials.save(plain, "raygun", RAYGUN, "U1")
    assert await store.credentials.get(grid, "raygun") is None


async def test_services(store: Store, team_a: Team) -> None:
    await store.credentials.save(team_a, "whatpulse", {"token": "wp-token-000000000001"}, "U1")
    await store.credentials.save(team_a, "raygun", RAYGUN, "U1")
    assert await store.credentials.services(team_a) == ["raygun", "whatpulse"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"api_key": "ak_live_0123456789"}, "6789", id="one-field"),
        pytest.param({"id": "12", "secret": "abcdefghijklmnop"}, "mnop", id="longest-wins"),
        pytest.param({"api_key": "short-key"}, "", id="too-short-to-show"),
    ],
)
def test_last4(fields: dict[str, str], expected: str) -> None:
    assert last4_of(fields) == expected


@pytest.mark.parametrize("fields", [{}, {"a": 1}], ids=["empty", "not-str"])
async def test_fields_must_be_strings(store: Store, team_a: Team, fields: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        await store.credentials.save(team_a, "raygun", fields, "U1")
