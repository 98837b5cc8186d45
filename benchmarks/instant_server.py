"""`InstantVLMServer`: an OpenAI-compatible stand-in that answers after a fixed latency.

Written for the throughput benchmark, where the question is how fast the client side (image
decoding, proposals, requests) can feed a server, so the server must cost nothing itself. Every
request gets a well-formed reply for the JSON schema it asks for (`label`/`description` for a
region, `qa` for an image) after `latency` seconds; each request has its own thread, so
concurrency is unbounded. Replies carry a `usage` block as SGLang's and vLLM's do, and leave in one
send on a TCP_NODELAY socket (the handler in `tests/helpers/http_stand_in.py`, shared with the
tests' stand-ins): two sends on a kept-alive connection cost ~44 ms a request in Nagle + delayed
ACK, which every figure measured against this server would have included. `GET /stats` reports
what it saw, including how long at least one request was in flight (the time a real server would
have been busy).

    python -m benchmarks.instant_server --port 8123 --latency 0.0   # as a subprocess
    with InstantVLMServer(latency=0.0) as server: ...                # in-process (a thread)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

# `python benchmarks/instant_server.py` puts only benchmarks/ on the path; the shared handler is in
# tests/helpers (tests/ and benchmarks/ are not installed packages).
if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.http_stand_in import (  # noqa: E402
    StandInHandler,
    StandInHTTPServer,
    chat_completion,
)

WORDS = "a small red object sits near the middle of the region beside a grey shape".split()


def _reply_for(payload: dict, n: int) -> str:
    schema = (payload.get("response_format") or {}).get("json_schema", {}).get("schema", {})
    if "qa" in schema.get("properties", {}):
        return json.dumps(
            {
                "qa": [
                    {"question": f"What is in part {k}?", "answer": "an object", "aspect": a}
                    for k, a in enumerate(("object details", "spatial relationships", "style"))
                ]
            }
        )
    # Distinct sentences per request (as a real model's would be), about 25 words each reply.
    sentence = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(12))
    return json.dumps(
        {"label": "object", "description": f"Region {n} shows {sentence}. It is item {n}."}
    )


class _Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = self.in_flight = 0
        self.busy_s = 0.0
        self.first = self.last = None  # time of the first request, of the last reply
        self._busy_since = 0.0

    def begin(self) -> int:
        with self.lock:
            now = time.perf_counter()
            self.first = self.first or now
            if self.in_flight == 0:
                self._busy_since = now
            self.in_flight += 1
            self.requests += 1
            return self.requests

    def end(self) -> None:
        with self.lock:
            now = time.perf_counter()
            self.in_flight -= 1
            if self.in_flight == 0:
                self.busy_s += now - self._busy_since
            self.last = now

    def to_dict(self) -> dict:
        with self.lock:
            span = (self.last - self.first) if self.first and self.last else 0.0
            return {"requests": self.requests, "busy_s": self.busy_s, "span_s": span}


def _handler(latency: float, stats: _Stats) -> type[StandInHandler]:
    class Handler(StandInHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections

        def do_GET(self) -> None:
            if self.path == "/stats":
                self.send_json(200, stats.to_dict())
            else:
                self.send_json(200, {"data": [{"id": "instant"}]})

        def do_POST(self) -> None:
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            n = stats.begin()
            try:
                if latency:
                    time.sleep(latency)
                text = _reply_for(payload, n)
            finally:
                stats.end()
            self.send_json(200, chat_completion(text, payload, reply_id=f"instant-{n}"))

    return Handler


class InstantVLMServer:
    """In-process: serves from a thread of this process until `close()`."""

    def __init__(self, latency: float = 0.0, port: int = 0):
        self.stats = _Stats()
        self._server = StandInHTTPServer(("127.0.0.1", port), _handler(latency, self.stats))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> InstantVLMServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InstantVLMServerProcess:
    """The same server in its own process, so it takes no CPU time from the client's."""

    def __init__(self, latency: float = 0.0):
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        root = Path(__file__).resolve().parents[1]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.instant_server", "--port", str(port)]
            + ["--latency", str(latency)],
            cwd=root,
        )
        self.url = f"http://127.0.0.1:{port}"
        import httpx

        for _ in range(200):
            try:
                httpx.get(self.url + "/v1/models", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("the instant server did not start")

    def stats(self) -> dict:
        import httpx

        return httpx.get(self.url + "/stats", timeout=5).json()

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def __enter__(self) -> InstantVLMServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    server = InstantVLMServer(latency=args.latency, port=args.port)
    parent = os.getppid()

    def exit_with_parent() -> None:  # a benchmark killed mid-run leaves no server behind
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=exit_with_parent, daemon=True).start()
    try:
        server._thread.join()
    except KeyboardInterrupt:
        server.close()


if __name__ == "__main__":
    main()
