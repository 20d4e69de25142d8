"""Recorded, scrubbed sample bodies of each service: `sample("pulsepro", "actions")`.

Loaded as plain functions (parametrised tests need them when collected, before any
fixture exists); `of(service)` gives a one-service loader.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def sample(service: str, name: str) -> Any:
    """The JSON body `tests/samples/<service>/<name>[.json]`."""
    path = HERE / service / name
    return json.loads((path if path.suffix else path.with_suffix(".json")).read_text())


def of(service: str) -> Callable[[str], Any]:
    return partial(sample, service)
