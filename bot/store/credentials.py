"""Service credentials per workspace: encrypted at rest, never handed out in listings.

A credential is the set of fields a service needs (an API key; for Raygun also a client ID
and secret), stored as one encrypted JSON document per (workspace, service). Listings show
`CredentialInfo` only: the last four characters of the longest field, who connected it and
when, and the health recorded by the clients (last success, last error).
"""

from __future__ import annotations

import builtins
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.errors import ConfigError
from bot.store._rows import iso, opt_iso, opt_text, parse_iso, text
from bot.store.crypto import Secrets
from bot.store.db import Database, Repository, unit
from bot.team import Team

#: Secrets shorter than this show no last-4 at all: four characters would give away too much.
MIN_LENGTH_FOR_LAST4 = 12
MAX_ERROR_LENGTH = 500

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    """What may be shown about a stored credential: never the secret itself."""

    service: str
    last4: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


def last4_of(fields: dict[str, str]) -> str:
    """The last four characters of the longest field value (the one most likely secret)."""
    longest = max(fields.values(), key=len, default="")
    return longest[-4:] if len(longest) >= MIN_LENGTH_FOR_LAST4 else ""


class CredentialsRepository(Repository):
    def __init__(self, db: Database, secrets: Secrets, clock: Clock):
        super().__init__(db)
        self._secrets = secrets
        self._clock = clock

    @unit
    def save(self, team: Team, service: str, fields: dict[str, str], user_id: str) -> None:
        """Store (or replace) the credential; health fields restart from nothing."""
        if not fields or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
        ):
            raise ValueError("credential fields must be a non-empty mapping of str to str")
        now = iso(self._clock.now())
        secret_enc = self._secrets.encrypt(json.dumps(fields, sort_keys=True))
        self._db.execute(
            """INSERT INTO credentials (team_key, service, secret_enc, last4, created_by,
                   created_at, updated_at, last_success_at, last_error, last_error_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)
               ON CONFLICT (team_key, service) DO UPDATE SET
                   secret_enc = excluded.secret_enc, last4 = excluded.last4,
                   updated_at = excluded.updated_at, last_success_at = NULL,
                   last_error = NULL, last_error_at = NULL""",
            [team.key, service, secret_enc, last4_of(fields), user_id, now, now],
        )

    @unit
    def get(self, team: Team, service: str) -> dict[str, str] | None:
        """The decrypted fields, or None if the workspace has not connected `service`."""
        row = self._db.execute(
            "SELECT secret_enc FROM credentials WHERE team_key = ? AND service = ?",
            [team.key, service],
        ).fetchone()
        if row is None:
            return None
        decoded = json.loads(self._secrets.decrypt(str(row[0])))
        return {str(k): str(v) for k, v in decoded.items()}

    @unit
    def delete(self, team: Team, service: str) -> bool:
        cursor = self._db.execute(
            "DELETE FROM credentials WHERE team_key = ? AND service = ?", [team.key, service]
        )
        return cursor.rowcount > 0

    @unit
    def list(self, team: Team) -> builtins.list[CredentialInfo]:
        rows = self._db.query(
            """SELECT service, last4, created_by, created_at, updated_at, last_success_at,
                      last_error, last_error_at
               FROM credentials WHERE team_key = ? ORDER BY service""",
            [team.key],
        )
        return [
            CredentialInfo(
                service=text(r["service"]),
                last4=text(r["last4"]),
                created_by=text(r["created_by"]),
                created_at=parse_iso(r["created_at"]),
                updated_at=parse_iso(r["updated_at"]),
                last_success_at=opt_iso(r["last_success_at"]),
                last_error=opt_text(r["last_error"]),
                last_error_at=opt_iso(r["last_error_at"]),
            )
            for r in rows
        ]

    @unit
    def all_of(self, team: Team) -> dict[str, dict[str, str] | ConfigError]:
        """Every connected service's decrypted fields, by service key — or, for a secret
        the configured keys cannot decrypt, the error to raise when that service is used
        (the other services still work)."""
        rows = self._db.execute(
            "SELECT service, secret_enc FROM credentials WHERE team_key = ?", [team.key]
        ).fetchall()
        found: dict[str, dict[str, str] | ConfigError] = {}
        for service, secret in rows:
            try:
                found[str(service)] = self._fields(str(secret))
            except ConfigError as err:
                log.error("the stored %s secret of %s cannot be decrypted", service, team.key)
                found[str(service)] = err
        return found

    def _fields(self, secret_enc: str) -> dict[str, str]:
        decoded = json.loads(self._secrets.decrypt(secret_enc))
        return {str(k): str(v) for k, v in decoded.items()}

    @unit
    def services(self, team: Team) -> builtins.list[str]:
        """The services this workspace has connected, sorted."""
        return [
            str(r[0])
            for r in self._db.execute(
                "SELECT service FROM credentials WHERE team_key = ? ORDER BY service", [team.key]
            )
        ]

    @unit
    def record_success(self, team: Team, service: str) -> None:
        self._db.execute(
            "UPDATE credentials SET last_success_at = ? WHERE team_key = ? AND service = ?",
            [iso(self._clock.now()), team.key, service],
        )

    @unit
    def record_error(self, team: Team, service: str, message: str) -> None:
        """Remember the latest failure; `message` must already be free of secrets."""
        self._db.execute(
            """UPDATE credentials SET last_error = ?, last_error_at = ?
               WHERE team_key = ? AND service = ?""",
            [message[:MAX_ERROR_LENGTH], iso(self._clock.now()), team.key, service],
        )

    def rotate_all(self) -> int:
        """Re-encrypt every stored credential with the newest key; the count rewritten."""
        count = 0
        with self._db.transaction():
            rows = self._db.execute(
                "SELECT team_key, service, secret_enc FROM credentials"
            ).fetchall()
            for team_key, service, secret_enc in rows:
                self._db.execute(
                    "UPDATE credentials SET secret_enc = ? WHERE team_key = ? AND service = ?",
                    [self._secrets.rotate(str(secret_enc)), team_key, service],
                )
                count += 1
        return count
