"""The launch driver: record the config once, run each unfinished shard as a Ray task, retry.

A shard is retried when its worker or node died (SIGKILL, OOM, a lost node), when the task
raised something other than a settings error, or when it finished with rows whose model calls
failed. A retry is the same `build_shard` call: the shard's request cache replays every call
answered before, so only calls that were in flight, or failed, are asked again.
"""

from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ouro_toolkit.builders.base import SourceError
from ouro_toolkit.errors import one_line
from ouro_toolkit.hub.auth import HubAuthError
from ouro_toolkit.launch.config import LaunchConfig
from ouro_toolkit.launch.progress import LaunchProgress
from ouro_toolkit.launch.ray_runtime import LaunchError, RayCluster, connect_ray
from ouro_toolkit.launch.shard_task import run_shard
from ouro_toolkit.pipeline.config import BuildConfig
from ouro_toolkit.proposers.base import ProposerUnavailable

# Raised by a shard because of the build's settings or inputs: every retry would fail alike.
SETTINGS_ERRORS = (ValueError, FileNotFoundError, SourceError, ProposerUnavailable, HubAuthError)
# Where and how the workers push with --push-to-hub, taken from the driver's environment.
HUB_ENV = ("HF_ENDPOINT", "HF_HUB_DISABLE_XET", "HF_HUB_OFFLINE")


@dataclass
class ShardOutcome:
    index: int
    name: str
    complete: bool = False
    attempts: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # why the last attempt did not complete the shard
    # Submit-to-result time of the last attempt, seen by the driver; its stats' task_seconds is
    # the part spent in the task itself, so the difference is Ray's cost for the shard.
    seconds: float = 0.0


@dataclass
class LaunchResult:
    out: str
    shards: list[
        ShardOutcome
    ]  # the shards this launch ran (complete ones found on disk are not run)
    skipped: list[int]  # found complete before the launch
    seconds: float
    ray_start_seconds: float

    @property
    def incomplete(self) -> list[ShardOutcome]:
        return [s for s in self.shards if not s.complete]


def launch_build(
    config: BuildConfig, launch: LaunchConfig, progress: LaunchProgress | None = None
) -> LaunchResult:
    """Run every unfinished shard of `config` (all `num_shards`) on Ray; never raises for a shard."""
    start = time.perf_counter()
    check_settings(config)
    # Shards complete on disk are not run again; with --push-to-hub they run (and skip at once),
    # so a push that failed last time is retried.
    todo = [i for i in range(config.num_shards) if config.push_to_hub or not _done(config, i)]
    skipped = [i for i in range(config.num_shards) if i not in todo]
    cluster = connect_ray(launch.ray_address)
    wrote_config = False
    progress = progress or LaunchProgress(len(todo), enabled=config.progress)
    try:
        resources = shard_resources(config, launch, cluster)
        wrote_config = config.record()  # once, here: the shards only verify it
        if skipped:
            progress.line(
                f"{len(skipped)} of {config.num_shards} shards already complete in {config.out}: skipped"
            )
        shards = _Scheduler(cluster, config, launch, resources, progress).run(todo)
    finally:
        progress.close()
        cluster.shutdown()
        if wrote_config and not _anything_written(config):
            # No shard got to write anything (e.g. the model cannot load): leave no settings
            # behind to block the corrected command.
            config.layout.config_path.unlink(missing_ok=True)
    return LaunchResult(
        config.out, shards, skipped, time.perf_counter() - start, cluster.start_seconds
    )


def check_settings(config: BuildConfig) -> None:
    """Fail on bad settings before Ray starts (seconds) and before any shard runs."""
    from ouro_toolkit.annotate.prompts import load_prompts
    from ouro_toolkit.backends import backend_class
    from ouro_toolkit.builders.registry import spec

    spec(config.source)
    load_prompts(config.prompts_path)
    backend_class(config.backend.kind)
    config.tree.check()
    config.check_folder()


def shard_resources(
    config: BuildConfig, launch: LaunchConfig, cluster: RayCluster
) -> dict[str, float]:
    available = cluster.resources()
    gpus = launch.gpus_per_shard
    if gpus is None:
        from ouro_toolkit.backends import backend_class

        on_gpu = getattr(backend_class(config.backend.kind), "runs_model_here", False)
        gpus = 1.0 if on_gpu and available.get("GPU", 0) >= 1 else 0.0
    for flag, kind, wanted in (
        ("--gpus-per-shard", "GPU", gpus),
        ("--cpus-per-shard", "CPU", launch.cpus_per_shard),
    ):
        # A joined cluster may autoscale; a local instance never grows, so a task would wait forever.
        if wanted > available.get(kind, 0) and launch.ray_address is None:
            raise LaunchError(
                f"{flag} {wanted:g}: this Ray instance has {available.get(kind, 0):g} {kind}s; "
                f"lower {flag}, or join a bigger cluster with --ray-address"
            )
    return {"num_cpus": launch.cpus_per_shard, "num_gpus": gpus}


