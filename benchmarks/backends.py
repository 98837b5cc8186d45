"""Backends benchmark: OpenAIBackend vs a bare asyncio httpx client, and cache replay vs first run.

Against one local `transformers serve` (the tiny random Qwen2-VL, made here offline), at the same
concurrency, with the same requests (one real photo crop each). The bare client sends payloads
built in advance and does nothing else; the backend builds its payloads (PNG data URLs),
bounds concurrency, checks statuses and strips special tokens. Goal: backend >= 0.95x bare.

    python benchmarks/backends.py [--requests 48] [--concurrency 8] [--rounds 3]
    python benchmarks/backends.py --server-url http://127.0.0.1:30000 --model Qwen/Qwen2-VL-7B-Instruct
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# `python benchmarks/NAME.py` puts only benchmarks/ on the path; put the repo root there too, as
# `python -m benchmarks.NAME` does (tests/ and benchmarks/ are not installed packages).
if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import httpx  # noqa: E402
from PIL import Image  # noqa: E402

from ouro_toolkit.backends.base import SamplingParams, VLMRequest  # noqa: E402
from ouro_toolkit.backends.cache import CachedBackend, RequestCache  # noqa: E402
from ouro_toolkit.backends.messages import to_openai_messages  # noqa: E402
from ouro_toolkit.backends.openai_backend import OpenAIBackend  # noqa: E402

# Client-side CPU seconds per run: unlike wall time, not blurred by a busy server or machine.
CPU: dict[str, list[float]] = {"bare": [], "backend": []}


def make_requests(n: int, max_tokens: int) -> list[VLMRequest]:
    from skimage import data

    photo = Image.fromarray(data.astronaut()).convert("RGB")
    requests = []
    for i in range(n):
        x, y = (i * 37) % 384, (i * 53) % 384  # a different 128x128 crop per request
        crop = photo.crop((x, y, x + 128, y + 128))
        content = [
            {"type": "image", "image": crop},
            {"type": "text", "text": f"Describe region {i}."},
        ]
        requests.append(
            VLMRequest(
                [{"role": "user", "content": content}],
                sampling=SamplingParams(max_new_tokens=max_tokens),
            )
        )
    return requests


async def bare_client(url: str, payloads: list[dict], concurrency: int) -> float:
    """The least a client can do: a semaphore, POST, read the text."""
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(
        timeout=300, limits=httpx.Limits(max_connections=concurrency)
    ) as client:

        async def one(payload: dict) -> str:
            async with sem:
                response = await client.post(url + "/v1/chat/completions", json=payload)
                return response.json()["choices"][0]["message"]["content"]

        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(p) for p in payloads))
        CPU["bare"].append(time.process_time() - cpu)
        return time.perf_counter() - start


async def backend_run(backend, requests: list[VLMRequest]) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    results = await backend.generate(requests)
    elapsed = time.perf_counter() - start
    CPU["backend"].append(time.process_time() - cpu)
    failed = [r.error for r in results if not r.ok]
    if failed:
        raise SystemExit(f"{len(failed)} requests failed: {failed[0]}")
    return elapsed


async def main_async(args: argparse.Namespace, url: str, model: str) -> None:
    requests = make_requests(args.requests, args.max_tokens)
    payloads = [
        {
            "model": model,
            "messages": to_openai_messages(r.messages),
            "max_tokens": args.max_tokens,
            "temperature": 0.0,
        }
        for r in requests
    ]
    backend = OpenAIBackend(model, url, concurrency=args.concurrency)
    await backend_run(backend, requests[: args.concurrency])  # warm up server and connections
    bare_times, backend_times = [], []
    for i in range(args.rounds):  # interleaved (ABBA), so drift in server speed hits both alike
        if i % 2 == 0:
            bare_times.append(await bare_client(url, payloads, args.concurrency))
            backend_times.append(await backend_run(backend, requests))
        else:
            backend_times.append(await backend_run(backend, requests))
            bare_times.append(await bare_client(url, payloads, args.concurrency))
    print("bare times   :", " ".join(f"{t:.2f}" for t in bare_times))
    print("backend times:", " ".join(f"{t:.2f}" for t in backend_times))
    await backend.aclose()
    bare_rps = args.requests / statistics.median(bare_times)
    backend_rps = args.requests / statistics.median(backend_times)
    print(f"requests={args.requests} concurrency={args.concurrency} rounds={args.rounds} (medians)")
    print(f"bare httpx client : {bare_rps:8.2f} req/s")
    print(f"OpenAIBackend     : {backend_rps:8.2f} req/s")
    print(f"ratio backend/bare: {backend_rps / bare_rps:8.3f}x  (goal >= 0.95x)")
    best = min(bare_times) / min(backend_times)
    print(f"ratio, best rounds: {best:8.3f}x")
    n = args.requests
    bare_cpu = statistics.median(CPU["bare"]) / n * 1000
    backend_cpu = statistics.median(CPU["backend"][1:]) / n * 1000  # [0] is the warm-up
    latency = statistics.median(backend_times) / n * args.concurrency * 1000
    print(
        f"client CPU/request: bare {bare_cpu:.2f} ms, backend {backend_cpu:.2f} ms "
        f"(server latency per request ~{latency:.0f} ms at this concurrency)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        cached = CachedBackend(
            OpenAIBackend(model, url, concurrency=args.concurrency),
            RequestCache(Path(tmp) / "c.sqlite"),
        )
        first = await backend_run(cached, requests)
        calls_after_first = cached.stats.model_calls
        replay = await backend_run(cached, requests)
        replay_calls = cached.stats.model_calls - calls_after_first
        await cached.aclose()
    print(f"cache first run   : {first:8.3f} s ({calls_after_first} model calls)")
    print(f"cache replay      : {replay:8.3f} s ({replay_calls} model calls)")
    print(f"replay speed-up   : {first / replay:8.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=48)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=8)
    parser.add_argument(
        "--server-url", help="use a running server instead of starting transformers serve"
    )
    parser.add_argument("--model", help="model name the server expects (with --server-url)")
    args = parser.parse_args()
    if args.server_url:
        asyncio.run(main_async(args, args.server_url.rstrip("/"), args.model or "model"))
        return
    from ouro_toolkit.models.tiny import make_tiny_qwen2vl
    from ouro_toolkit.serving.transformers_serve import start_transformers_serve

    with tempfile.TemporaryDirectory() as tmp:
        model_dir = make_tiny_qwen2vl(Path(tmp) / "tiny")
        server = start_transformers_serve(model_dir, log_path=Path(tmp) / "serve.log")
        try:
            print(f"server: transformers serve (tiny random Qwen2-VL) at {server.url}")
            asyncio.run(main_async(args, server.url, server.model))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
