"""Encryption at rest: Fernet keys, the key file, and `Secrets`.

`PULSEBOT_SECRET_KEY` holds one or more Fernet keys, comma-separated, newest first. New
values are encrypted with the newest key; values written under any listed key still
decrypt, and `Secrets.rotate` re-encrypts them under the newest. Nothing here ever puts key
material or plaintext into an exception message.
"""

from __future__ import annotations

import binascii
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.errors import ConfigError

_GENERATE_HINT = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


def generate_key() -> bytes:
    """A fresh Fernet key (44 URL-safe base64 characters)."""
    return Fernet.generate_key()


def _valid_fernet_key(key: bytes) -> bool:
    try:
        Fernet(key)
    except (ValueError, binascii.Error, TypeError):
        return False
    return True


def parse_keys(value: str) -> list[bytes]:
    """The keys of a comma-separated `PULSEBOT_SECRET_KEY`, newest first."""
    parts = [part.strip() for part in value.split(",")]
    if not any(parts):
        raise ConfigError(f"PULSEBOT_SECRET_KEY is empty; {_GENERATE_HINT}.")
    if not all(parts):
        raise ConfigError(
            "PULSEBOT_SECRET_KEY has an empty entry; separate keys with single commas, "
            "newest first."
        )
    keys: list[bytes] = []
    for position, part in enumerate(parts, start=1):
        try:
            key = part.encode("ascii")
        except UnicodeEncodeError:
            key = b""
        if not _valid_fernet_key(key):
            raise ConfigError(
                f"PULSEBOT_SECRET_KEY entry {position} of {len(parts)} is not a Fernet key "
                f"(32 bytes in URL-safe base64, 44 characters); {_GENERATE_HINT}."
            )
        keys.append(key)
    return keys


def load_or_create_key_file(path: Path) -> tuple[bytes, bool]:
    """The key stored in `path`, creating the file (mode 0600) with a new key if absent.

    Returns ``(key, created)``. An existing file readable by group or others is refused.
    """
    key = generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key_file(path), False
    except OSError as exc:
        raise ConfigError(
            f"Cannot create the key file {path} ({exc.strerror}); set PULSEBOT_SECRET_KEY instead."
        ) from None
    try:
        os.write(fd, key + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    return key, True


def _read_key_file(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise ConfigError(f"The key file {path} is not a regular file.")
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"The key file {path} is accessible to group or others; "
                f"run `chmod 600 {path}` (and consider rotating the key)."
            )
        content = path.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"Cannot read the key file {path} ({exc.strerror}).") from None
    if not _valid_fernet_key(content):
        raise ConfigError(f"The key file {path} does not hold a valid Fernet key.")
    return content


class Secrets:
    """Encrypts and decrypts text with the newest of a list of Fernet keys."""

    def __init__(self, keys: Sequence[bytes]):
        if not keys:
            raise ConfigError(f"At least one encryption key is required; {_GENERATE_HINT}.")
        try:
            fernets = [Fernet(key) for key in keys]
        except (ValueError, binascii.Error, TypeError):
            raise ConfigError(
                f"One of the encryption keys is not a valid Fernet key; {_GENERATE_HINT}."
            ) from None
        self._fernet = MultiFernet(fernets)

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError):
            raise ConfigError(
                "A stored secret cannot be decrypted with the configured keys; keep the "
                "previous key in PULSEBOT_SECRET_KEY after the new one until rotation is done."
            ) from None

    def rotate(self, token: str) -> str:
        """`token` re-encrypted with the newest key (it may have been made with any key)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeEncodeError):
            raise ConfigError(
                "A stored secret cannot be rotated because none of the configured keys "
                "decrypts it; add the key it was written with to PULSEBOT_SECRET_KEY."
            ) from None
