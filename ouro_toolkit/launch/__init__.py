"""`ouro launch`: every shard of a build as one Ray task, on a local Ray instance or a cluster.

Ray is an optional extra (`pip install 'ouro-toolkit[ray]'`); nothing here imports it until a
launch starts. Each shard runs the same `build_shard` as `ouro build --shard-index i`, so shards,
markers, the per-shard request cache and resume are exactly those of a Slurm array of builds.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Imported on first use: `ouro --help` (whose launch options come from `LaunchConfig`) should
# not pay for the driver's imports (`datasets`, the Hub client), about a second.
_WHERE = {
    "LaunchConfig": "ouro_toolkit.launch.config",
    "LaunchError": "ouro_toolkit.launch.ray_runtime",
    "LaunchResult": "ouro_toolkit.launch.driver",
    "RayCluster": "ouro_toolkit.launch.ray_runtime",
    "ShardOutcome": "ouro_toolkit.launch.driver",
    "connect_ray": "ouro_toolkit.launch.ray_runtime",
    "launch_build": "ouro_toolkit.launch.driver",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)


__all__ = [
    "LaunchConfig",
    "LaunchError",
    "LaunchResult",
    "RayCluster",
    "ShardOutcome",
    "connect_ray",
    "launch_build",
]
