"""What one Ray task does: build one shard exactly as `ouro build --shard-index i` would, then push it.

Runs in a Ray worker. Before any work it writes `OUT/tmp/<shard>.worker.json` (pid, host,
attempt, the GPUs Ray gave it as `CUDA_VISIBLE_DEVICES`), so an operator (or a test) can tell
which process holds which shard, and on which GPU.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from ouro_toolkit.pipeline.build import build_shard
from ouro_toolkit.pipeline.config import BuildConfig


def worker_file(config: BuildConfig, index: int) -> Path:
    return config.layout.worker_info_path(index)


def run_shard(settings: dict[str, Any], index: int, attempt: int) -> dict[str, Any]:
    """Build shard `index` from the driver's recorded settings; its stats as a plain dict."""
    start = time.perf_counter()
    config = BuildConfig.from_dict(
        dict(settings, shard_index=index, progress=False, push_to_hub=None)
    )
    path = worker_file(config, index)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "attempt": attempt,
        "time": time.time(),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(info))
    tmp.replace(path)
    stats = build_shard(config)
    # Pushed from the worker, as soon as the shard is complete: OUT need not be shared with the
    # driver. A complete shard found on a rerun is pushed again (identical files are skipped).
    repo = settings.get("push_to_hub")
    if repo and stats.complete:
        from ouro_toolkit.hub import push_dataset

        push_dataset(config.out_dir, repo, shards=[index])
    return dict(
        stats.to_dict(),
        task_seconds=round(time.perf_counter() - start, 3),
        complete=stats.complete,
        skipped=stats.skipped,
        failed_calls=stats.failed_calls,
    )
