"""`LaunchConfig`: how `ouro launch` runs a build's shards on Ray (not what the shards hold)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ouro_toolkit.launch.ray_runtime import LaunchError


def _help(text: str, **meta: Any) -> dict[str, Any]:
    """A field's command-line option (see `ouro_toolkit.cli.fields`)."""
    return {"help": text, **meta}


@dataclass
class LaunchConfig:
    # None: start a local Ray instance; "auto": join the running cluster
    ray_address: str | None = field(
        default=None,
        metadata=_help(
            "Ray cluster to join: 'auto' (the one `ray start` made on this node), or host:port. "
            "Default: start a local Ray instance for this launch."
        ),
    )
    max_retries: int = field(
        default=2,
        metadata=_help(
            "More attempts for a shard whose worker died or whose model calls failed.", min=0
        ),
    )
    # None: 1 for the embedded backend if the cluster has GPUs, else 0
    gpus_per_shard: float | None = field(
        default=None,
        metadata=_help(
            "GPUs per shard task (embedded backend). Default: 1 with --backend transformers on "
            "a cluster with GPUs, else 0.",
            min=0,
        ),
    )
    cpus_per_shard: float = field(default=1.0, metadata=_help(""))
    max_in_flight: int | None = field(
        default=None,
        metadata=_help(
            "Most shards running at once (default: as many as the cluster fits).", min=1
        ),
    )

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise LaunchError(f"--max-retries must be >= 0, got {self.max_retries}")
        if self.cpus_per_shard <= 0:
            raise LaunchError(f"--cpus-per-shard must be > 0, got {self.cpus_per_shard}")
        if self.gpus_per_shard is not None and self.gpus_per_shard < 0:
            raise LaunchError(f"--gpus-per-shard must be >= 0, got {self.gpus_per_shard}")
        if self.max_in_flight is not None and self.max_in_flight < 1:
            raise LaunchError(f"--max-in-flight must be >= 1, got {self.max_in_flight}")
