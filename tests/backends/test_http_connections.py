"""The backend's connection stack: kept-alive connections are reused, closed ones replaced."""

from __future__ import annotations

import asyncio
import json

from ouro_toolkit.backends.http_connections import ConnectionStack
from ouro_toolkit.serving.stand_in import StandInServer


def post_all(url: str, bodies: list[bytes]) -> tuple[list[str], ConnectionStack]:
    async def main() -> tuple[list[str], ConnectionStack]:
        stack = ConnectionStack(url, limit=4, timeout=30, connect_timeout=10)
        replies = []
        for body in bodies:  # one after another: each may reuse the last one's connection
            reply = await stack.post(url + "/v1/chat/completions", body)
            assert reply.status_code == 200, reply.text
            replies.append(json.loads(reply.content)["choices"][0]["message"]["content"])
        open_after = stack.idle_connections
        await stack.aclose()
        return replies, open_after

    return asyncio.run(main())


def chat(text: str) -> bytes:
    return json.dumps({"model": "m", "messages": [{"role": "user", "content": text}]}).encode()


def test_sequential_requests_share_one_kept_alive_connection():
    with StandInServer(lambda payload, n: (200, f"answer {n}")) as server:
        replies, open_after = post_all(server.url, [chat(f"q{i}") for i in range(10)])
    assert replies == [f"answer {n}" for n in range(1, 11)]
    assert len(server.client_ports) == 1
    assert open_after == 1


def test_a_server_that_closes_every_connection_gets_a_new_one_each_time():
    server = StandInServer(lambda payload, n: (200, f"answer {n}"))
    server._server.RequestHandlerClass.protocol_version = "HTTP/1.0"  # closes after each reply
    with server:
        replies, open_after = post_all(server.url, [chat(f"q{i}") for i in range(5)])
    assert replies == [f"answer {n}" for n in range(1, 6)]
    assert len(server.client_ports) == 5
    assert open_after == 0  # a closed connection is never lent again


def test_the_host_header_names_the_port():
    seen = []

    def script(payload, n):
        return 200, "ok"

    with StandInServer(script) as server:
        handler = server._server.RequestHandlerClass
        original = handler.do_POST

        def do_post(self):
            seen.append(self.headers["Host"])
            original(self)

        handler.do_POST = do_post
        post_all(server.url, [chat("q")])
    assert seen == [server.url.removeprefix("http://")]
