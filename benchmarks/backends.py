"""Client CPU per request: OpenAIBackend against the `openai` client and a raw-socket client.

All clients send the same image requests (~200x200 JPEG data URLs, ~150-word prompts) to one
stand-in OpenAI-compatible server in its own process (`ouro_toolkit/serving/stand_in.py`, latency 0),
so the figure is the client's own CPU (`time.process_time()` of this process), not the server's
and not the machine's load. Rounds are interleaved, medians printed, and ratios taken within a
round. Clients:

- `backend`: `OpenAIBackend`'s HTTP path (kept-alive httpcore connections lent from a stack,
  retries, status checks, reply parsing) on payloads built in advance, as the others get them;
- `backend+encode`: `OpenAIBackend.generate` on the PIL images, JPEG encoding included;
- `httpx pool`: httpx clients of 8 connections each (the backend's transport before);
- `openai`: `openai.AsyncOpenAI` (if installed), its default pool;
- `raw socket`: asyncio streams, one kept-alive connection per worker, no checks: the floor.

    python benchmarks/backends.py [--requests 400] [--concurrency 8 32 64] [--rounds 3]
    python benchmarks/backends.py --server-url http://127.0.0.1:30000 --model Qwen/Qwen2-VL-7B-Instruct
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

# `python benchmarks/NAME.py` puts only benchmarks/ on the path; put the repo root there too, as
# `python -m benchmarks.NAME` does (tests/ and benchmarks/ are not installed packages).
if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from PIL import Image  # noqa: E402

from ouro_toolkit.backends.base import SamplingParams, VLMRequest  # noqa: E402
from ouro_toolkit.backends.cache import CachedBackend, RequestCache  # noqa: E402
from ouro_toolkit.backends.openai_backend import OpenAIBackend  # noqa: E402
from ouro_toolkit.serving.stand_in import StandInServerProcess  # noqa: E402

PROMPT_WORDS = 150
Client = Callable[[str, str, list[VLMRequest], list[dict], int], Awaitable[None]]


def make_requests(n: int) -> list[VLMRequest]:
    from skimage import data

    photo = Image.fromarray(data.astronaut()).convert("RGB")
    words = "describe the region of the photo in one sentence naming its main object".split()
    requests = []
    for i in range(n):
        x, y = (i * 37) % 312, (i * 53) % 312  # a different 200x200 crop per request
        text = " ".join(words[(i + k) % len(words)] for k in range(PROMPT_WORDS))
        content = [
            {"type": "image", "image": photo.crop((x, y, x + 200, y + 200))},
            {"type": "text", "text": text},
        ]
        requests.append(
            VLMRequest(
                [{"role": "user", "content": content}], sampling=SamplingParams(max_new_tokens=32)
            )
        )
    return requests


async def workers(payloads: list[dict], concurrency: int, send: Callable) -> None:
    """`concurrency` workers taking payloads from one iterator, each with its own state."""
    pending = iter(payloads)

    async def worker(state: dict) -> None:
        for payload in pending:
            await send(state, payload)

    states = [{} for _ in range(concurrency)]
    await asyncio.gather(*(worker(s) for s in states))
    for state in states:
        if "close" in state:
            await state["close"]()


async def run_backend(url, model, requests, payloads, concurrency) -> None:
    backend = OpenAIBackend(model, url, concurrency=concurrency, response_format=False)

    async def send(state: dict, payload: dict) -> None:
        result = await backend._post_with_retries(requests[0], payload)
        assert result.ok, result.error

    await workers(payloads, concurrency, send)
    await backend.aclose()


async def run_backend_encode(url, model, requests, payloads, concurrency) -> None:
    backend = OpenAIBackend(model, url, concurrency=concurrency, response_format=False)
    results = await backend.generate(requests)
    assert all(r.ok for r in results), next(r.error for r in results if not r.ok)
    await backend.aclose()


async def run_httpx_pool(url, model, requests, payloads, concurrency) -> None:
    count = -(-concurrency // 8)
    limits = httpx.Limits(max_connections=-(-concurrency // count))
    clients = [httpx.AsyncClient(limits=limits, timeout=120) for _ in range(count)]
    endpoint = url + "/v1/chat/completions"

    lanes = iter(range(concurrency))

    async def send(state: dict, payload: dict) -> None:
        if "lane" not in state:  # workers spread evenly over the clients, as the backend did
            state["lane"] = next(lanes) % count
        response = await clients[state["lane"]].post(endpoint, json=payload)
        response.json()["choices"][0]["message"]["content"]

    await workers(payloads, concurrency, send)
    for client in clients:
        await client.aclose()


async def run_openai(url, model, requests, payloads, concurrency) -> None:
    import openai

    client = openai.AsyncOpenAI(base_url=url + "/v1", api_key="none", max_retries=0)

    async def send(state: dict, payload: dict) -> None:
        reply = await client.chat.completions.create(**payload)
        assert reply.choices[0].message.content is not None

    await workers(payloads, concurrency, send)
    await client.close()


async def run_raw_socket(url, model, requests, payloads, concurrency) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    head = f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}:{port}\r\n"
    head += "Content-Type: application/json\r\nContent-Length: "

    async def send(state: dict, payload: dict) -> None:
        if "io" not in state:
            state["io"] = await asyncio.open_connection(host, port)
            writer = state["io"][1]

            async def close() -> None:
                writer.close()

            state["close"] = close
        reader, writer = state["io"]
        body = json.dumps(payload).encode()
        writer.write(f"{head}{len(body)}\r\n\r\n".encode() + body)
        headers = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in headers.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        json.loads(await reader.readexactly(length))["choices"][0]["message"]["content"]

    await workers(payloads, concurrency, send)


def clients() -> dict[str, Client]:
    out: dict[str, Client] = {
        "backend": run_backend,
        "backend+encode": run_backend_encode,
        "httpx pool": run_httpx_pool,
    }
    try:
        import openai  # noqa: F401

        out["openai"] = run_openai
    except ImportError:
        print("openai not installed: its column is left out", file=sys.stderr)
    out["raw socket"] = run_raw_socket
    return out


def measure(args: argparse.Namespace, url: str, model: str) -> None:
    requests = make_requests(args.requests)
    payload_maker = OpenAIBackend(model, url, response_format=False)
    payloads = [payload_maker._payload(r) for r in requests]
    runners = clients()
    cpu: dict[tuple[str, int], list[float]] = defaultdict(list)
    for round_no in range(args.rounds):
        names = list(runners) if round_no % 2 == 0 else list(reversed(runners))
        for concurrency in args.concurrency:
            for name in names:
                start = time.process_time()
                asyncio.run(runners[name](url, model, requests, payloads, concurrency))
                cpu[name, concurrency].append((time.process_time() - start) / len(requests))
    print(f"client CPU per request, ms (median of {args.rounds} rounds, {len(requests)} requests)")
    print(f"{'client':>16} " + " ".join(f"{f'c={c}':>8}" for c in args.concurrency))
    for name in runners:
        row = [statistics.median(cpu[name, c]) * 1e3 for c in args.concurrency]
        print(f"{name:>16} " + " ".join(f"{v:8.2f}" for v in row))
    for other in [n for n in ("openai", "raw socket", "httpx pool") if n in runners]:
        ratios = [
            statistics.median(b / o for b, o in zip(cpu["backend", c], cpu[other, c], strict=True))
            for c in args.concurrency
        ]
        print(f"backend / {other:<10} " + " ".join(f"{r:7.2f}x" for r in ratios))
    top = max(args.concurrency)
    print(f"goal: backend <= 0.6 ms at c={top}: {statistics.median(cpu['backend', top]) * 1e3:.2f}")
    cache_replay(url, model, requests, top)


def cache_replay(url: str, model: str, requests: list[VLMRequest], concurrency: int) -> None:
    """The same requests twice through the replay cache: the second run asks the model nothing."""
    with tempfile.TemporaryDirectory() as tmp:

        async def twice() -> tuple[float, float, int, int]:
            backend = OpenAIBackend(model, url, concurrency=concurrency, response_format=False)
            cached = CachedBackend(backend, RequestCache(Path(tmp) / "cache.sqlite"))
            start = time.perf_counter()
            await cached.generate(requests)
            first, calls = time.perf_counter() - start, cached.stats.model_calls
            start = time.perf_counter()
            await cached.generate(requests)
            replay = time.perf_counter() - start
            await cached.aclose()
            return first, replay, calls, cached.stats.model_calls - calls

        first, replay, calls, replay_calls = asyncio.run(twice())
    print(f"cache first run   : {first:8.3f} s ({calls} model calls)")
    print(f"cache replay      : {replay:8.3f} s ({replay_calls} model calls)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32, 64])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server-url", help="a running server instead of the stand-in")
    parser.add_argument("--model", default="instant", help="model name the server expects")
    args = parser.parse_args()
    if args.server_url:
        measure(args, args.server_url.rstrip("/"), args.model)
        return
    with StandInServerProcess(latency=0.0) as server:
        print(f"server: stand-in at {server.url} (its own process, latency 0)", file=sys.stderr)
        measure(args, server.url, args.model)


if __name__ == "__main__":
    main()
