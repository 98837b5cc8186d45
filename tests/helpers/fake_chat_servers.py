"""Test doubles for the HTTP faults a real `transformers serve` cannot be made to show on cue:
a scripted OpenAI-compatible chat server (fixed replies, 5xx, rejecting `response_format`) and a
server that is too slow for some requests. Both are real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from tests.helpers.http_stand_in import StandInHandler, StandInHTTPServer, chat_completion

# script(payload, call_number) -> (status, body); body is a reply text (wrapped as a chat
# completion when status is 200) or any JSON-able error body.
Script = Callable[[dict[str, Any], int], tuple[int, Any]]


def last_text(payload: dict[str, Any]) -> str:
    content = payload["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return " ".join(p.get("text", "") for p in content if p.get("type") == "text")


class ScriptedChatServer:
    """An OpenAI-compatible `/v1/chat/completions` whose answers come from `script`."""

    def __init__(self, script: Script):
        self.script = script
        self.payloads: list[dict[str, Any]] = []
        self.client_ports: set[int] = set()  # one per connection the client opened
        self._lock = threading.Lock()
        outer = self

        class Handler(StandInHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

            def do_GET(self) -> None:
                self.send_json(200, {"status": "ok"})

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                payload = json.loads(body)
                with outer._lock:
                    outer.payloads.append(payload)
                    outer.client_ports.add(self.client_address[1])
                    n = len(outer.payloads)
                status, reply = outer.script(payload, n)
                self.send_json(status, chat_completion(reply, payload) if status == 200 else reply)

        self._server = StandInHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ScriptedChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class SlowHttpServer(ScriptedChatServer):
    """Answers at once, except requests whose prompt contains "slow": those sleep `delay` s."""

    def __init__(self, delay: float):
        def script(payload: dict[str, Any], n: int) -> tuple[int, Any]:
            if "slow" in last_text(payload):
                time.sleep(delay)
            return 200, "fast answer"

        super().__init__(script)
