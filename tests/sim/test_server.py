"""The combined server: mounts, base URLs, the export lines and `serve_forever`."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import httpx
import pytest
from aiohttp import web

import bot.sim
from bot.sim import SERVICES, SimServer, build_app, export_lines, serve_forever

from .helpers import WELDPULSE_KEY, bearer


def test_export_lines_name_every_service() -> None:
    urls: dict[str, str] = {s: f"http://127.0.0.1:9000/{s}" for s in SERVICES}
    assert export_lines(urls) == [
        "export WELDPULSE_BASE_URL=http://127.0.0.1:9000/weldpulse",
        "export RAYGUN_BASE_URL=http://127.0.0.1:9000/raygun",
        "export WHATPULSE_BASE_URL=http://127.0.0.1:9000/whatpulse",
        "export PULSETRACKER_BASE_URL=http://127.0.0.1:9000/pulsetracker",
        "export PULSEPRO_BASE_URL=http://127.0.0.1:9000/pulsepro",
    ]


async def test_sim_server_serves_every_service_under_its_prefix(
        sim: SimServer, http: httpx.AsyncClient) -> None:
    assert sim.port > 0 and sim.url == f"http://127.0.0.1:{sim.port}"
    assert sim.base_urls == {s: f"{sim.url}/{s}" for s in SERVICES}
    for service, base in sim.base_urls.items():
        response = await http.get(f"{base}/nowhere")
        assert response.status_code in (401, 404), service  # the service's own answer
        assert response.headers["Content-Type"].startswith("application/json")
    assert (await http.get(f"{sim.url}/_control/state")).status_code == 200


def test_build_app_works_without_arguments() -> None:
    app = build_app()
    assert isinstance(app, web.Application)
    prefixes = {r.canonical for r in app.router.resources()}
    assert prefixes >= {f"/{s}" for s in SERVICES} | {"/_control"}


async def test_serve_forever_prints_the_environment(capsys: pytest.CaptureFixture[str]) -> None:
    task = asyncio.create_task(serve_forever("127.0.0.1", 0, 42))
    out = ""
    for _ in range(200):
        out += capsys.readouterr().out
        if "PULSEPRO_BASE_URL" in out:
            break
        await asyncio.sleep(0.01)
    lines = [line for line in out.splitlines() if line.startswith("export ")]
    assert len(lines) == 5
    weldpulse = lines[0].removeprefix("export WELDPULSE_BASE_URL=")
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{weldpulse}/v1/sites", headers=bearer(WELDPULSE_KEY))
        assert response.status_code == 200
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_two_servers_share_nothing_but_the_seed(http: httpx.AsyncClient) -> None:
    async with SimServer() as one, SimServer() as two:
        assert one.port != two.port and one.control is not two.control
        one.control.fail("weldpulse", 503)
        url = "/v1/sites"
        assert (await http.get(one.base_urls["weldpulse"] + url,
                               headers=bearer(WELDPULSE_KEY))).status_code == 503
        ok = await http.get(two.base_urls["weldpulse"] + url, headers=bearer(WELDPULSE_KEY))
        assert ok.status_code == 200


def test_the_simulator_never_imports_the_clients() -> None:
    root = Path(bot.sim.__file__).parent
    for source in root.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith("bot.clients"), source.name
