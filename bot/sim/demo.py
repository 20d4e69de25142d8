"""Demo credentials and the people in the demo data.

The simulated services accept these out of the box, so the console and a demo workspace
work with no accounts. Extra credentials can be registered through `SimControl`.
"""

from __future__ import annotations

from typing import Final, Literal

ServiceName = Literal["weldpulse", "raygun", "whatpulse", "pulsetracker", "pulsepro"]

SERVICES: Final[tuple[ServiceName, ...]] = (
    "weldpulse",
    "raygun",
    "whatpulse",
    "pulsetracker",
    "pulsepro",
)

DEMO_CREDENTIALS: dict[str, dict[str, str]] = {
    "weldpulse": {"api_key": "ak_live_demo0000000000000000"},
    "raygun": {
        "api_key": "demo-raygun-app-key",
        "client_id": "demo-client",
        "client_secret": "demo-secret",
    },
    # `user` is the connect form's default WhatPulse user (not secret, not sent as auth)
    "whatpulse": {"token": "wp_demo_token_0000", "user": "ana"},
    "pulsetracker": {"token": "pt_demo_token_0000"},
    "pulsepro": {"api_key": "pp_demo_key_0000"},
}

# A second weldpulse project, accepted by default, so two workspaces can show different numbers.
OTHER_WELDPULSE_KEY: Final = "ak_live_other000000000000000"

# The field of each service's credential that identifies it (and seeds its data).
PRIMARY_FIELD: Final[dict[str, str]] = {
    "weldpulse": "api_key",
    "raygun": "api_key",
    "whatpulse": "token",
    "pulsetracker": "token",
    "pulsepro": "api_key",
}

# Raygun users (identifier = email) and WhatPulse users (id, username) share these people.
DEMO_PEOPLE: Final[tuple[tuple[str, str, str], ...]] = (
    # (first name, last name, email)
    ("Ana", "Alvarez", "ana@example.com"),
    ("Ben", "Brooks", "ben@example.com"),
    ("Chloe", "Chen", "chloe@example.com"),
    ("Dev", "Patel", "dev@example.com"),
)
