"""Kept-alive HTTP/1.1 connections to one server, lent one per request, without a pool scan.

httpx's client (httpcore's `AsyncConnectionPool`) walks every connection of the pool on each
request event; at 64 connections that was most of the client's CPU (1.5 ms a request here, where
an asyncio socket needs 0.2 ms). The backend never needs what the pool's scan is for (several
origins, HTTP/2, waiting for a free connection: its own workers bound the requests in flight), so
it keeps httpcore's per-connection protocol code (h11, TLS, timeouts, keep-alive) and replaces
the pool with a stack of idle connections: taking and returning one is O(1).
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore

# What a caller may retry: the connection broke, timed out, or the server closed it while idle.
TRANSPORT_ERRORS = (httpcore.NetworkError, httpcore.ProtocolError, httpcore.ConnectionNotAvailable)
TIMEOUTS = (httpcore.TimeoutException,)


@dataclass
class HTTPReply:
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class ConnectionStack:
    """Idle connections to one origin; at most `limit` requests in flight through it."""

    def __init__(
        self,
        url: str,
        limit: int,
        timeout: float,
        connect_timeout: float,
        headers: dict[str, str] | None = None,
    ):
        parts = urlsplit(url)
        scheme = parts.scheme.encode()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self._origin = httpcore.Origin(scheme, parts.hostname.encode(), port)
        # One TLS context for every connection: making one reads the CA bundle (0.1-0.4 s); a
        # plain-http server (SGLang on localhost, most clusters) needs none.
        self._tls = ssl.create_default_context() if parts.scheme == "https" else None
        default_port = port == (443 if parts.scheme == "https" else 80)
        host = parts.hostname if default_port else f"{parts.hostname}:{port}"
        self._headers = [(b"Host", host.encode()), (b"Content-Type", b"application/json")]
        self._headers += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        self._timeouts = {"connect": connect_timeout, "read": timeout, "write": timeout}
        self._idle: list[httpcore.AsyncHTTPConnection] = []
        self._slots = asyncio.Semaphore(limit)  # several generate calls at once share the bound

    async def post(self, url: str, body: bytes) -> HTTPReply:
        """One POST on an idle connection (or a new one). A connection that failed is dropped."""
        headers = [*self._headers, (b"Content-Length", str(len(body)).encode())]
        async with self._slots:
            connection = self._take()
            try:
                response = await connection.request(
                    "POST",
                    url,
                    headers=headers,
                    content=body,
                    extensions={"timeout": self._timeouts},
                )
            except BaseException:
                await connection.aclose()
                raise
            self._give_back(connection)
            return HTTPReply(response.status, response.content)

    def _take(self) -> httpcore.AsyncHTTPConnection:
        while self._idle:
            connection = self._idle.pop()  # the most recent: least likely closed by the server
            if connection.is_idle() and not connection.has_expired():
                return connection
        return httpcore.AsyncHTTPConnection(self._origin, ssl_context=self._tls)

    def _give_back(self, connection: httpcore.AsyncHTTPConnection) -> None:
        if connection.is_idle():  # else the server ended it (`Connection: close`)
            self._idle.append(connection)

    @property
    def idle_connections(self) -> int:
        """Kept-alive connections waiting to be lent (none is lent between calls)."""
        return len(self._idle)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.aclose()
