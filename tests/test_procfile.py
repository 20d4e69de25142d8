"""The Procfile declares what PRODUCT §4 promises, and each entry is a real mode."""

from __future__ import annotations

from pathlib import Path

from bot.__main__ import parser

ROOT = Path(__file__).resolve().parent.parent


def test_procfile_entries_are_real_modes() -> None:
    entries = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert entries["web"].strip() == "python -m bot serve"
    assert entries["clock"].strip() == "python -m bot clock"
    for command in entries.values():
        mode = command.split()[-1]
        assert parser().parse_args([mode]).mode == mode
