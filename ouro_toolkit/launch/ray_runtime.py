"""Joining or starting Ray with settings that work offline and on small machines."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from types import ModuleType

from ouro_toolkit.errors import OuroError

RAY_EXTRA = "pip install 'ouro-toolkit[ray]'"
# Before a local instance starts: no usage-statistics upload (offline CI, air-gapped clusters)
# and no auth token written to disk, which Ray >= 2.59 does by default for a local instance.
LOCAL_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}
# Shard results are small dicts: a small object store keeps a local instance at ~0.5 GB.
LOCAL_OBJECT_STORE_BYTES = 128 * 1024**2


class LaunchError(OuroError, ValueError):
    """A launch that cannot start, or shards that stayed incomplete; the message says what to do."""


def import_ray() -> ModuleType:
    try:
        import ray
    except ImportError:
        raise LaunchError(
            f"`ouro launch` needs Ray, an optional extra: {RAY_EXTRA} "
            "(or run the shards without it: `ouro build --shard-index i`, e.g. a Slurm array)"
        ) from None
    return ray


@dataclass
class RayCluster:
    """The Ray connection a launch runs on."""

    ray: ModuleType
    started_here: bool  # this call connected (or started a local instance): shutdown() undoes it
    start_seconds: float

    def resources(self) -> dict[str, float]:
        return dict(self.ray.cluster_resources())

    def shutdown(self) -> None:
        if self.started_here:
            self.ray.shutdown()


def connect_ray(
    address: str | None = None,
    *,
    num_cpus: int | None = None,
    num_gpus: int | None = None,
    object_store_memory: int = LOCAL_OBJECT_STORE_BYTES,
) -> RayCluster:
    """`address=None`: start a local instance; "auto" or "ray://..." etc.: join that cluster.

    A process already connected (a test session, a notebook) keeps its connection.
    """
    ray = import_ray()
    if ray.is_initialized():
        return RayCluster(ray, started_here=False, start_seconds=0.0)
    start = time.perf_counter()
    if address is None:
        for key, value in LOCAL_ENV.items():
            os.environ.setdefault(key, value)
        ray.init(
            num_cpus=num_cpus,
            num_gpus=num_gpus,
            include_dashboard=False,
            object_store_memory=object_store_memory,
            logging_level=logging.WARNING,
        )
    else:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        try:
            ray.init(address=address, logging_level=logging.WARNING)
        except ConnectionError as exc:
            raise LaunchError(
                f"--ray-address {address}: cannot join a Ray cluster there ({exc}); start one "
                "with `ray start --head`, or omit --ray-address to start a local instance"
            ) from None
    return RayCluster(ray, started_here=True, start_seconds=time.perf_counter() - start)
