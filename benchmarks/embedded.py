"""Embedded generation: the transformers backend against a bare batched `model.generate`.

    python benchmarks/embedded.py [--requests 64] [--batch-sizes 8 16 32 64] [--threads 1 2]
        [--bf16] [--build-scenes 8]

The shipped M0 describes the same region crops (truth boxes of `scenes` test scenes, grown by 15%
as proposer boxes are) with the project's own describe request. For every request batch size and
torch thread count, side by side and alternating:

- `backend`: `TransformersBackend.generate` on all requests (it cuts them into batches);
- `bare`: the processor and `model.generate` on the same prompts in the same batches, nothing else.

Printed: requests/s of each, the ratio backend/bare (goal >= 0.9x at every batch size), whether
the replies equal those at the smallest batch size and one thread, and with `--bf16` how many
replies bfloat16 changes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402

from ouro_toolkit.annotate.prompts import load_prompts  # noqa: E402
from ouro_toolkit.backends.base import SamplingParams, VLMRequest  # noqa: E402
from ouro_toolkit.backends.messages import chat_prompt, images_in, request_messages  # noqa: E402
from ouro_toolkit.backends.transformers_backend import TransformersBackend  # noqa: E402
from ouro_toolkit.experiment.config import shipped_m0  # noqa: E402

MAX_PIXELS = 224 * 224  # what M0 was trained at


def region_requests(n: int, max_new_tokens: int) -> list[VLMRequest]:
    from ouro_toolkit.scenes.generate import generate_scene

    prompts = load_prompts()
    requests: list[VLMRequest] = []
    seed = 10_000
    while len(requests) < n:
        scene = generate_scene(seed)
        seed += 1
        for obj in scene.objects:
            x0, y0, x1, y1 = obj.bbox
            pad_x, pad_y = 0.15 * (x1 - x0), 0.15 * (y1 - y0)
            box = (
                max(0, round(x0 - pad_x)),
                max(0, round(y0 - pad_y)),
                min(scene.image.width, round(x1 + pad_x)),
                min(scene.image.height, round(y1 + pad_y)),
            )
            content = [
                {"type": "text", "text": prompts.describe_region},
                {"type": "image", "image": scene.image.crop(box)},
            ]
            requests.append(
                VLMRequest(
                    [{"role": "user", "content": content}],
                    sampling=SamplingParams(max_new_tokens=max_new_tokens),
                    json_schema=prompts.describe_schema,
                )
            )
    return requests[:n]


def run_backend(backend: TransformersBackend, requests: list[VLMRequest]) -> list[str]:
    results = asyncio.run(backend.generate(requests))
    # A reply that is not the JSON asked for is still M0's reply (its text is compared); only a
    # failed generation has no text.
    assert all(r.text is not None for r in results), next(r.error for r in results if not r.text)
    return [r.text for r in results]


def run_bare(backend: TransformersBackend, requests: list[VLMRequest], batch: int) -> list[str]:
    processor, model = backend._processor, backend._hf_model
    size = {"size": backend._image_size} if backend._image_size else {}
    out: list[str] = []
    for start in range(0, len(requests), batch):
        chunk = [request_messages(r) for r in requests[start : start + batch]]
        inputs = processor(
            text=[chat_prompt(processor, m) for m in chunk],
            images=[im.convert("RGB") for m in chunk for im in images_in(m)],
            padding=True,
            return_tensors="pt",
            **size,
        )
        with torch.inference_mode():
            ids = model.generate(
                **inputs, max_new_tokens=requests[0].sampling.max_new_tokens, do_sample=False
            )
        out += processor.batch_decode(
            ids[:, inputs["input_ids"].shape[1] :], skip_special_tokens=True
        )
    return out


def build_stage(model: str, scenes: int, small_batch: int) -> None:
    """The experiment's build stage (`ouro build --source scenes` with M0) as it ran before
    (`small_batch` images annotated together, requests generated `small_batch` at a time) and as
    the experiment runs it now (its own image batch, the backend's default request batch): model
    calls per second in the build's loop, and whether the rows are the same."""
    import json
    import subprocess
    import tempfile

    import pyarrow.parquet as pq

    from ouro_toolkit.experiment.config import ExperimentConfig

    def build(out: Path, *extra: str) -> tuple[float, list]:
        command = [sys.executable, "-m", "ouro_toolkit.cli.main", "build", "--source", "scenes",
                   "--split", "train", "--limit", str(scenes), "--model", model,
                   "--max-pixels", str(MAX_PIXELS), "--proposers", "objects,ocr", "--max-depth", "2",
                   "--max-children", "5", "--out", str(out), "--no-progress", *extra]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
        marker = json.loads(next((out / "markers").glob("*.done")).read_text())
        table = pq.read_table(next((out / "data").glob("*.parquet")))
        rows = table.select(["id", "regions", "description", "qa"]).to_pylist()
        return marker["model_calls"] / marker["seconds"], rows

    images = ExperimentConfig.__dataclass_fields__["batch_size"].default
    with tempfile.TemporaryDirectory() as tmp:
        before, before_rows = build(
            Path(tmp) / "before",
            "--batch-size", str(small_batch),
            "--backend-option", f"batch_size={small_batch}",
        )  # fmt: skip
        now, now_rows = build(Path(tmp) / "now", "--batch-size", str(images))
    print(
        f"build stage ({scenes} scenes): {now:.2f} calls/s as the experiment runs it (images "
        f"{images} at a time, the backend's request batch), {before:.2f} with {small_batch} and "
        f"{small_batch}: {now / before:.2f}x (goal >= 1.4x); rows identical: "
        f"{before_rows == now_rows}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default=shipped_m0())
    parser.add_argument("--requests", type=int, default=64)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--max-new-tokens", type=int, default=160)
    parser.add_argument("--bf16", action="store_true", help="also count replies bf16 changes")
    parser.add_argument(
        "--build-scenes",
        type=int,
        default=0,
        help="also run the experiment's build stage on N scenes at the first batch size and at "
        "the backend's default (0: skip)",
    )
    args = parser.parse_args()
    requests = region_requests(args.requests, args.max_new_tokens)
    backends = {
        bs: TransformersBackend(args.model, batch_size=bs, max_pixels=MAX_PIXELS)
        for bs in args.batch_sizes
    }
    first = backends[args.batch_sizes[0]]
    first.load()
    for b in backends.values():  # one model in memory, shared: only the batching differs
        b._hf_model, b._processor, b._image_size = (
            first._hf_model,
            first._processor,
            first._image_size,
        )
    timings: dict[tuple[str, int, int], list[float]] = {}
    replies: dict[tuple[int, int], list[str]] = {}
    for round_no in range(args.rounds):
        for threads in args.threads:
            torch.set_num_threads(threads)
            for bs in args.batch_sizes:
                order = ("backend", "bare") if round_no % 2 == 0 else ("bare", "backend")
                for who in order:
                    start = time.perf_counter()
                    if who == "backend":
                        replies[bs, threads] = run_backend(backends[bs], requests)
                    else:
                        run_bare(first, requests, bs)
                    timings.setdefault((who, bs, threads), []).append(time.perf_counter() - start)
    reference = replies[args.batch_sizes[0], args.threads[0]]
    n = len(requests)
    print(
        f"{n} region requests of M0 (max_new_tokens {args.max_new_tokens}), medians of {args.rounds}"
    )
    print(
        f"{'threads':>7} {'batch':>5} {'backend req/s':>14} {'bare req/s':>11} {'ratio':>6} same replies"
    )
    for threads in args.threads:
        for bs in args.batch_sizes:
            ours = n / statistics.median(timings["backend", bs, threads])
            bare = n / statistics.median(timings["bare", bs, threads])
            same = sum(a == b for a, b in zip(replies[bs, threads], reference, strict=True))
            print(
                f"{threads:>7} {bs:>5} {ours:>14.2f} {bare:>11.2f} {ours / bare:>5.2f}x {same}/{n}"
            )
    base = n / statistics.median(timings["backend", args.batch_sizes[0], args.threads[-1]])
    best = max(
        (n / statistics.median(timings["backend", bs, t]), bs, t)
        for bs in args.batch_sizes
        for t in args.threads
    )
    print(
        f"fastest: batch {best[1]}, {best[2]} thread(s): {best[0]:.2f} req/s, "
        f"{best[0] / base:.2f}x batch {args.batch_sizes[0]} on {args.threads[-1]} threads"
    )
    if args.build_scenes:
        build_stage(args.model, args.build_scenes, args.batch_sizes[0])
    if args.bf16:
        bf16 = TransformersBackend(
            args.model, batch_size=best[1], max_pixels=MAX_PIXELS, dtype="bfloat16"
        )
        torch.set_num_threads(best[2])
        start = time.perf_counter()
        texts = run_backend(bf16, requests)
        took = time.perf_counter() - start
        changed = sum(a != b for a, b in zip(texts, reference, strict=True))
        print(f"bf16: {n / took:.2f} req/s, {changed}/{n} replies differ from float32")


if __name__ == "__main__":
    main()
