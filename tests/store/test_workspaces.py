"""Workspaces: install bookkeeping and forgetting a workspace on uninstall."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.store import Store
from bot.store.slack_stores import StoreInstallationStore
from bot.team import Team
from tests.fakes.clock import FakeClock


async def test_upsert_and_reinstall(store: Store, team_a: Team, clock: FakeClock) -> None:
    await store.workspaces.upsert(team_a, "Acme")
    first = clock.now()
    clock.advance(60)
    await store.workspaces.upsert(team_a, None)  # e.g. a token rotation save: nothing changes
    ws = await store.workspaces.get(team_a)
    assert ws is not None and (ws.team_name, ws.installed_at, ws.active) == ("Acme", first, True)

    await store.workspaces.delete_everything(team_a)
    ws = await store.workspaces.get(team_a)
    assert ws is not None and not ws.active and ws.uninstalled_at == clock.now()

    clock.advance(60)
    await store.workspaces.upsert(team_a, "Acme Inc")
    ws = await store.workspaces.get(team_a)
    assert ws is not None and ws.active and ws.installed_at == clock.now()


async def _fill(store: Store, team: Team) -> None:
    await StoreInstallationStore(store).async_save(
        Installation(
            app_id="A1",
            enterprise_id=team.enterprise_id,
            team_id=team.team_id,
            bot_token=f"xoxb-{team.team_id}",
            bot_id="B1",
            bot_user_id="UB",
            user_id="U1",
            installed_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
    await store.credentials.save(team, "raygun", {"api_key": "rg-0123456789abcdef"}, "U1")
    await store.admins.add(team, "U2", added_by="U1")
    digest = await store.digests.add(
        team,
        channel_id="C1",
        schedule_kind="hourly",
        minute=0,
        tz="UTC",
        created_by="U1",
        next_run_at=None,
    )
    await store.digests.claim_run(digest.id, datetime(2026, 1, 1, tzinfo=UTC))
    await store.alerts.add(
        team,
        metric="weldpulse.realtime",
        op=">",
        value=1,
        over_seconds=0,
        channel_id="C1",
        created_by="U1",
    )
    await store.audit.record(team, "U1", "connect", {"service": "raygun"})
    await store.users.put(team, "U1", tz="UTC", is_admin=True)
    await store.answers.remember(team, {"text": "an answer to share"})


async def test_delete_everything(store: Store, team_a: Team, team_b: Team) -> None:
    await _fill(store, team_a)
    await _fill(store, team_b)
    await store.budgets.try_spend("raygun:app", 50, datetime(2026, 1, 1, tzinfo=UTC))

    deleted = await store.workspaces.delete_everything(team_a, reason="tokens_revoked")
    assert deleted == {
        "installations": 1,
        "bots": 1,
        "credentials": 1,
        "admins": 1,
        "digest_runs": 1,
        "digests": 1,
        "alerts": 1,
        "user_cache": 1,
        "answers": 1,
        "audit": 1,
    }
    slack = StoreInstallationStore(store)
    assert await slack.async_find_installation(enterprise_id=None, team_id=team_a.team_id) is None
    assert await slack.async_find_bot(enterprise_id=None, team_id=team_a.team_id) is None
    assert await store.credentials.list(team_a) == []
    assert await store.admins.list(team_a) == []
    assert await store.digests.list(team_a) == []
    assert await store.alerts.list(team_a) == []
    assert await store.users.get(team_a, "U1", max_age_seconds=3600) is None
    [entry] = await store.audit.list(team_a)
    assert (entry.action, entry.user_id) == ("uninstalled", None)
    assert entry.detail["reason"] == "tokens_revoked"
    assert entry.detail["deleted"]["credentials"] == 1

    # The other workspace keeps everything; budgets are not per workspace.
    assert len(await store.credentials.list(team_b)) == 1
    assert len(await store.digests.list(team_b)) == 1
    assert len(await store.alerts.list(team_b)) == 1
    assert len(await store.audit.list(team_b)) == 1
    assert (
        await slack.async_find_bot(enterprise_id=team_b.enterprise_id, team_id=team_b.team_id)
        is not None
    )
    assert await store.budgets.used("raygun:app", datetime(2026, 1, 1, tzinfo=UTC)) == 1