class _Scheduler:
    def __init__(self, cluster: RayCluster, config: BuildConfig, launch: LaunchConfig,
                 resources: dict[str, float], progress: LaunchProgress):  # fmt: skip
        self.ray, self.config, self.launch, self.progress = cluster.ray, config, launch, progress
        # Ray's own retries are off: the driver decides, and says why, for every retry.
        self.task = self.ray.remote(run_shard)
        self.options = dict(max_retries=0, retry_exceptions=False, **resources)
        if config.push_to_hub:
            self.options["runtime_env"] = hub_runtime_env()
        self.settings = config.to_dict()

    def run(self, todo: list[int]) -> list[ShardOutcome]:
        outcomes = {i: ShardOutcome(i, self.config.shard_name(i)) for i in todo}
        queue, running = deque(todo), {}
        limit = self.launch.max_in_flight or max(len(todo), 1)
        try:
            while queue or running:
                while queue and len(running) < limit:
                    outcome = outcomes[queue.popleft()]
                    outcome.attempts += 1
                    ref = self.task.options(name=f"ouro-{outcome.name}", **self.options).remote(
                        self.settings, outcome.index, outcome.attempts
                    )
                    running[ref] = (outcome, time.perf_counter())
                    self.progress.started()
                [ref], _ = self.ray.wait(list(running), num_returns=1)
                outcome, submitted = running.pop(ref)
                outcome.seconds = time.perf_counter() - submitted
                if self._settle(outcome, ref):
                    queue.append(outcome.index)
        except BaseException:
            for ref in running:  # Ctrl-C or a driver error: stop the shards still running
                self.ray.cancel(ref, force=True)
            raise
        return [outcomes[i] for i in todo]

    def _settle(self, outcome: ShardOutcome, ref: Any) -> bool:
        """Record one finished attempt; True when the shard should run again."""
        retry = True
        try:
            outcome.stats = self.ray.get(ref)
            outcome.complete = bool(outcome.stats["complete"])
            failed = outcome.stats["failed_calls"]
            outcome.reason = f"{failed} rows failed on model calls (answered calls are cached)"
        except self.ray.exceptions.RayTaskError as exc:
            cause = getattr(exc, "cause", None) or exc
            outcome.reason = f"{type(cause).__name__}: {one_line(cause, first_only=True)}"
            retry = not isinstance(cause, SETTINGS_ERRORS)
        except self.ray.exceptions.RayError as exc:
            # Not raised by the shard: its worker or node died, or its result was lost.
            outcome.reason = f"its worker was lost ({type(exc).__name__})"
        attempts = self.launch.max_retries + 1
        if not outcome.complete and retry and outcome.attempts < attempts:
            self.progress.retrying(outcome.name, outcome.attempts, attempts, outcome.reason)
            return True
        if outcome.complete:
            outcome.reason = ""
        self.progress.finished(
            outcome.name, outcome.complete, outcome.attempts, outcome.stats, outcome.reason
        )
        return False


def hub_runtime_env() -> dict[str, Any]:
    """The driver's Hub endpoint, settings and token, for the workers that push.

    A worker on another node (or one a running cluster started long ago) has neither the
    driver's environment nor its `hf auth login`; Ray's runtime environment carries them. The
    token is then readable by whoever can read the cluster's task specs: a cluster whose
    nodes have their own `HF_TOKEN` can run the driver without one, and none is passed.
    """
    from huggingface_hub import get_token

    env = {key: os.environ[key] for key in HUB_ENV if key in os.environ}
    token = get_token()  # HF_TOKEN, else the driver's login
    if token:
        env["HF_TOKEN"] = token
    return {"env_vars": env}


def _done(config: BuildConfig, index: int) -> bool:
    return config.layout.is_complete(index)


def _anything_written(config: BuildConfig) -> bool:
    layout = config.layout
    return any(
        layout.shard_path(i).exists() or layout.marker_path(i).exists()
        for i in range(config.num_shards)
    )
