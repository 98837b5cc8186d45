"""The stand-in OpenAI server costs its client nothing (no Nagle stall, a `usage` block), and does
what its script says: latency, faults, statistics."""

from __future__ import annotations

import http.client
import json
import statistics
import time

from ouro_toolkit.serving.stand_in import DROP, StandInServer

PROMPT = "Describe region three of the photo."  # 6 words


def chat_request(text: str = PROMPT) -> bytes:
    content = [{"type": "text", "text": text}]
    return json.dumps({"model": "m", "messages": [{"role": "user", "content": content}]}).encode()


def post(conn: http.client.HTTPConnection, body: bytes) -> dict:
    conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 200
    return json.loads(response.read())


def assert_usage(reply: dict) -> None:
    usage = reply["usage"]
    content = reply["choices"][0]["message"]["content"]
    assert usage["prompt_tokens"] == 6  # words of the prompt: the stand-ins have no tokenizer
    assert usage["completion_tokens"] == len(content.split()) > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_kept_alive_requests_at_latency_zero_take_a_few_ms():
    """Headers and body in two sends stall each kept-alive reply ~40 ms (Nagle waits for the
    client's delayed ACK); in one send on a TCP_NODELAY socket a reply takes ~1-2 ms. The median of
    20 is compared: one scheduling hiccup on a busy machine moves a mean, not the median."""
    with StandInServer(latency=0.0) as server:
        conn = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=30)
        post(conn, chat_request())  # opens the connection
        sock = conn.sock
        took = []
        for _ in range(20):
            start = time.perf_counter()
            reply = post(conn, chat_request())
            took.append(time.perf_counter() - start)
            assert conn.sock is sock  # the same kept-alive connection every time
            assert_usage(reply)
        conn.close()
    assert statistics.median(took) < 0.020, [f"{t * 1000:.1f} ms" for t in took]


def test_scripted_server_sends_usage_too():
    with StandInServer(lambda payload, n: (200, f"answer number {n}")) as server:
        conn = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=30)
        reply = post(conn, chat_request())
        conn.close()
    assert reply["choices"][0]["message"]["content"] == "answer number 1"
    assert_usage(reply)
    assert reply["usage"]["completion_tokens"] == 3


def test_faults_latency_and_statistics_come_from_the_script():
    def script(payload: dict, n: int) -> tuple[int, object]:
        if n == 1:
            return 503, {"error": {"message": "overloaded"}}
        if n == 2:
            return 200, DROP  # the connection closes unanswered
        return 200, "fine"

    with StandInServer(script, latency=0.05) as server:
        host = server.url.removeprefix("http://")
        conn = http.client.HTTPConnection(host, timeout=30)
        conn.request("POST", "/v1/chat/completions", chat_request())
        assert conn.getresponse().status == 503
        conn.close()
        conn = http.client.HTTPConnection(host, timeout=30)
        conn.request("POST", "/v1/chat/completions", chat_request())
        try:
            conn.getresponse()
            raise AssertionError("a dropped request must get no reply")
        except (http.client.RemoteDisconnected, ConnectionError):
            pass
        conn.close()
        conn = http.client.HTTPConnection(host, timeout=30)
        assert post(conn, chat_request())["choices"][0]["message"]["content"] == "fine"
        conn.request("GET", "/stats")
        stats = json.loads(conn.getresponse().read())
        conn.close()
    assert stats["requests"] == 3 and stats["busy_s"] >= 0.15 and len(server.payloads) == 3
