"""The operator CLI: keys, credentials, digests and alerts, from a shell on the server.

    python -m bot keygen                       print a new PULSEBOT_SECRET_KEY value
    python -m bot rotate-keys                  re-encrypt all secrets with the newest key
    python -m bot credentials list TEAM        connected services of a workspace (last 4 only)
    python -m bot credentials delete TEAM SERVICE
    python -m bot digests list [TEAM]
    python -m bot alerts list [TEAM]
    python -m bot migrate                      apply the database's migrations and exit
    python -m bot copy-db --from URL --to URL  move an installation into an empty database

TEAM is a Slack team ID (`T…`), or `ENTERPRISE:TEAM` for Enterprise Grid installs.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from cryptography.fernet import Fernet

from bot.app import open_store
from bot.clock import SystemClock
from bot.config import Settings
from bot.store import open_database, rotate_keys
from bot.store.copying import copy_database
from bot.team import Team


def add_parsers(sub: Any) -> None:
    cred = sub.add_parser("credentials", help="list or delete a workspace's credentials")
    cred_sub = cred.add_subparsers(dest="action", required=True)
    listing = cred_sub.add_parser("list")
    listing.add_argument("team")
    delete = cred_sub.add_parser("delete")
    delete.add_argument("team")
    delete.add_argument("service")
    for name in ("digests", "alerts"):
        group = sub.add_parser(name, help=f"list {name}")
        group_sub = group.add_subparsers(dest="action", required=True)
        group_sub.add_parser("list").add_argument("team", nargs="?")
    sub.add_parser("migrate", help="apply the database's migrations (DATABASE_URL or _PATH)")
    copy = sub.add_parser("copy-db", help="copy every row into an empty database")
    copy.add_argument("--from", dest="source", required=True, metavar="URL")
    copy.add_argument("--to", dest="target", required=True, metavar="URL")


def migrate(settings: Settings) -> int:
    """Bring the schema up to date and say what was applied (safe beside running processes)."""
    db = open_database(settings.database)
    db.close()
    print(f"the database at {db.label} is up to date")
    return 0


def copy_db(source_url: str, target_url: str) -> int:
    source = open_database(source_url)
    try:
        target = open_database(target_url)
        try:
            copied = copy_database(source, target)
        finally:
            target.close()
    finally:
        source.close()
    print(f"copied {sum(copied.values())} rows from {source.label} to {target.label}")
    return 0


def keygen() -> int:
    print(Fernet.generate_key().decode())
    return 0


def parse_team(value: str) -> Team:
    enterprise, _, team = value.rpartition(":")
    return Team(team_id=team, enterprise_id=enterprise or None)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.mode == "migrate":
        return migrate(settings)
    if args.mode == "copy-db":
        return copy_db(args.source, args.target)
    return asyncio.run(_operate(args, settings))


async def _operate(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings, SystemClock())
    try:
        if args.mode == "rotate-keys":
            count = rotate_keys(store)
            print(f"re-encrypted {count} secrets with the newest key")
            return 0
        if args.mode == "credentials":
            team = parse_team(args.team)
            if args.action == "delete":
                gone = await store.credentials.delete(team, args.service)
                if gone:
                    await store.audit.record(
                        team, "operator", "credentials.delete", {"service": args.service}
                    )
                print("deleted" if gone else "no such credential")
                return 0 if gone else 1
            for info in await store.credentials.list(team):
                print(
                    f"{info.service:13} …{info.last4}  added {info.created_at} "
                    f"by {info.created_by}  last error: {info.last_error or '-'}"
                )
            return 0
        team_arg = getattr(args, "team", None)
        scope = parse_team(team_arg) if team_arg else None
        if args.mode == "digests":
            digests = (
                await store.digests.list(scope)
                if scope
                else await store.digests.list_all_for_scheduler(include_paused=True)
            )
            for d in digests:
                print(
                    f"#{d.number} (id {d.id}) {d.team.key} <#{d.channel_id}> {d.schedule_kind} "
                    f"{d.hour}:{d.minute:02d} {d.tz} paused={bool(d.paused)}"
                )
            return 0
        if args.mode == "alerts":
            alerts = (
                await store.alerts.list(scope)
                if scope
                else await store.alerts.list_all_for_scheduler(include_muted=True)
            )
            for a in alerts:
                print(
                    f"#{a.number} (id {a.id}) {a.team.key} {a.metric} {a.op} {a.value} "
                    f"state={a.state}"
                )
            return 0
        raise SystemExit(f"unknown mode {args.mode!r}")
    finally:
        store.close()
