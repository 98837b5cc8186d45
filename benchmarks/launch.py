"""`ouro launch` on Ray vs the same shards as a plain sequential loop, on this machine.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/launch.py [--shards 4] [--images-per-shard 2] [--rounds 2]
        [--ray one every]

Every shard is a real build: real photos, the grouping proposer, the tiny random Qwen2-VL on the
embedded backend (each shard loads it, as a shard on a cluster would). Three runs of the same
shards, each into its own folder:

1. a sequential loop of `build_shard` in one fresh process (what a shell loop of `ouro build` does,
   minus the per-process start-up), with OMP_NUM_THREADS=1 as in a Ray worker of one CPU;
2. `launch_build` on a fresh local Ray instance with `--max-in-flight 1`: the same order of work,
   so the difference is Ray's cost;
3. `launch_build` on a fresh local Ray instance with every shard in flight.

Printed (medians of alternated rounds): wall times and the ratios to the loop; Ray's overhead per shard (submit-to-result time in
the driver minus the time the task body ran in the worker) and in total; the instance's start-up
time and the memory (RSS) of its processes before any task ran.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.pipeline import write_images  # noqa: E402

RAY_RUNS = ("one", "every")
PROMPTS = "version: bench-launch\ndescribe_max_new_tokens: 8\nqa_max_new_tokens: 16\n"


def settings(out: Path, images: Path, model: Path, prompts: Path, shards: int) -> dict:
    return dict(
        source="local", data_dir=str(images), backend={"model": str(model), "batch_size": 2},
        out=str(out), num_shards=shards,
        tree={"proposers": ["grouping"], "decompose": {"max_depth": 1, "max_children": 2}},
        prompts_path=str(prompts), progress=False,
    )  # fmt: skip


def sequential_loop(config: dict) -> float:
    """Every shard, one after the other, in one fresh process (imports included, as in a worker)."""
    code = (
        "import json, sys, time; sys.path.insert(0, sys.argv[2])\n"
        "start = time.perf_counter()\n"
        "from ouro_toolkit.pipeline.build import build_shard\n"
        "from ouro_toolkit.pipeline.config import BuildConfig\n"
        "s = json.loads(sys.argv[1])\n"
        "stats = [build_shard(BuildConfig(**dict(s, shard_index=i))) for i in range(s['num_shards'])]\n"
        "assert all(x.complete for x in stats)\n"
        "print(json.dumps({'seconds': time.perf_counter() - start}))\n"
    )
    # A Ray worker's torch uses one thread (Ray sets OMP_NUM_THREADS to the task's num_cpus, 1
    # here); the loop gets the same, so the comparison is of the scheduling, not of threading.
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(config), str(ROOT)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def descendants_rss_mib() -> float:
    """RSS of every process started by this one (Ray's GCS, raylet, workers...), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    family, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - family
        family |= frontier
    total_kib = 0
    for pid in family:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
    return total_kib / 1024


def ray_run(config: dict, max_in_flight: int | None) -> dict:
    from ouro_toolkit.launch import LaunchConfig, connect_ray, launch_build
    from ouro_toolkit.pipeline.config import BuildConfig

    cluster = connect_ray(None)  # a fresh local instance; launch_build reuses this connection
    time.sleep(2)  # let the instance's processes settle before reading their memory
    memory = descendants_rss_mib()
    try:
        result = launch_build(BuildConfig(**config), LaunchConfig(max_in_flight=max_in_flight))
    finally:
        cluster.shutdown()
    assert not result.incomplete, [(s.name, s.reason) for s in result.incomplete]
    overheads = [s.seconds - s.stats["task_seconds"] for s in result.shards]
    return {
        "seconds": result.seconds,
        "start": cluster.start_seconds,
        "memory": memory,
        "overheads": overheads,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--images-per-shard", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--ray", nargs="+", choices=RAY_RUNS, default=list(RAY_RUNS),
        help="the Ray runs: 'one' (--max-in-flight 1), 'every' (every shard in flight); "
        "each starts its own local instance",
    )  # fmt: skip
    args = parser.parse_args()
    from ouro_toolkit.models.tiny import make_tiny_qwen2vl

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = make_tiny_qwen2vl(work / "tiny")
        images = write_images(work / "images", args.shards * args.images_per_shard, size=(128, 96))
        prompts = work / "prompts.yaml"
        prompts.write_text(PROMPTS)

        def config(name: str) -> dict:
            return settings(work / name, images, model, prompts, args.shards)

        # Alternated, so a busy spell on a shared machine hits every variant alike.
        loops, ones, everys = [], [], []
        for r in range(args.rounds):
            loops.append(sequential_loop(config(f"loop{r}")))
            if "one" in args.ray:
                ones.append(ray_run(config(f"ray1-{r}"), max_in_flight=1))
            if "every" in args.ray:
                everys.append(ray_run(config(f"rayN-{r}"), max_in_flight=None))

    loop = statistics.median(loops)
    print(
        f"{args.shards} shards x {args.images_per_shard} images, tiny Qwen2-VL (embedded), "
        f"{os.cpu_count()} CPUs seen; medians of {args.rounds} alternated rounds"
    )
    print(f"sequential loop (one process):   {loop:7.2f}s   rounds: {_rounds(loops)}")
    for label, runs in (
        ("Ray, --max-in-flight 1:", ones),
        ("Ray, every shard in flight:", everys),
    ):
        if runs:
            seconds = statistics.median(r["seconds"] for r in runs)
            print(
                f"{label:<33}{seconds:7.2f}s = {seconds / loop:.2f}x the loop   "
                f"rounds: {_rounds([r['seconds'] for r in runs])}"
            )
    if ones:
        per = [o for r in ones for o in r["overheads"]]
        print(
            "Ray overhead per shard (--max-in-flight 1; submit-to-result in the driver minus the "
            f"task's own time; the first task of an instance includes importing the toolkit in its "
            f"worker): median {statistics.median(per) * 1000:.0f} ms, max {max(per) * 1000:.0f} ms; "
            f"total per launch {sum(per) / args.rounds:.2f}s for {args.shards} shards"
        )
    if everys:
        waits = [o for r in everys for o in r["overheads"]]
        print(
            "every shard in flight: submit-to-result minus task time, which adds waiting for a "
            f"free CPU: median {statistics.median(waits):.2f}s per shard"
        )
    starts = [r["start"] for r in ones + everys]
    memory = [r["memory"] for r in ones + everys]
    print(
        f"local Ray instance: start-up median {statistics.median(starts):.2f}s "
        f"(min {min(starts):.2f}, max {max(starts):.2f}); RSS of its processes before any task "
        f"median {statistics.median(memory):.0f} MiB"
    )


def _rounds(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    main()
