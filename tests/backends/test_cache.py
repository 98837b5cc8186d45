"""The SQLite replay cache: a second identical run makes zero model calls; keys change with
anything that changes the answer; several processes can share one cache file."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from ouro_toolkit.backends import create_backend
from ouro_toolkit.backends.base import SamplingParams, VLMRequest
from ouro_toolkit.backends.cache import CachedBackend, RequestCache, request_key
from ouro_toolkit.backends.openai_backend import OpenAIBackend
from ouro_toolkit.serving.stand_in import StandInServer
from tests.helpers.vlm_requests import image_request


def run(backend, requests):
    async def go():
        try:
            return await backend.generate(requests)
        finally:
            await backend.aclose()

    return asyncio.run(go())


def test_second_identical_run_makes_zero_model_calls(tiny_server, photos, tmp_path):
    cache_path = tmp_path / "cache.sqlite"
    requests = [image_request(f"Region {i}.", [im]) for i, im in enumerate(photos.values())]
    requests.append(requests[0])  # a duplicate within one run is asked once

    first = create_backend(
        "openai", tiny_server.model, server_url=tiny_server.url, cache_path=cache_path
    )
    first_results = run(first, requests)
    assert isinstance(first, CachedBackend)
    assert first.stats.model_calls == 4 and first.backend.stats.http_calls == 4
    assert all(r.ok and not r.cached for r in first_results)

    # A new process would open the file afresh: so do we.
    second = create_backend(
        "openai", tiny_server.model, server_url=tiny_server.url, cache_path=cache_path
    )
    second_results = run(second, requests)
    assert second.stats.model_calls == 0 and second.backend.stats.http_calls == 0
    assert second.stats.hits == len(requests)
    assert [r.text for r in second_results] == [r.text for r in first_results]
    assert all(r.cached for r in second_results)


def test_transport_failures_are_not_cached_but_non_json_replies_are(tmp_path):
    calls = {"n": 0}

    def script(payload, n):
        calls["n"] += 1
        return (
            (200, "plain words, no JSON") if "json" in str(payload["messages"]) else (500, {"e": 1})
        )

    schema = {"type": "object"}
    json_req = VLMRequest([{"role": "user", "content": "json please"}], json_schema=schema)
    other = VLMRequest([{"role": "user", "content": "other"}])
    cache = RequestCache(tmp_path / "c.sqlite")
    with StandInServer(script) as server:
        for _ in range(2):
            backend = CachedBackend(OpenAIBackend("m", server.url, max_retries=0), cache)
            bad_json, failed = asyncio.run(backend.generate([json_req, other]))
            assert (
                "not the JSON asked for" in bad_json.error
                and bad_json.text == "plain words, no JSON"
            )
            assert failed.text is None
    # Run 1: both asked. Run 2: the non-JSON reply replays from cache, the 500 is asked again.
    assert calls["n"] == 3 and len(cache) == 1


def test_key_depends_on_pixels_prompt_version_sampling_and_schema(photos):
    base = image_request("Describe.", [photos["coffee"]])
    key = request_key("m", base)
    same_pixels = image_request("Describe.", [photos["coffee"].copy()])
    assert request_key("m", same_pixels) == key
    changed = photos["coffee"].copy()
    changed.putpixel((0, 0), (0, 0, 0) if changed.getpixel((0, 0)) != (0, 0, 0) else (1, 1, 1))
    variants = [
        image_request("Describe.", [changed]),
        image_request("Describe!", [photos["coffee"]]),
        image_request("Describe.", [photos["coffee"]], prompt_version="v2"),
        image_request("Describe.", [photos["coffee"]], json_schema={"type": "object"}),
        VLMRequest(base.messages, sampling=SamplingParams(max_new_tokens=7)),
    ]
    keys = {request_key("m", v) for v in variants} | {request_key("other-model", base)}
    assert key not in keys and len(keys) == len(variants) + 1


WRITER = """
import sys
from ouro_toolkit.backends.cache import RequestCache
cache = RequestCache(sys.argv[1])
for i in range(100):
    cache.put_many("m", {f"{sys.argv[2]}-{i}": "text"})
"""


def test_cache_is_shared_safely_by_processes(tmp_path):
    path = tmp_path / "shared.sqlite"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"w{j}"]) for j in range(3)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    cache = RequestCache(path)
    assert len(cache) == 300
    assert cache.get_many(["w0-0", "w2-99", "missing"]) == {"w0-0": "text", "w2-99": "text"}
