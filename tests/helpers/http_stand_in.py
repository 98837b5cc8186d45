"""What every stand-in OpenAI-compatible server here shares: the HTTP server, a handler that
replies in one send on a `TCP_NODELAY` socket, and the chat-completion body with its `usage`.

Imported by the test doubles (`fake_chat_servers`, `instant_server`) and by the benchmarks'
`InstantVLMServer`, so a stand-in measures its client, not itself.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


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
