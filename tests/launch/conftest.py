"""One local Ray instance for the whole test session, started with the settings offline CI needs:

- RAY_USAGE_STATS_ENABLED=0: no usage-statistics upload (there is no network);
- RAY_AUTH_MODE=disabled: Ray >= 2.59 otherwise writes an auth token for a local instance;
- include_dashboard=False and a small object store (shard results are small dicts): ~0.5 GB;
- no `local_mode` (gone from Ray): tasks run in real worker processes, which a test can kill.

It takes about 5 s to start here. Four CPUs are declared (more than the machine's cores) so four
shards run at once; the shards mostly wait on HTTP. Two logical GPUs are declared for
`--gpus-per-shard`: Ray hands them out and sets each task's `CUDA_VISIBLE_DEVICES`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.images import photo

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")
NUM_IMAGES = 8


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator:
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    os.environ["RAY_AUTH_MODE"] = "disabled"
    from ouro_toolkit.launch.ray_runtime import connect_ray

    # Two logical GPUs (no hardware behind them): what --gpus-per-shard schedules against.
    cluster = connect_ray(None, num_cpus=4, num_gpus=2, object_store_memory=96 * 1024**2)
    try:
        yield cluster
    finally:
        cluster.shutdown()


def image_size(index: int) -> tuple[int, int]:
    """Every test image has its own size, which is how the stand-in server tells them apart."""
    return 64 + 8 * index, 48 + 6 * index


@pytest.fixture(scope="session")
def launch_images(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("launch-images")
    for i in range(NUM_IMAGES):
        photo(PHOTOS[i % len(PHOTOS)], image_size(i)).save(folder / f"img{i}.png")
    return folder
