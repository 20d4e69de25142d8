"""Slack OAuth installations and bot tokens, encrypted at rest.

Rows follow slack_sdk's own SQLite store: ``''`` stands for a missing enterprise or team
ID, an org-wide (Enterprise Grid) install is stored with team ID ``''``, and "latest"
means most recently saved. Unlike that store, each save replaces the previous row for the
same installer (installations) or workspace (bots) rather than piling up old tokens.
Every token, refresh token, webhook URL and custom value is a Fernet token in the file.
`bot.store.slack_stores` adapts this to slack_sdk's `AsyncInstallationStore`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.store._rows import iso, opt_iso, opt_text, parse_iso, text
from bot.store.crypto import Secrets
from bot.store.db import Database, Repository, unit

#: Encrypted columns per table (used by saving, reading and key rotation).
ENCRYPTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "installations": (
        "bot_token_enc",
        "bot_refresh_token_enc",
        "user_token_enc",
        "user_refresh_token_enc",
        "incoming_webhook_url_enc",
        "custom_values_enc",
    ),
    "bots": ("bot_token_enc", "bot_refresh_token_enc", "custom_values_enc"),
}


def _ts_out(unix: float | None, *, precise: bool = False) -> str | None:
    if unix is None:
        return None
    return iso(datetime.fromtimestamp(unix, tz=UTC), precise=precise)


def _ts_in(value: object) -> int | None:
    parsed = opt_iso(value)
    return None if parsed is None else int(parsed.timestamp())


def _scopes(scopes: object) -> str:
    if scopes is None:
        return ""
    if isinstance(scopes, str):
        return scopes
    if isinstance(scopes, list | tuple):
        return ",".join(str(s) for s in scopes)
    raise TypeError("scopes must be a string or a sequence of strings")


def _none_if_blank(value: object) -> str | None:
    return opt_text(value) or None


class InstallationsRepository(Repository):
    def __init__(self, db: Database, secrets: Secrets):
        super().__init__(db)
        self._secrets = secrets

    # -- encryption helpers -------------------------------------------------------------

    def _enc(self, value: str | None) -> str | None:
        return None if value is None else self._secrets.encrypt(value)

    def _dec(self, value: object) -> str | None:
        return None if value is None else self._secrets.decrypt(str(value))

    def _enc_custom(self, values: dict[str, Any]) -> str | None:
        return self._secrets.encrypt(json.dumps(values, default=str)) if values else None

    def _dec_custom(self, value: object) -> dict[str, Any]:
        plain = self._dec(value)
        return dict(json.loads(plain)) if plain else {}

    # -- writes -------------------------------------------------------------------------

    @unit
    def save_installation(self, installation: Installation) -> None:
        """Store `installation` as the latest of its installer, and its bot as the latest bot."""
        i = installation
        row = {
            "app_id": i.app_id,
            "enterprise_id": i.enterprise_id or "",
            "enterprise_name": i.enterprise_name,
            "enterprise_url": i.enterprise_url,
            "team_id": i.team_id or "",
            "team_name": i.team_name,
            "bot_token_enc": self._enc(i.bot_token),
            "bot_id": i.bot_id,
            "bot_user_id": i.bot_user_id,
            "bot_scopes": _scopes(i.bot_scopes),
            "bot_refresh_token_enc": self._enc(i.bot_refresh_token),
            "bot_token_expires_at": _ts_out(i.bot_token_expires_at),
            "user_id": i.user_id,
            "user_token_enc": self._enc(i.user_token),
            "user_scopes": _scopes(i.user_scopes),
            "user_refresh_token_enc": self._enc(i.user_refresh_token),
            "user_token_expires_at": _ts_out(i.user_token_expires_at),
            "incoming_webhook_url_enc": self._enc(i.incoming_webhook_url),
            "incoming_webhook_channel": i.incoming_webhook_channel,
            "incoming_webhook_channel_id": i.incoming_webhook_channel_id,
            "incoming_webhook_configuration_url": i.incoming_webhook_configuration_url,
            "is_enterprise_install": int(bool(i.is_enterprise_install)),
            "token_type": i.token_type,
            "installed_at": _ts_out(i.installed_at, precise=True),
            "custom_values_enc": self._enc_custom(i.custom_values),
        }
        with self._db.transaction():
            self._db.execute(
                """DELETE FROM installations
                   WHERE enterprise_id = ? AND team_id = ? AND user_id = ?""",
                [row["enterprise_id"], row["team_id"], row["user_id"]],
            )
            self._insert("installations", row)
            if i.bot_token is not None:
                self._save_bot(i.to_bot())

    def _save_bot(self, bot: Bot) -> None:
        """Store `bot` as the latest bot of its workspace (or org); no token, no row."""
        if bot.bot_token is None:
            return
        row = {
            "app_id": bot.app_id,
            "enterprise_id": bot.enterprise_id or "",
            "enterprise_name": bot.enterprise_name,
            "team_id": bot.team_id or "",
            "team_name": bot.team_name,
            "bot_token_enc": self._enc(bot.bot_token),
            "bot_id": bot.bot_id,
            "bot_user_id": bot.bot_user_id,
            "bot_scopes": _scopes(bot.bot_scopes),
            "bot_refresh_token_enc": self._enc(bot.bot_refresh_token),
            "bot_token_expires_at": _ts_out(bot.bot_token_expires_at),
            "is_enterprise_install": int(bool(bot.is_enterprise_install)),
            "installed_at": _ts_out(bot.installed_at, precise=True),
            "custom_values_enc": self._enc_custom(bot.custom_values),
        }
        with self._db.transaction():
            self._db.execute(
                "DELETE FROM bots WHERE enterprise_id = ? AND team_id = ?",
                [row["enterprise_id"], row["team_id"]],
            )
            self._insert("bots", row)

    save_bot = unit(_save_bot)

    def _insert(self, table: str, row: Mapping[str, object]) -> None:
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self._db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values()))

    def _delete_bot(self, enterprise_id: str | None, team_id: str | None) -> int:
        cursor = self._db.execute(
            "DELETE FROM bots WHERE enterprise_id = ? AND team_id = ?",
            [enterprise_id or "", team_id or ""],
        )
        return cursor.rowcount

    delete_bot = unit(_delete_bot)

    def _delete_installation(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> int:
        """Delete the installer's row, or every installation of the workspace without `user_id`."""
        sql = "DELETE FROM installations WHERE enterprise_id = ? AND team_id = ?"
        params = [enterprise_id or "", team_id or ""]
        if user_id is not None:
            sql += " AND user_id = ?"
            params.append(user_id)
        return self._db.execute(sql, params).rowcount

    delete_installation = unit(_delete_installation)

    # -- reads --------------------------------------------------------------------------

    @unit
    def find_bot(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> Bot | None:
        if is_enterprise_install or team_id is None:
            team_id = ""
        rows = list(
            self._db.query(
                """SELECT * FROM bots WHERE enterprise_id = ? AND team_id = ?
                   ORDER BY id DESC LIMIT 1""",
                [enterprise_id or "", team_id],
            )
        )
        if not rows:
            return None
        r = rows[0]
        return Bot(
            app_id=opt_text(r["app_id"]),
            enterprise_id=_none_if_blank(r["enterprise_id"]),
            enterprise_name=opt_text(r["enterprise_name"]),
            team_id=_none_if_blank(r["team_id"]),
            team_name=opt_text(r["team_name"]),
            bot_token=text(self._dec(r["bot_token_enc"])),
            bot_id=text(r["bot_id"]),
            bot_user_id=text(r["bot_user_id"]),
            bot_scopes=text(r["bot_scopes"]),
            bot_refresh_token=self._dec(r["bot_refresh_token_enc"]),
            bot_token_expires_at=_ts_in(r["bot_token_expires_at"]),
            is_enterprise_install=bool(r["is_enterprise_install"]),
            installed_at=parse_iso(r["installed_at"]),
            custom_values=self._dec_custom(r["custom_values_enc"]),
        )

    @unit
    def find_installation(
        self,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """The latest installation of the workspace (or org), or of one installer in it.

        As in slack_sdk, when looking up one user's installation, or when the latest one
        has no bot token, the bot fields come from the latest installation that has one.
        """
        if is_enterprise_install or team_id is None:
            team_id = ""
        where = "enterprise_id = ? AND team_id = ?"
        params = [enterprise_id or "", team_id]
        if user_id is not None:
            where += " AND user_id = ?"
            params.append(user_id)
        rows = list(
            self._db.query(
                f"SELECT * FROM installations WHERE {where} ORDER BY id DESC LIMIT 1", params
            )
        )
        if not rows:
            return None
        installation = self._installation(rows[0])
        if user_id is not None or installation.bot_token is None:
            bot_rows = list(
                self._db.query(
                    """SELECT bot_token_enc, bot_id, bot_user_id, bot_scopes,
                              bot_refresh_token_enc, bot_token_expires_at
                       FROM installations
                       WHERE enterprise_id = ? AND team_id = ? AND bot_token_enc IS NOT NULL
                       ORDER BY id DESC LIMIT 1""",
                    [enterprise_id or "", team_id],
                )
            )
            if bot_rows:
                b = bot_rows[0]
                installation.bot_token = self._dec(b["bot_token_enc"])
                installation.bot_id = opt_text(b["bot_id"])
                installation.bot_user_id = opt_text(b["bot_user_id"])
                installation.bot_scopes = [s for s in text(b["bot_scopes"]).split(",") if s]
                installation.bot_refresh_token = self._dec(b["bot_refresh_token_enc"])
                installation.bot_token_expires_at = _ts_in(b["bot_token_expires_at"])
        return installation

    def _installation(self, r: dict[str, Any]) -> Installation:
        return Installation(
            app_id=opt_text(r["app_id"]),
            enterprise_id=_none_if_blank(r["enterprise_id"]),
            enterprise_name=opt_text(r["enterprise_name"]),
            enterprise_url=opt_text(r["enterprise_url"]),
            team_id=_none_if_blank(r["team_id"]),
            team_name=opt_text(r["team_name"]),
            bot_token=self._dec(r["bot_token_enc"]),
            bot_id=opt_text(r["bot_id"]),
            bot_user_id=opt_text(r["bot_user_id"]),
            bot_scopes=text(r["bot_scopes"]),
            bot_refresh_token=self._dec(r["bot_refresh_token_enc"]),
            bot_token_expires_at=_ts_in(r["bot_token_expires_at"]),
            user_id=text(r["user_id"]),
            user_token=self._dec(r["user_token_enc"]),
            user_scopes=text(r["user_scopes"]),
            user_refresh_token=self._dec(r["user_refresh_token_enc"]),
            user_token_expires_at=_ts_in(r["user_token_expires_at"]),
            incoming_webhook_url=self._dec(r["incoming_webhook_url_enc"]),
            incoming_webhook_channel=opt_text(r["incoming_webhook_channel"]),
            incoming_webhook_channel_id=opt_text(r["incoming_webhook_channel_id"]),
            incoming_webhook_configuration_url=opt_text(r["incoming_webhook_configuration_url"]),
            is_enterprise_install=bool(r["is_enterprise_install"]),
            token_type=opt_text(r["token_type"]),
            installed_at=parse_iso(r["installed_at"]),
            custom_values=self._dec_custom(r["custom_values_enc"]),
        )

    @unit
    def delete_all(self, enterprise_id: str | None, team_id: str | None) -> None:
        """The workspace's bot and every installation of it, together."""
        with self._db.transaction():
            self._delete_bot(enterprise_id, team_id)
            self._delete_installation(enterprise_id, team_id, None)

    # -- key rotation -------------------------------------------------------------------

    def rotate_all(self) -> int:
        """Re-encrypt every token with the newest key; the number of values rewritten."""
        count = 0
        with self._db.transaction():
            for table, columns in ENCRYPTED_COLUMNS.items():
                rows = self._db.execute(f"SELECT id, {', '.join(columns)} FROM {table}").fetchall()
                for row_id, *values in rows:
                    changes = {
                        column: self._secrets.rotate(str(value))
                        for column, value in zip(columns, values, strict=True)
                        if value is not None
                    }
                    if not changes:
                        continue
                    assignments = ", ".join(f"{column} = ?" for column in changes)
                    self._db.execute(
                        f"UPDATE {table} SET {assignments} WHERE id = ?",
                        [*changes.values(), row_id],
                    )
                    count += len(changes)
        return count
