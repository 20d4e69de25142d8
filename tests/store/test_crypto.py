"""Secrets (MultiFernet), PULSEBOT_SECRET_KEY parsing and the local key file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import ConfigError
from bot.store.crypto import Secrets, load_or_create_key_file, parse_keys

KEY_OLD = Fernet.generate_key()
KEY_NEW = Fernet.generate_key()


@given(st.text())
def test_encrypt_decrypt_round_trip(plaintext: str) -> None:
    secrets = Secrets([KEY_NEW, KEY_OLD])
    token = secrets.encrypt(plaintext)
    assert secrets.decrypt(token) == plaintext
    if len(plaintext) >= 4:
        assert plaintext not in token


def test_rotation_moves_values_to_the_newest_key() -> None:
    token = Secrets([KEY_OLD]).encrypt("xoxb-very-secret")
    rotated = Secrets([KEY_NEW, KEY_OLD]).rotate(token)
    assert Secrets([KEY_NEW]).decrypt(rotated) == "xoxb-very-secret"
    with pytest.raises(ConfigError):
        Secrets([KEY_NEW]).decrypt(token)


def test_decrypting_with_the_wrong_key_is_a_config_error_without_plaintext() -> None:
    token = Secrets([KEY_OLD]).encrypt("hunter2")
    with pytest.raises(ConfigError) as raised:
        Secrets([KEY_NEW]).decrypt(token)
    assert "hunter2" not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_parse_keys_newest_first() -> None:
    value = f" {KEY_NEW.decode()} , {KEY_OLD.decode()}"
    assert parse_keys(value) == [KEY_NEW, KEY_OLD]
    assert Secrets(parse_keys(value)).decrypt(Secrets([KEY_OLD]).encrypt("x")) == "x"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("  ,  ", id="only-commas"),
        pytest.param("not-a-key-at-all-but-secret-ish-material", id="garbage"),
        pytest.param(KEY_NEW.decode()[:-2], id="truncated"),
        pytest.param(KEY_NEW.decode() + ",,", id="empty-entry"),
        pytest.param(KEY_NEW.decode() + ",sw0rdfish-MATERIAL", id="second-bad"),
        pytest.param("ключ" * 11, id="non-ascii"),
    ],
)
def test_malformed_keys_are_one_sentence_without_key_material(value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_keys(value)
    message = str(raised.value)
    assert message.count(". ") == 0 and message.endswith(".")
    assert "PULSEBOT_SECRET_KEY" in message
    for part in value.split(","):
        part = part.strip()
        if len(part) >= 6:
            assert part[:6] not in message and part[-6:] not in message
    assert raised.value.__cause__ is None


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "pulsebot.key"
    key, created = load_or_create_key_file(path)
    assert created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    Fernet(key)  # a valid key
    again, created_again = load_or_create_key_file(path)
    assert (again, created_again) == (key, False)


@pytest.mark.parametrize("umask", [0o000, 0o022], ids=lambda m: f"umask {m:03o}")
def test_key_file_is_created_private_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    before = os.umask(umask)
    try:
        load_or_create_key_file(tmp_path / "pulsebot.key")
    finally:
        os.umask(before)
    assert stat.S_IMODE((tmp_path / "pulsebot.key").stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_key_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "pulsebot.key"
    key, _ = load_or_create_key_file(path)
    os.chmod(path, mode)
    with pytest.raises(ConfigError, match="chmod 600") as raised:
        load_or_create_key_file(path)
    assert key.decode() not in str(raised.value)


def test_key_file_with_garbage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pulsebot.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"definitely-not-a-fernet-key")
    os.close(fd)
    with pytest.raises(ConfigError) as raised:
        load_or_create_key_file(path)
    assert "definitely" not in str(raised.value)


def test_key_file_in_a_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PULSEBOT_SECRET_KEY"):
        load_or_create_key_file(tmp_path / "missing" / "pulsebot.key")


def test_secrets_needs_a_key() -> None:
    with pytest.raises(ConfigError):
        Secrets([])
