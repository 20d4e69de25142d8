"""The walls between the parts stand: every import of `bot/` and `commands/` follows an
arrow that ARCHITECTURE.md allows, and every module belongs to exactly one part."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| (\w+) \| (.+?) \| (.+?) \|$")


def parts() -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """(part → module prefixes, part → parts it may import), from ARCHITECTURE.md."""
    prefixes: dict[str, list[str]] = {}
    allowed: dict[str, set[str]] = {}
    for line in (ROOT / "ARCHITECTURE.md").read_text().splitlines():
        match = ROW.match(line)
        if not match or match.group(1) == "part":
            continue
        name, modules, may = match.groups()
        prefixes[name] = re.findall(r"`([^`]+)`", modules)
        allowed[name] = set() if may.strip() == "—" else {p.strip() for p in may.split(",")}
    return prefixes, allowed


PREFIXES, ALLOWED = parts()
EVERYTHING = "everything"


def part_of(path: str) -> str | None:
    """The part a file (`bot/clients/pool.py`) or module path belongs to."""
    found = [
        name
        for name, prefixes in PREFIXES.items()
        for prefix in prefixes
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix))
    ]
    return found[0] if len(found) == 1 else None


def module_file(module: str) -> str | None:
    """`bot.clients.pool` → `bot/clients/pool.py` (or a package's `__init__.py`)."""
    base = ROOT / module.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return str(candidate.relative_to(ROOT))
    return None


def project_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of `bot` or `commands` in the file, type-only included."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from bot.clients import weldpulse` imports the module bot.clients.weldpulse;
            # `from bot.errors import UsageError` imports bot.errors
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.append((node.lineno, sub if module_file(sub) else node.module))
    return [(line, m) for line, m in found if m.split(".")[0] in {"bot", "commands"}]


SOURCES = sorted(
    str(p.relative_to(ROOT)) for d in ("bot", "commands") for p in (ROOT / d).rglob("*.py")
)


def violations(sources: list[str]) -> list[str]:
    wrong: list[str] = []
    for source in sources:
        mine = part_of(source)
        if mine is None:
            wrong.append(f"{source} belongs to no part (or to several)")
            continue
        for line, module in project_imports(ROOT / source):
            target = module_file(module)
            theirs = part_of(target) if target else None
            if theirs is None or theirs == mine:
                continue
            if EVERYTHING in ALLOWED[mine] or theirs in ALLOWED[mine]:
                continue
            wrong.append(f"{source}:{line} ({mine}) imports {module} ({theirs})")
    return wrong


def test_the_table_names_known_parts_only() -> None:
    named = set(PREFIXES) | {EVERYTHING}
    assert all(allowed <= named for allowed in ALLOWED.values()), ALLOWED


def test_every_module_belongs_to_one_part_and_imports_only_what_its_part_may() -> None:
    assert violations(SOURCES) == []


def test_a_forbidden_arrow_is_caught(tmp_path: Path) -> None:
    """The check can fail: a feature importing a command is named, with its line."""
    rogue = ROOT / "bot" / "features" / "_rogue_for_test.py"
    rogue.write_text("from commands.router import Router\n")
    try:
        found = violations(["bot/features/_rogue_for_test.py"])
    finally:
        rogue.unlink()
    assert found == [
        "bot/features/_rogue_for_test.py:1 (features) imports commands.router (commands)"
    ]


@pytest.mark.parametrize(
    ("path", "part"),
    [
        ("bot/clients/pool.py", "clients"),
        ("bot/messages.py", "render"),
        ("commands/digests.py", "commands"),
        ("bot/app.py", "wiring"),
    ],
)
def test_modules_are_placed_in_their_parts(path: str, part: str) -> None:
    assert part_of(path) == part
