"""Meta-tests keeping the docs honest: help, README, manifest, errors, environment."""

from __future__ import annotations

import ast
import inspect
import json
import re
from collections.abc import Sequence
from pathlib import Path

import jsonschema
import pytest
import yaml
from cryptography.fernet import Fernet
from slack_bolt.request.async_request import AsyncBoltRequest

from bot import errors, messages
from bot.app import Runtime
from bot.config import Settings
from bot.slack.bolt import BOT_SCOPES
from commands import build_router
from commands.help import overview
from tests.fakes.slack import signed_headers

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT.parent / "shared" / "slack-manifest-schema" / "manifest.schema.1.0.0.json"
ROUTER = build_router()


def manifest() -> dict[str, object]:
    loaded = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_every_subcommand_is_in_help_and_has_an_example_or_summary() -> None:
    help_text = overview(ROUTER).text
    for name, command in ROUTER.commands.items():
        assert f"/pulse {command.usage}" in help_text, name
        assert command.summary, f"{name} has no summary in its docstring"


def test_every_subcommand_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [n for n in ROUTER.commands if f"/pulse {n}" not in readme]
    assert missing == []


def test_every_environment_variable_is_in_the_readme() -> None:
    source = inspect.getsource(Settings.from_env)
    names = set(re.findall(r'get\("([A-Z_]+)"\)', source))
    names |= {f"{s.upper()}_BASE_URL" for s in ("weldpulse", "raygun")}
    readme = (ROOT / "README.md").read_text()
    assert names, "no variables found: the pattern above is stale"
    assert sorted(n for n in names if f"`{n}`" not in readme) == []


@pytest.mark.skipif(not SCHEMA.exists(), reason="the shared manifest schema is not beside the repo")
def test_manifest_validates_against_slacks_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(manifest(), schema)


def test_manifest_matches_the_app() -> None:
    m = manifest()
    text = json.dumps(m)
    urls = re.findall(r"https://[^\"]+", text)
    assert urls and all("/slack/" in u for u in urls)
    commands = m["features"]["slash_commands"]  # type: ignore[index]
    assert [c["command"] for c in commands] == ["/pulse"]
    assert commands[0]["should_escape"] is True
    assert commands[0]["usage_hint"]
    assert sorted(m["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)  # type: ignore[index]
    events = m["settings"]["event_subscriptions"]["bot_events"]  # type: ignore[index]
    assert set(events) == {"app_home_opened", "app_uninstalled", "tokens_revoked"}


async def test_every_manifest_command_has_a_listener(tmp_path: Path) -> None:
    secret = "meta-signing-secret"
    settings = Settings.from_env(
        {
            "SLACK_SIGNING_SECRET": secret,
            "SLACK_BOT_TOKEN": "xoxb-meta",
            "PULSEBOT_SECRET_KEY": Fernet.generate_key().decode(),
            "DATABASE_PATH": str(tmp_path / "meta.db"),
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
        }
    )
    runtime = Runtime.build(settings)
    try:
        bolt = runtime.slack().bolt
        for command in manifest()["features"]["slash_commands"]:  # type: ignore[index]
            body = f"command={command['command']}&text=help&team_id=T1&user_id=U1"
            headers: dict[str, str | Sequence[str]] = dict(signed_headers(secret, body))
            request = AsyncBoltRequest(body=body, headers=headers)
            request.context["token"] = "xoxb-meta"
            # a command without a listener is answered 404 by Bolt before any Web API call
            listeners = [
                lst
                for lst in bolt._async_listeners
                if await lst.async_matches(req=request, resp=None)  # type: ignore[arg-type]
            ]
            assert listeners, f"no listener for {command['command']}"
    finally:
        await runtime.close()


def _error_classes() -> list[type[errors.PulseError]]:
    return [
        obj
        for obj in vars(errors).values()
        if inspect.isclass(obj) and issubclass(obj, errors.PulseError)
    ]


@pytest.mark.parametrize("cls", _error_classes(), ids=lambda c: c.__name__)
def test_every_error_class_has_a_sentence(cls: type[errors.PulseError]) -> None:
    assert cls in messages.HANDLED or cls is errors.PulseError


def test_usage_lines_live_only_in_docstrings() -> None:
    """A command's usage line is written once, in its docstring: no handler module spells
    out a usage line with arguments (the dispatcher adds the command's own to an error)."""
    with_arguments = {
        c.usage_line
        for c in ROUTER.commands.values()
        if "[" in c.usage or any(ch.isupper() for ch in c.usage)
    }
    quoted: set[str] = set()
    for path in (ROOT / "commands").glob("*.py"):
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        quoted |= {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        }
    assert sorted(quoted & with_arguments) == []
