from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.commands.harness import MOCK_BASE_URLS, CommandHarness, make_harness


@pytest.fixture
async def cmd(tmp_path: Path) -> AsyncIterator[CommandHarness]:
    """A harness whose services are respx-mockable hosts (`http://weldpulse.test/weldpulse`)."""
    async with httpx.AsyncClient() as http:
        harness = make_harness(tmp_path, http, MOCK_BASE_URLS)
        yield harness
        harness.store.close()
