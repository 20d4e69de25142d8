"""`python -m bot`: modes chosen from the environment; misconfiguration is one sentence."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.__main__ import main
from bot.clock import SystemClock
from bot.sim.demo import DEMO_CREDENTIALS
from bot.store import Secrets, Store, open_database
from bot.team import Team

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("argv", "env", "fragment"),
    [
        (["serve"], {"SLACK_SIGNING_SECRET": "s"}, "needs a token source"),
        ([], {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"}, "PULSEBOT_SECRET_KEY"),
        (["serve"], {"PORT": "eighty"}, "PORT must be a whole number"),
        (
            ["serve"],
            {
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_BOT_TOKEN": "xoxb-1",
                "PULSEBOT_SECRET_KEY": "not-a-fernet-key",
            },
            "PULSEBOT_SECRET_KEY",
        ),
    ],
    ids=["no-token", "no-key", "bad-port", "bad-key"],
)
def test_misconfiguration_stops_with_one_sentence(
    argv: list[str],
    env: dict[str, str],
    fragment: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "x.db"), **env}
    assert main(argv, env) == 2
    err = capsys.readouterr().err
    assert err.startswith("pulsebot: ")
    assert fragment in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert "not-a-fernet-key" not in err


def test_console_once_answers_and_creates_a_private_key_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PULSEBOT_"))}
    env["DATABASE_PATH"] = str(tmp_path / "console.db")
    run = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--once", "/pulse help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Pulse Bot commands" in run.stdout
    assert "/pulse stats [RANGE]" in run.stdout
    key_file = tmp_path / "console.db.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "generated a local key" in run.stderr
    again = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--once", "/pulse services"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 0
    assert "generated a local key" not in again.stderr  # said once, on first run only
    assert "WeldPulse — connected" in again.stdout


def test_keygen_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen"], {}) == 0
    key = capsys.readouterr().out.strip()
    assert main(["keygen"], {}) == 0
    assert len(key) == 44 and key != capsys.readouterr().out.strip()


def test_rotate_keys_reencrypts_with_the_newest_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run as the operator runs it, outside any event loop (the CLI starts its own)."""
    import asyncio

    from cryptography.fernet import Fernet

    from bot.app import open_store
    from bot.clock import SystemClock
    from bot.config import Settings
    from bot.team import Team

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    db = str(tmp_path / "r.db")
    store = open_store(
        Settings.from_env({"DATABASE_PATH": db, "PULSEBOT_SECRET_KEY": old}), SystemClock()
    )
    asyncio.run(
        store.credentials.save(Team("T1"), "weldpulse", {"api_key": "ak_live_rotate_me_000"}, "U1")
    )
    store.close()
    assert main(["rotate-keys"], {"DATABASE_PATH": db, "PULSEBOT_SECRET_KEY": f"{new},{old}"}) == 0
    assert "re-encrypted 1 secrets" in capsys.readouterr().out
    only_new = open_store(
        Settings.from_env({"DATABASE_PATH": db, "PULSEBOT_SECRET_KEY": new}), SystemClock()
    )
    try:
        assert asyncio.run(only_new.credentials.get(Team("T1"), "weldpulse")) == {
            "api_key": "ak_live_rotate_me_000"
        }
    finally:
        only_new.close()


def test_migrate_applies_the_schema_and_exits(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bot migrate` on the configured database (a second run changes nothing)."""
    env = (
        {"DATABASE_PATH": database_url.removeprefix("sqlite:///")}
        if database_url.startswith("sqlite:///")
        else {"DATABASE_URL": database_url}
    )
    assert main(["migrate"], env) == 0
    assert main(["migrate"], env) == 0
    assert capsys.readouterr().out.count("is up to date") == 2
    from bot.store.opening import open_database

    db = open_database(database_url)
    try:
        names = db.run_sync(lambda: [r["name"] for r in db.query("SELECT name FROM _migrations")])
    finally:
        db.close()
    assert "m005_rate_windows" in names


def test_a_database_url_that_is_not_postgresql_is_one_sentence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["migrate"], {"DATABASE_URL": "mysql://x/y"}) == 2
    assert "DATABASE_URL must be a PostgreSQL URL" in capsys.readouterr().err


def _busy_port() -> tuple[socket.socket, int]:
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    return held, int(held.getsockname()[1])


def _one_sentence(capsys: pytest.CaptureFixture[str], fragment: str) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("pulsebot: ")]
    assert len(lines) == 1, err
    assert fragment in lines[0]
    assert "Traceback" not in err
    return lines[0]


def test_a_database_in_a_missing_folder_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "such" / "folder" / "pulse.db"
    assert main(["migrate"], {"DATABASE_PATH": str(missing)}) == 2
    _one_sentence(capsys, f"The folder {missing.parent} for DATABASE_PATH does not exist")


def test_a_postgresql_server_that_is_not_there_is_one_sentence_without_the_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    held, port = _busy_port()
    held.close()  # nothing listens there now
    url = f"postgresql://pulse:hunter2@127.0.0.1:{port}/pulse"
    assert main(["migrate"], {"DATABASE_URL": url}) == 2
    line = _one_sentence(capsys, "The database at DATABASE_URL cannot be reached")
    assert "hunter2" not in line


def test_a_busy_port_is_one_sentence_for_the_bot_and_the_simulator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    held, port = _busy_port()
    try:
        env = {
            "DATABASE_PATH": str(tmp_path / "busy.db"),
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
            "PORT": str(port),
        }
        assert main(["serve"], env) == 2
        _one_sentence(capsys, f"Pulse Bot cannot listen on port {port}")
        assert main(["simulate", "--port", str(port)], {}) == 2
        _one_sentence(capsys, f"The simulator cannot listen on port {port}")
    finally:
        held.close()


def test_keys_that_decrypt_nothing_stop_start_up_naming_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "other-key.db"
    written_with = Fernet.generate_key()
    store = Store(open_database(path), Secrets([written_with]), SystemClock())
    try:
        asyncio.run(store.credentials.save(Team("T1"), "weldpulse", {"api_key": "k"}, "U1"))
    finally:
        store.close()
    env = {
        "DATABASE_PATH": str(path),
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    assert main(["serve"], env) == 2
    line = _one_sentence(capsys, "cannot decrypt any of the secrets stored in the database")
    assert "add the key they were written with" in line
    assert written_with.decode() not in line


def test_the_simulator_prints_the_demo_credentials_connect_needs() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "simulate", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if not line.strip() and any("demo credentials" in seen for seen in lines):
                break
        proc.terminate()
    printed = "".join(lines)
    for service, fields in DEMO_CREDENTIALS.items():
        assert f"  {service}: " in printed
        for value in fields.values():
            assert str(value) in printed
