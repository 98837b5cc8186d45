"""Pipeline throughput and memory.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/pipeline.py [--images 24] [--memory 50,500]

1. Wall time of a build vs the time the backend was busy (goal <= 1.10x: proposals for the next
   batch overlap with model calls), on real photos with the tiny Qwen2-VL, embedded backend.
2. Model calls per image vs regions + 1 (goal: equal).
3. Peak RSS of a build streaming 50 vs 500 images, each in its own process (goal: within 10%).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# `python benchmarks/NAME.py` puts only benchmarks/ on the path; put the repo root there too, as
# `python -m benchmarks.NAME` does (tests/ and benchmarks/ are not installed packages).
if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PIL import Image
from skimage import data

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "hubble_deep_field")


def write_images(folder: Path, count: int, size=(320, 240)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    base = [Image.fromarray(getattr(data, p)()).convert("RGB").resize(size) for p in PHOTOS]
    for i in range(count):
        # Distinct pixels per file, so the request cache cannot answer one image from another.
        # Faint per-image noise: every crop of every image differs, so the request cache cannot
        # answer one image's regions from another's and calls per node stay measurable.
        pixels = np.asarray(base[i % len(base)], dtype=np.int16)
        noise = np.random.default_rng(i).integers(-3, 4, size=pixels.shape)
        image = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
        image.save(folder / f"img{i:04d}.png")
    return folder


class BusyTimer:
    """Wraps a backend; sums the wall time during which a generate() call is in flight."""

    def __init__(self, inner):
        self.inner, self.name, self.model = inner, inner.name, inner.model
        self.busy = 0.0

    async def generate(self, requests):
        start = time.perf_counter()
        try:
            return await self.inner.generate(requests)
        finally:
            self.busy += time.perf_counter() - start

    async def aclose(self):
        await self.inner.aclose()


def config_for(out: Path, images: Path, model: Path, prompts: Path, **extra):
    from ouro_toolkit.backends.spec import BackendSpec
    from ouro_toolkit.decomposition.recipe import TreeRecipe
    from ouro_toolkit.pipeline.config import BuildConfig

    backend = BackendSpec(str(model), batch_size=extra.pop("batch_size", 8))
    tree = TreeRecipe(("grouping",)).replace(max_depth=2, max_children=3)
    return BuildConfig(
        source="local", data_dir=str(images), backend=backend, out=str(out), tree=tree,
        prompts_path=str(prompts), progress=False, **extra,
    )  # fmt: skip


def overlap_and_calls(work: Path, model: Path, count: int) -> None:
    from ouro_toolkit.pipeline.build import build_shard, make_backend
    from ouro_toolkit.pipeline.inspect import load_build

    prompts = work / "prompts.yaml"
    prompts.write_text("version: bench\ndescribe_max_new_tokens: 48\nqa_max_new_tokens: 64\n")
    images = write_images(work / "images", count)
    config = config_for(work / "out", images, model, prompts, batch_size=4)
    timer = BusyTimer(make_backend(config))
    from ouro_toolkit.pipeline.map_step import OuroMapStep

    prepare, proposing = OuroMapStep.prepare, [0.0]

    def timed_prepare(self, row):  # time spent decoding + proposing, in the proposal thread
        begin = time.perf_counter()
        try:
            return prepare(self, row)
        finally:
            proposing[0] += time.perf_counter() - begin

    OuroMapStep.prepare = timed_prepare
    start = time.perf_counter()
    try:
        stats = build_shard(config, backend=timer)
    finally:
        OuroMapStep.prepare = prepare
    wall = time.perf_counter() - start
    rows = load_build(config.out)
    nodes = sum(len(r["regions"]) for r in rows)
    print(
        f"build of {count} images: wall {wall:.2f}s, backend busy {timer.busy:.2f}s -> wall/busy = {wall / timer.busy:.3f}x (goal <= 1.10x)"
    )
    print(
        f"proposal thread busy {proposing[0]:.2f}s = {proposing[0] / timer.busy:.2f}x the backend's busy time "
        "(near or above 1x the model waits for proposals: a tiny model sharing 2 CPU cores)"
    )
    print(
        f"model calls {stats.model_calls} for {nodes} regions + {len(rows)} images = {nodes + len(rows)} -> calls/(nodes+1 per image) = {stats.model_calls / (nodes + len(rows)):.3f} (goal 1.000)"
    )


def peak_memory(work: Path, model: Path, counts: list[int]) -> None:
    peaks = {}
    prompts = work / "mem_prompts.yaml"
    prompts.write_text("version: bench-mem\ndescribe_max_new_tokens: 2\nqa_max_new_tokens: 2\n")
    images = write_images(work / "mem_images", max(counts), size=(160, 120))
    for count in counts:
        settings = {
            "root": str(Path(__file__).resolve().parents[1]),
            "out": str(work / f"mem{count}"),
            "images": str(images),
            "model": str(model),
            "prompts": str(prompts),
            "limit": count,
        }
        code = (
            "import json, resource, sys; s = json.loads(sys.argv[1]); sys.path.insert(0, s['root'])\n"
            "from pathlib import Path\n"
            "from benchmarks.pipeline import config_for\n"
            "from ouro_toolkit.pipeline.build import build_shard\n"
            "cfg = config_for(Path(s['out']), Path(s['images']), Path(s['model']), Path(s['prompts']), limit=s['limit'], batch_size=8)\n"
            "cfg.tree = cfg.tree.replace(max_depth=1, max_children=2)\n"
            "stats = build_shard(cfg)\n"
            "print(json.dumps({'rss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 'images': stats.images}))\n"
        )
        start = time.perf_counter()
        out = (
            subprocess.run(
                [sys.executable, "-c", code, json.dumps(settings)],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        result = json.loads(out)
        peaks[count] = result["rss_kb"] / 1024
        print(
            f"{result['images']:>4} images streamed: peak RSS {peaks[count]:.0f} MiB ({time.perf_counter() - start:.0f}s)"
        )
    low, high = counts[0], counts[-1]
    print(f"peak RSS {high} vs {low} images: {peaks[high] / peaks[low]:.3f}x (goal within 1.10x)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument(
        "--memory",
        default="50,500",
        help="image counts for the peak-memory comparison ('' to skip)",
    )
    args = parser.parse_args()
    from ouro_toolkit.models.tiny import make_tiny_qwen2vl

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = make_tiny_qwen2vl(work / "tiny")
        overlap_and_calls(work, model, args.images)
        if args.memory:
            peak_memory(work, model, [int(c) for c in args.memory.split(",")])


if __name__ == "__main__":
    main()
