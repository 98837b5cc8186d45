"""OpenAIBackend against a real `transformers serve` with the tiny model, and against scripted
servers for the faults (slow replies, 5xx, rejected response_format, non-JSON replies)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from ouro_toolkit.backends.base import VLMRequest
from ouro_toolkit.backends.openai_backend import OpenAIBackend, normalize_server_url
from ouro_toolkit.serving.stand_in import StandInServer, last_text
from tests.helpers.vlm_requests import image_request


def slow_server(delay: float) -> StandInServer:
    """Answers at once, except requests whose prompt contains "slow": those sleep `delay` s."""

    def script(payload: dict, n: int) -> tuple[int, str]:
        if "slow" in last_text(payload):
            time.sleep(delay)
        return 200, "fast answer"

    return StandInServer(script)


def run(backend: OpenAIBackend, requests: list[VLMRequest]):
    async def go():
        try:
            return await backend.generate(requests)
        finally:
            await backend.aclose()

    return asyncio.run(go())


def test_single_request_with_image(tiny_server, photos):
    backend = OpenAIBackend(tiny_server.model, tiny_server.url)
    [result] = run(backend, [image_request("Describe the image.", [photos["astronaut"]])])
    assert result.ok, result.error
    assert isinstance(result.text, str) and "<|" not in result.text
    assert backend.stats.http_calls == 1 and backend.stats.completion_tokens > 0


def test_concurrent_requests_keep_order(tiny_server, photos):
    prompts = [f"Describe region {i}." for i in range(8)]
    images = list(photos.values())
    requests = [image_request(p, [images[i % 4]]) for i, p in enumerate(prompts)]
    one_by_one = OpenAIBackend(tiny_server.model, tiny_server.url, concurrency=1)
    expected = [r.text for r in run(one_by_one, requests)]
    concurrent = OpenAIBackend(tiny_server.model, tiny_server.url, concurrency=4)
    results = run(concurrent, requests)
    assert all(r.ok for r in results)
    assert [r.text for r in results] == expected  # greedy: same answer, same slot
    assert len(set(expected)) > 1  # the comparison means something


def test_several_images_in_one_message(tiny_server, photos):
    one = OpenAIBackend(tiny_server.model, tiny_server.url)
    run(one, [image_request("Compare.", [photos["coffee"]])])
    three = OpenAIBackend(tiny_server.model, tiny_server.url)
    [result] = run(
        three, [image_request("Compare.", [photos["coffee"], photos["chelsea"], photos["rocket"]])]
    )
    assert result.ok, result.error
    # A 96x72 photo is resized to 84x84 = 6x6 patches, merged 2x2 into 9 <|image_pad|> tokens,
    # plus <|vision_start|> and <|vision_end|>: two more images add 2 * 11 prompt tokens.
    assert three.stats.prompt_tokens - one.stats.prompt_tokens == 2 * 11


def test_reply_that_is_not_json_is_flagged_not_dropped(tiny_server, photos):
    schema = {"type": "object", "properties": {"label": {"type": "string"}}, "required": ["label"]}
    backend = OpenAIBackend(tiny_server.model, tiny_server.url)
    [result] = run(
        backend, [image_request("Name the object.", [photos["chelsea"]], json_schema=schema)]
    )
    # The tiny model writes random text, never JSON: the reply is kept with a clear error.
    assert not result.ok and result.text is not None
    assert "not the JSON asked for" in result.error


def test_json_reply_parsed_and_response_format_sent():
    schema = {"type": "object", "properties": {"label": {"type": "string"}}}
    with StandInServer(
        lambda p, n: (200, 'Here:\n```json\n{"label": "cat"}\n```<|im_end|>')
    ) as server:
        backend = OpenAIBackend("m", server.url + "/v1/")
        [result] = run(
            backend, [VLMRequest([{"role": "user", "content": "name it"}], json_schema=schema)]
        )
        sent = server.payloads[0]
    assert result.ok and result.data == {"label": "cat"} and result.text.endswith("```")
    assert sent["response_format"]["json_schema"]["schema"] == schema
    assert "JSON schema" in sent["messages"][-1]["content"]  # prompt asks for it too


def test_server_rejecting_response_format_falls_back_to_prompt():
    def script(payload, n):
        if "response_format" in payload:
            return 400, {"error": "response_format is not supported"}
        return 200, '{"label": "dog"} trailing'

    schema = {"type": "object"}
    with StandInServer(script) as server:
        backend = OpenAIBackend("m", server.url)
        requests = [
            VLMRequest([{"role": "user", "content": f"q{i}"}], json_schema=schema) for i in range(3)
        ]
        results = run(backend, requests)
        with_format = sum("response_format" in p for p in server.payloads)
    assert all(r.ok and r.data == {"label": "dog"} for r in results)
    assert with_format <= 3 and not backend._response_format_ok
    assert len(server.payloads) - with_format == 3


def test_5xx_is_retried_then_succeeds_and_4xx_is_not():
    def script(payload, n):
        text = payload["messages"][-1]["content"]
        if text == "bad":
            return 400, {"error": "bad request"}
        return (503, {"error": "busy"}) if n <= 2 else (200, "ok")

    with StandInServer(script) as server:
        backend = OpenAIBackend("m", server.url, concurrency=1, backoff=0.01)
        good, bad = run(
            backend,
            [
                VLMRequest([{"role": "user", "content": "good"}]),
                VLMRequest([{"role": "user", "content": "bad"}]),
            ],
        )
    assert good.ok and good.text == "ok" and backend.stats.retries == 2
    assert not bad.ok and "HTTP 400" in bad.error
    assert backend.stats.http_calls == 4  # 3 for good, 1 for bad: 4xx is not retried


def test_request_that_times_out_fails_alone():
    with slow_server(delay=3.0) as server:
        backend = OpenAIBackend(
            "m", server.url, timeout=0.4, max_retries=1, backoff=0.01, concurrency=3
        )
        requests = [
            VLMRequest([{"role": "user", "content": t}])
            for t in ("quick", "slow please", "quick again")
        ]
        start = time.monotonic()
        first, slow, last = run(backend, requests)
        elapsed = time.monotonic() - start
    assert first.ok and last.ok
    assert slow.text is None and "timed out after 0.4s" in slow.error and "2 attempts" in slow.error
    assert elapsed < 2.5  # two 0.4 s attempts, not the server's 3 s


def test_refused_connection_retried_then_clear_error():
    from ouro_toolkit.serving.process import free_port

    backend = OpenAIBackend("m", f"http://127.0.0.1:{free_port()}", max_retries=2, backoff=0.01)
    [result] = run(backend, [VLMRequest([{"role": "user", "content": "hi"}])])
    assert (
        result.text is None
        and "failed after 3 attempts" in result.error
        and "ConnectError" in result.error
    )
    assert backend.stats.http_calls == 3


@pytest.mark.timeout(300)  # never hang the suite if the crash is not noticed
def test_server_killed_mid_run_fails_only_unanswered_requests(tiny_model_dir, tmp_path, photos):
    from ouro_toolkit.serving.transformers_serve import start_transformers_serve

    server = start_transformers_serve(tiny_model_dir, log_path=tmp_path / "private.log")
    try:
        backend = OpenAIBackend(
            server.model, server.url, concurrency=2, max_retries=2, backoff=0.05, timeout=30
        )
        requests = [
            image_request(f"Region {i}.", [photos["rocket"]], max_new_tokens=16) for i in range(30)
        ]

        async def go():
            task = asyncio.create_task(backend.generate(requests))
            while backend.stats.requests < 4:  # let some requests finish, then crash the server
                await asyncio.sleep(0.02)
            server.kill()
            try:
                return await task
            finally:
                await backend.aclose()

        results = asyncio.run(go())
    finally:
        server.stop()
    ok = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    assert len(ok) >= 4 and failed, (len(ok), len(failed))
    assert len(ok) + len(failed) == len(requests)
    for r in failed:
        assert r.text is None and "failed after 3 attempts" in r.error
    assert backend.stats.retries >= 2 * len(failed)


def test_normalize_server_url():
    assert normalize_server_url("127.0.0.1:30000") == "http://127.0.0.1:30000"
    assert normalize_server_url("http://h:1/v1/") == "http://h:1"


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="--server-url"):
        OpenAIBackend("m", "")
    with pytest.raises(ValueError, match="concurrency"):
        OpenAIBackend("m", "http://x", concurrency=0)


def test_backend_survives_separate_event_loops():
    with StandInServer(lambda p, n: (200, f"answer {n}")) as server:
        backend = OpenAIBackend("m", server.url)
        request = VLMRequest([{"role": "user", "content": "hi"}])
        first = asyncio.run(backend.generate([request]))  # no aclose in between, as a script might
        second = asyncio.run(backend.generate([request]))
    assert first[0].text == "answer 1" and second[0].text == "answer 2"


def test_full_concurrency_is_kept_and_connections_are_reused():
    """`concurrency` requests are in flight at once (all 20 must reach the server before any is
    answered), and the second 20 go over the same kept-alive connections."""
    concurrency = 20
    arrived = threading.Barrier(concurrency, timeout=30)

    def script(payload, n):
        arrived.wait()  # raises (and the request fails) unless all 20 are in flight together
        return 200, last_text(payload)

    with StandInServer(script) as server:
        server._server.socket.listen(64)  # 20 connections at once: more than socketserver's 5
        backend = OpenAIBackend("m", server.url, concurrency=concurrency, max_retries=0)
        requests = [VLMRequest([{"role": "user", "content": f"q{i}"}]) for i in range(40)]
        results = run(backend, requests)
    assert [r.text for r in results] == [f"q{i}" for i in range(40)]
    assert backend.stats.http_calls == 40
    assert len(server.client_ports) == 20  # one connection per request in flight, kept alive
