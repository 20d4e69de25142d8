"""`SimControl` in Python and the same operations over HTTP at `/_control`."""

from __future__ import annotations

import httpx
import pytest

from bot.sim import DEMO_CREDENTIALS, OTHER_WELDPULSE_KEY, SimControl, SimServer

from .helpers import WELDPULSE_KEY, bearer


def test_demo_credentials_are_the_documented_ones() -> None:
    assert DEMO_CREDENTIALS == {
        "weldpulse": {"api_key": "ak_live_demo0000000000000000"},
        "raygun": {"api_key": "demo-raygun-app-key", "client_id": "demo-client",
                   "client_secret": "demo-secret"},
        "whatpulse": {"token": "wp_demo_token_0000", "user": "ana"},
        "pulsetracker": {"token": "pt_demo_token_0000"},
        "pulsepro": {"api_key": "pp_demo_key_0000"},
    }
    control = SimControl()
    assert control.credential("weldpulse", OTHER_WELDPULSE_KEY) is not None
    for service, fields in DEMO_CREDENTIALS.items():
        secret = fields.get("api_key") or fields["token"]
        assert control.credential(service, secret) == fields


@pytest.mark.parametrize(("call", "message"), [
    (lambda c: c.add_fault("nope", "status"), "unknown service"),
    (lambda c: c.add_fault("raygun", "explode"), "unknown fault kind"),
    (lambda c: c.add_fault("raygun", "status", times=0), "times must be at least 1"),
    (lambda c: c.add_fault("raygun", "malformed", body="xml"), "body"),
    (lambda c: c.add_fault("raygun", "echo", body="truncated"), "echo body"),
    (lambda c: c.set_traffic(-1), "negative"),
    (lambda c: c.set_limits(nope=1), "unknown limit"),
    (lambda c: c.register_credential("raygun", client_id="x"), "needs api_key"),
], ids=["service", "kind", "times", "body", "echo-body", "traffic", "limit", "credential"])
def test_bad_instructions_are_refused(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(SimControl())  # type: ignore[operator]


async def test_control_over_http(sim: SimServer, http: httpx.AsyncClient) -> None:
    control = f"{sim.url}/_control"
    sites = f"{sim.base_urls['weldpulse']}/v1/sites"
    added = await http.post(f"{control}/faults", json={"service": "weldpulse", "kind": "status",
                                                       "status": 429, "retry_after": 3,
                                                       "times": 1})
    assert added.status_code == 201 and added.json()["kind"] == "status"
    refused = await http.get(sites, headers=bearer(WELDPULSE_KEY))
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "3"

    await http.post(f"{control}/faults", json={"service": "weldpulse", "kind": "expired"})
    state = (await http.get(f"{control}/state")).json()
    assert [f["kind"] for f in state["faults"]] == ["expired"]
    assert (await http.delete(f"{control}/faults")).json() == {"cleared": 1}

    assert (await http.post(f"{control}/traffic", json={"multiplier": 4})).json() == {
        "traffic": 4.0}
    assert sim.control.traffic == 4.0

    registered = await http.post(f"{control}/credentials",
                                 json={"service": "weldpulse", "api_key": "ak_live_http"})
    assert registered.status_code == 201
    assert (await http.get(sites, headers=bearer("ak_live_http"))).status_code == 200
    revoked = await http.delete(f"{control}/credentials/weldpulse/ak_live_http")
    assert revoked.json() == {"revoked": True}
    assert (await http.get(sites, headers=bearer("ak_live_http"))).status_code == 401

    counted = (await http.get(f"{control}/requests",
                              params={"service": "weldpulse", "path": "/v1/sites"})).json()
    assert counted["count"] == 3 and counted["total"] == 3
    assert counted["counts"] == [{"service": "weldpulse", "path": "/v1/sites", "count": 3}]
    await http.delete(f"{control}/requests")
    assert sim.control.count() == 0

    limits = await http.post(f"{control}/limits", json={"raygun_per_day": 10_000})
    assert limits.json()["raygun_per_day"] == 10_000 == sim.control.limits.raygun_per_day
    reset = (await http.post(f"{control}/reset")).json()
    assert reset["limits"]["raygun_per_day"] == 50 and reset["traffic"] == 1.0


@pytest.mark.parametrize(("path", "body"), [
    ("faults", {"service": "nope", "kind": "status"}),
    ("faults", {"service": "raygun", "kind": "status", "colour": "red"}),
    ("faults", {"kind": "status"}),
    ("traffic", {"multiplier": "lots"}),
    ("limits", {"nope": 3}),
    ("credentials", {"service": "raygun"}),
], ids=["service", "unknown-field", "no-service", "traffic", "limit", "credential"])
async def test_bad_control_requests_are_400(sim: SimServer, http: httpx.AsyncClient, path: str,
                                            body: dict[str, object]) -> None:
    response = await http.post(f"{sim.url}/_control/{path}", json=body)
    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)
    assert sim.control.faults == []


async def test_control_rejects_non_json(sim: SimServer, http: httpx.AsyncClient) -> None:
    response = await http.post(f"{sim.url}/_control/faults", content=b"not json")
    assert response.status_code == 400
