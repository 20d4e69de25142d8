"""The service clients' transport over real loopback sockets: connections are kept and
reused, and one the service closed while it sat idle is noticed and not written to."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from bot.clients.network import service_transport

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"


@dataclass
class Service:
    """Answers `{"ok":true}` to every request; closes a connection after one answer when
    `close_after_answer` is set, and says so in `closed`."""

    port: int = 0
    connections: int = 0
    close_after_answer: bool = False
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(ANSWER + b'{"ok":true}')
                await writer.drain()
                if self.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()
        await writer.wait_closed()
        self.closed.set()


@pytest.fixture
async def service() -> AsyncIterator[Service]:
    svc = Service()
    server = await asyncio.start_server(svc.handle, "127.0.0.1", 0)
    svc.port = server.sockets[0].getsockname()[1]
    async with server:
        yield svc


async def test_answers_come_over_one_kept_connection(service: Service) -> None:
    async with httpx.AsyncClient(transport=service_transport()) as http:
        for _ in range(3):
            response = await http.get(f"http://127.0.0.1:{service.port}/v1/stats")
            assert response.json() == {"ok": True}
    assert service.connections == 1


async def test_a_connection_the_service_closed_while_idle_is_not_written_to(
    service: Service,
) -> None:
    service.close_after_answer = True
    async with httpx.AsyncClient(transport=service_transport()) as http:
        first = await http.get(f"http://127.0.0.1:{service.port}/v1/stats")
        await service.closed.wait()  # the pooled connection is now closed at the far end
        second = await http.get(f"http://127.0.0.1:{service.port}/v1/stats")
    assert (first.status_code, second.status_code) == (200, 200)
    assert service.connections == 2
