"""Evaluation throughput, measured side by side in one run.

1. samples/s of the same local model through the HTTP backend (`transformers serve` +
   OpenAIBackend) vs the in-process backend (TransformersBackend), on identical samples;
2. metric time per 10k samples for every metric (CIDEr includes its Java PTB tokenizer run).

Usage: python benchmarks/eval.py [--model DIR] [--samples 32] [--batch-size 8]
Without --model a tiny random Qwen2-VL is built (what CI can afford); its replies are meaningless
but the work per request (image processing, prefill, up to 16 new tokens) is real.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

# `python benchmarks/NAME.py` puts only benchmarks/ on the path; put the repo root there too, as
# `python -m benchmarks.NAME` does (tests/ and benchmarks/ are not installed packages).
if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from PIL import Image  # noqa: E402
from skimage import data as skdata  # noqa: E402

from ouro_toolkit.backends import create_backend  # noqa: E402
from ouro_toolkit.evaluation.runner import run_benchmark  # noqa: E402
from ouro_toolkit.evaluation.samples import Sample  # noqa: E402
from ouro_toolkit.evaluation.tasks import BENCHMARKS  # noqa: E402
from ouro_toolkit.metrics import (  # noqa: E402
    anls,
    cider,
    exact_match,
    kie_f1,
    option_accuracy,
    relaxed_accuracy,
    vqa_accuracy,
    wtq_accuracy,
)

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera")


def make_samples(n: int) -> list[Sample]:
    images = [
        Image.fromarray(getattr(skdata, p)()).convert("RGB").resize((112, 112)) for p in PHOTOS
    ]
    bench = BENCHMARKS["okvqa"]
    return [
        Sample(id=str(i), prompt=bench.prompt.format(question=f"What is in picture {i}?"),
               images=[images[i % len(images)]], answers=["cat"] * 10)
        for i in range(n)
    ]  # fmt: skip


async def throughput(backend, samples: list[Sample], batch_size: int) -> tuple[float, int]:
    bench = BENCHMARKS["okvqa"]
    await run_benchmark(
        backend, bench, samples[:batch_size], profile="official", variant="warmup", progress=False
    )
    start = time.perf_counter()
    run = await run_benchmark(backend, bench, samples, profile="official", variant="base",
                              batch_size=batch_size, progress=False)  # fmt: skip
    elapsed = time.perf_counter() - start
    await backend.aclose()
    return len(samples) / elapsed, run.n_failed


def time_metrics(n: int = 10_000) -> list[tuple[str, float]]:
    rng = random.Random(0)
    words = ["cat", "dog", "two", "red", "the blue car", "1,000", "45%", "Paris", "yes", "no"]
    preds = [rng.choice(words) for _ in range(n)]
    answers = [[rng.choice(words) for _ in range(10)] for _ in range(n)]
    choices = ["cat", "dog", "bird", "fish"]
    timings: list[tuple[str, float]] = []

    def clock(name: str, fn) -> None:
        start = time.perf_counter()
        fn()
        timings.append((name, time.perf_counter() - start))

    clock("vqa_accuracy", lambda: [vqa_accuracy(p, a) for p, a in zip(preds, answers, strict=True)])
    clock("anls", lambda: [anls(p, a[:3]) for p, a in zip(preds, answers, strict=True)])
    clock(
        "relaxed_accuracy",
        lambda: [relaxed_accuracy(p, a[0]) for p, a in zip(preds, answers, strict=True)],
    )
    clock(
        "exact_match", lambda: [exact_match(p, a[:1]) for p, a in zip(preds, answers, strict=True)]
    )
    clock("option_accuracy", lambda: [option_accuracy(p, choices, 1) for p in preds])
    clock(
        "wtq_accuracy",
        lambda: [wtq_accuracy(p, a[:1]) for p, a in zip(preds, answers, strict=True)],
    )
    clock("kie_f1", lambda: kie_f1(preds, [a[0] for a in answers]))
    m = n  # CIDEr on the full 10k: its Java tokenizer start-up would distort a scaled small run
    caps = {i: f"a {preds[i]} next to a {preds[i - 1]}" for i in range(m)}
    refs = {
        i: [f"a {a} near the {b}" for a, b in zip(answers[i][:5], answers[i][5:], strict=True)]
        for i in range(m)
    }
    start = time.perf_counter()
    cider(caps, refs)
    timings.append(("cider", time.perf_counter() - start))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", type=Path, help="local model folder (default: a tiny random Qwen2-VL)"
    )
    parser.add_argument("--samples", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model
        if model_dir is None:
            from ouro_toolkit.models.tiny import make_tiny_qwen2vl

            model_dir = make_tiny_qwen2vl(Path(tmp) / "tiny")
        samples = make_samples(args.samples)

        in_process = create_backend("transformers", str(model_dir), batch_size=args.batch_size)
        local_rate, local_failed = asyncio.run(throughput(in_process, samples, args.batch_size))

        from ouro_toolkit.serving.transformers_serve import start_transformers_serve

        server = start_transformers_serve(model_dir, log_path=Path(tmp) / "serve.log")
        try:
            http = create_backend(
                "openai", server.model, server_url=server.url, concurrency=args.batch_size
            )
            http_rate, http_failed = asyncio.run(throughput(http, samples, args.batch_size))
        finally:
            server.stop()

    print(f"model: {model_dir if args.model else 'tiny random Qwen2-VL'}; {args.samples} samples, "
          f"batch/concurrency {args.batch_size}, OKVQA prompt, 112x112 photos, <=16 new tokens")  # fmt: skip
    print(f"{'backend':<28}{'samples/s':>10}{'failed':>8}")
    print(f"{'in-process (transformers)':<28}{local_rate:>10.2f}{local_failed:>8}")
    print(f"{'HTTP (transformers serve)':<28}{http_rate:>10.2f}{http_failed:>8}")
    print(f"ratio in-process / HTTP: {local_rate / http_rate:.2f}x")
    print()
    print(f"{'metric':<22}{'s per 10k samples':>18}")
    for name, seconds in time_metrics():
        print(f"{name:<22}{seconds:>18.3f}")


if __name__ == "__main__":
    main()
