"""The service clients' connections: httpx's pool, with each socket looked up once.

Before every request, httpcore's pool asks each idle connection whether the server has
closed it, and to answer, the connection asks its stream for the raw socket. anyio's
streams build a table of all of a socket's attributes for every such question, with a
`getpeername()` system call in it. Profiled over the alert rounds of 2,000 workspaces
(py-spy on `bench/many_workspaces.py`), those questions were half of the event loop's
time, and two thirds of that was building the table. The streams here keep the raw
socket from the first answer; everything else is anyio's, through httpcore's own backend.
"""

from __future__ import annotations

import select
import socket
import ssl
import typing

import httpcore
import httpx


def _readable(sock: socket.socket | None) -> bool:
    """Whether reading `sock` would not block: on an idle connection, the server closed it
    (httpcore's own test, `httpcore._utils.is_socket_readable`, which is private)."""
    fd = None if sock is None else sock.fileno()
    if fd is None or fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "socket":
            return self._socket
        if info == "is_readable":
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(
            host, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )
        return _Stream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


#: httpx's own defaults (measured against others at stop 17: more kept alive cost more).
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


def service_transport() -> httpx.AsyncHTTPTransport:
    """httpx's transport, its pool built on `_Backend` (httpx does not take a backend, so
    the pool it made is replaced by the same pool with ours)."""
    transport = httpx.AsyncHTTPTransport(limits=LIMITS)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=LIMITS.max_connections,
        max_keepalive_connections=LIMITS.max_keepalive_connections,
        keepalive_expiry=LIMITS.keepalive_expiry,
        network_backend=_Backend(),
    )
    return transport
