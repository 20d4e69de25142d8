"""A service is one module: its spec is the only place its facts live, and the registry is
the only list of services."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.clients import registry
from bot.clients.spec import Limits
from bot.config import Settings
from bot.messages import service_name

ROOT = Path(__file__).resolve().parent.parent


def _own(path: Path) -> bool:
    """The files allowed to name a service key: its client module and models, the
    registry, and the simulators (independent of the clients on purpose)."""
    rel = path.relative_to(ROOT).as_posix()
    owned = {f"bot/clients/{k}.py" for k in registry.KEYS}
    owned |= {f"bot/clients/{k}_models.py" for k in registry.KEYS}
    return rel in owned or rel == "bot/clients/registry.py" or rel.startswith("bot/sim/")


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def keys_named_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    skip = _docstrings(tree)
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} names {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and id(node) not in skip
        and isinstance(node.value, str)
        and node.value.strip().lower() in registry.KEYS
    ]


def test_no_other_module_names_a_service_key() -> None:
    sources = [p for d in ("bot", "commands") for p in (ROOT / d).rglob("*.py") if not _own(p)]
    assert [hit for p in sources for hit in keys_named_in(p)] == []


def test_the_check_finds_a_key_written_out(tmp_path: Path) -> None:
    rogue = ROOT / "commands" / "_rogue_for_test.py"
    rogue.write_text('"""weldpulse is fine in a docstring."""\nSERVICE = "weldpulse"\n')
    try:
        assert keys_named_in(rogue) == ["commands/_rogue_for_test.py:2 names 'weldpulse'"]
    finally:
        rogue.unlink()


def test_settings_names_and_limits_derive_from_the_specs() -> None:
    settings = Settings.from_env({"WELDPULSE_BASE_URL": "http://127.0.0.1:9/w"})
    assert list(settings.base_urls) == list(registry.KEYS)
    assert settings.base_urls["weldpulse"] == "http://127.0.0.1:9/w"
    for spec in registry.SPECS:
        assert service_name(spec.key) == spec.name
        assert spec.env_var == f"{spec.key.upper()}_BASE_URL"
    assert registry.spec("raygun").limits.describe() == "50 calls/day"
    assert registry.spec("weldpulse").limits.describe() == "100 requests/min"
    assert Limits(60, documented=False).describe() == "60 requests/min (our own pace)"


def test_a_daily_budget_bounds_the_allowance() -> None:
    assert registry.spec("raygun").limits.per_day_allowance() == 50
    assert registry.spec("pulsepro").limits.per_day_allowance() == 60 * 1440
