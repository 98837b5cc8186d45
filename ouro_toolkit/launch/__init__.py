"""`ouro launch`: every shard of a build as one Ray task, on a local Ray instance or a cluster.

Ray is an optional extra (`pip install 'ouro-toolkit[ray]'`); nothing here imports it until a
launch starts. Each shard runs the same `build_shard` as `ouro build --shard-index i`, so shards,
markers, the per-shard request cache and resume are exactly those of a Slurm array of builds.
"""

from ouro_toolkit.launch.driver import LaunchConfig, LaunchResult, ShardOutcome, launch_build
from ouro_toolkit.launch.ray_runtime import LaunchError, RayCluster, connect_ray

__all__ = [
    "LaunchConfig",
    "LaunchError",
    "LaunchResult",
    "RayCluster",
    "ShardOutcome",
    "connect_ray",
    "launch_build",
]
