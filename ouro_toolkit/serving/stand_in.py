"""`StandInServer`: an OpenAI-compatible `/v1/chat/completions` on 127.0.0.1 that costs nothing.

One stand-in for the tests and the benchmarks (and anyone trying the pipeline without a model):
replies come from a script (`script(payload, n) -> (status, body)`: a reply text, an error body,
or `DROP` to close the connection unanswered), after an optional latency; every request is
counted (`stats`: requests, time busy, span) and kept (`payloads`). Without a script it answers
every request at once with a well-formed reply for the JSON schema asked for (`instant_reply`).
Replies carry a `usage` block as SGLang's and vLLM's do, and leave in one send on a TCP_NODELAY
socket: two sends on a kept-alive connection cost ~44 ms a request in Nagle + delayed ACK, which
every figure measured against a stand-in would otherwise include.

    with StandInServer() as server: ...                      # a thread of this process
    with StandInServerProcess(latency=0.0) as server: ...    # its own process (no shared CPU)
    python -m ouro_toolkit.serving.stand_in --port 8123 --latency 0.0
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# script(payload, call_number) -> (status, body); body is a reply text (wrapped as a chat
# completion when status is 200), any JSON-able error body, or DROP.
Script = Callable[[dict[str, Any], int], tuple[int, Any]]
DROP = object()  # as a script's body: close the connection without a reply (a dropped request)
QA_MARK = "question-answer pairs"  # in the bundled QA prompt, never in the describe prompt
WORDS = "a small red object sits near the middle of the region beside a grey shape".split()


class StandInHTTPServer(ThreadingHTTPServer):
    """A thread per request; threads die with the process."""

    daemon_threads = True
    # socketserver's default backlog of 5 refuses connections when a client opens 64 at once (a
    # refused one is retried, and a test counting requests would count it twice).
    request_queue_size = 1024


class StandInHandler(BaseHTTPRequestHandler):
    """Quiet, and a reply leaves in one send with Nagle off.

    Unbuffered (`wbufsize = 0`, socketserver's default), headers and body are two sends; on a
    kept-alive connection Nagle then holds the body until the client's delayed ACK: ~44 ms per
    request at "latency 0" instead of ~1.6 ms. A buffer that `handle_one_request` flushes once the
    method returns sends both together, and TCP_NODELAY sends whatever is written at once.
    """

    disable_nagle_algorithm = True  # StreamRequestHandler.setup sets TCP_NODELAY
    wbufsize = 1 << 16  # bigger than any reply here: one send, at the end of the request

    def log_message(self, *args: Any) -> None:  # keep test and benchmark output clean
        pass

    def read_payload(self) -> dict[str, Any] | None:
        """The request's JSON body; None (and the connection closed) when the client died while
        sending it."""
        try:
            return json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        except ValueError:
            self.close_connection = True
            return None

    def send_json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout, killed): nothing to tell it


def words_in_messages(payload: dict[str, Any]) -> int:
    """The request's text, in words: the stand-ins have no tokenizer."""
    count = 0
    for message in payload.get("messages", []):
        content = message.get("content")
        parts = [{"text": content}] if isinstance(content, str) else content or []
        count += sum(len(str(p.get("text", "")).split()) for p in parts if isinstance(p, dict))
    return count


def chat_completion(
    content: str, payload: dict[str, Any] | None = None, reply_id: str = "x"
) -> dict[str, Any]:
    """A chat completion as SGLang and vLLM send it, `usage` included (in words, not tokens)."""
    prompt_tokens = words_in_messages(payload or {})
    completion_tokens = len(content.split())
    return {
        "id": reply_id,
        "object": "chat.completion",
        "model": (payload or {}).get("model", ""),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def last_text(payload: dict[str, Any]) -> str:
    content = payload["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return " ".join(p.get("text", "") for p in content if p.get("type") == "text")


def messages_key(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload["messages"], sort_keys=True).encode()).hexdigest()


def image_size(payload: dict[str, Any]) -> tuple[int, int] | None:
    """The size of the request's first image (tests tell images apart by their sizes)."""
    from PIL import Image

    for message in payload["messages"]:
        for part in message["content"] if isinstance(message["content"], list) else []:
            if part.get("type") == "image_url":
                data = part["image_url"]["url"].split(",", 1)[1]
                return Image.open(io.BytesIO(base64.b64decode(data))).size
    return None


def instant_reply(payload: dict[str, Any], n: int) -> str:
    """A well-formed reply for the JSON schema the request asks for (`qa`, else a region's)."""
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


class RequestStats:
    """Requests seen, and how long at least one was in flight (a real server's busy time)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = self.in_flight = 0
        self.busy_s = 0.0
        self.first: float | None = None  # time of the first request
        self.last: float | None = None  # time of the last reply
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

    def to_dict(self) -> dict[str, Any]:
        with self.lock:
            span = (self.last - self.first) if self.first and self.last else 0.0
            return {"requests": self.requests, "busy_s": self.busy_s, "span_s": span}


def _instant(payload: dict[str, Any], n: int) -> tuple[int, Any]:
    return 200, instant_reply(payload, n)


class StandInServer:
    """Serves from a thread of this process until `close()` (or the end of a `with`)."""

    def __init__(self, script: Script | None = None, *, latency: float = 0.0, port: int = 0):
        self.script = script or _instant
        self.latency = latency
        self.stats = RequestStats()
        self.payloads: list[dict[str, Any]] = []
        self.client_ports: set[int] = set()  # one per connection a client opened
        self._payloads_lock = threading.Lock()
        self._server = StandInHTTPServer(("127.0.0.1", port), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _handler(self) -> type[StandInHandler]:
        outer = self

        class Handler(StandInHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections

            def do_GET(self) -> None:
                if self.path == "/stats":
                    self.send_json(200, outer.stats.to_dict())
                else:
                    self.send_json(200, {"data": [{"id": "stand-in"}]})

            def do_POST(self) -> None:
                payload = self.read_payload()
                if payload is None:
                    return
                with outer._payloads_lock:
                    outer.client_ports.add(self.client_address[1])
                status, body = outer.answer(payload)
                if body is DROP:
                    self.close_connection = True
                elif status == 200:
                    self.send_json(200, chat_completion(body, payload))
                else:
                    self.send_json(status, body)

        return Handler

    def answer(self, payload: dict[str, Any]) -> tuple[int, Any]:
        with self._payloads_lock:
            self.payloads.append(payload)
        n = self.stats.begin()
        try:
            if self.latency:
                time.sleep(self.latency)
            return self.script(payload, n)
        finally:
            self.stats.end()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> StandInServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ShardServer(StandInServer):
    """Deterministic replies (a function of the request, so two builds asking the same things
    get the same rows), each request counted by its messages; it can hold the QA request of one
    image (to kill a worker while that request is in flight) and refuse the QA request of
    another (a shard whose calls keep failing). Images are told apart by their size."""

    def __init__(
        self,
        hold_qa_of: tuple[int, int] | None = None,
        refuse_qa_of: tuple[int, int] | None = None,
    ):
        self.asked: Counter[str] = Counter()  # messages key -> requests received
        self.hold_qa_of, self.refuse_qa_of = hold_qa_of, refuse_qa_of
        self.held = threading.Event()  # set when the held request has arrived
        self.release = threading.Event()  # set by the test to let it go
        self.held_key: str | None = None
        self.refused: list[str] = []
        self._count_lock = threading.Lock()
        super().__init__(self._reply)

    def _reply(self, payload: dict[str, Any], n: int) -> tuple[int, Any]:
        key, text = messages_key(payload), last_text(payload)
        is_qa, size = QA_MARK in text, image_size(payload)
        with self._count_lock:
            self.asked[key] += 1
            hold = is_qa and size == self.hold_qa_of and self.held_key is None
            if hold:
                self.held_key = key
        if is_qa and size == self.refuse_qa_of:
            self.refused.append(key)
            return 400, {"error": {"message": "stand-in server refuses this image"}}
        if hold:
            self.held.set()
            self.release.wait(timeout=300)  # the client is killed meanwhile; its socket is gone
        digest = key[:12]
        if is_qa:
            qa = [
                {
                    "question": f"What is shown ({digest})?",
                    "answer": f"thing {digest[:4]}",
                    "aspect": "object details",
                }
            ]
            return 200, json.dumps({"qa": qa})
        return 200, json.dumps(
            {"label": f"part {digest[:4]}", "description": f"A region, {digest}."}
        )


class StandInServerProcess:
    """The instant stand-in in its own process, so it takes no CPU time from its client's."""

    def __init__(self, latency: float = 0.0):
        import socket

        import httpx

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ouro_toolkit.serving.stand_in", "--port", str(port)]
            + ["--latency", str(latency)]
        )
        self.url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(self.url + "/v1/models", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        self.close()
        raise RuntimeError("the stand-in server did not start")

    def stats(self) -> dict[str, Any]:
        import httpx

        return httpx.get(self.url + "/stats", timeout=5).json()

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def __enter__(self) -> StandInServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="An instant OpenAI-compatible stand-in server.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    server = StandInServer(latency=args.latency, port=args.port)
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
