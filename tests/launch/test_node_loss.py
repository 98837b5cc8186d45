"""A lost node mid-launch: the raylet of the launch's own local Ray instance is SIGKILLed, with
every process under it, while a shard's request is in flight. The launch must end (no hang), exit 1 and name the incomplete
shards; the same command then finishes them, and the rows equal a plain build's: nothing lost,
nothing twice.

The launch runs as a subprocess with its own Ray instance (`RAY_ADDRESS=local`): killing the
session's instance would take the other launch tests with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from ouro_toolkit.layout import BuildLayout
from ouro_toolkit.pipeline.build import build_shard
from ouro_toolkit.serving.stand_in import ShardServer
from tests.launch.conftest import image_size
from tests.launch.test_launch import EXPECTED_IDS, NUM_SHARDS, all_rows, make_config

ROOT = Path(__file__).resolve().parents[2]
HELD_IMAGE = 5  # the second image of shard 1: its QA request is in flight at the kill


def launch_command(images: Path, out: Path, url: str) -> list[str]:
    return [
        sys.executable, "-m", "ouro_toolkit.cli.main", "launch", "--source", "local",
        "--data-dir", str(images), "--model", "stand-in", "--out", str(out),
        "--backend", "openai", "--server-url", url, "--num-shards", str(NUM_SHARDS),
        "--proposers", "grouping", "--max-depth", "1", "--max-children", "2",
        "--batch-size", "1", "--max-retries", "1", "--cpus-per-shard", "0.5", "--no-progress",
    ]  # fmt: skip


def own_ray_env() -> dict[str, str]:
    env = dict(os.environ, RAY_ADDRESS="local", RAY_USAGE_STATS_ENABLED="0")
    return dict(env, RAY_AUTH_MODE="disabled", PYTHONPATH=str(ROOT))


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


@pytest.fixture(scope="module")
def plain_build(tmp_path_factory, launch_images) -> list[dict]:
    out = tmp_path_factory.mktemp("plain")
    with ShardServer() as server:
        for i in range(NUM_SHARDS):
            assert build_shard(make_config(out, launch_images, server.url, shard_index=i)).complete
    return all_rows(out)


def test_a_killed_raylet_ends_the_launch_and_the_same_command_finishes_it(
    tmp_path, launch_images, plain_build
):
    out = tmp_path / "out"
    with ShardServer(hold_qa_of=image_size(HELD_IMAGE)) as server:
        command = launch_command(launch_images, out, server.url)
        launch = subprocess.Popen(
            command, cwd=ROOT, env=own_ray_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True,
        )  # fmt: skip
        started: list[psutil.Process] = []
        try:
            assert server.held.wait(timeout=300), "the held request never arrived"
            started = descendants(launch.pid)
            raylets = [p for p in started if p.name() == "raylet"]
            assert len(raylets) == 1, [p.name() for p in started]
            # The node is lost: its raylet and everything under it (agents, the shards' worker
            # processes and their proposal workers); the GCS and the driver stay, as they do
            # when a cluster loses a worker node.
            for process in [raylets[0], *raylets[0].children(recursive=True)]:
                process.send_signal(signal.SIGKILL)
            server.release.set()
            stdout, stderr = launch.communicate(timeout=240)  # a hang fails here
        finally:
            server.release.set()
            if launch.poll() is None:
                os.killpg(launch.pid, signal.SIGKILL)
                launch.wait()
            for process in started:  # whatever of that Ray instance outlived its driver
                if process.is_running():
                    process.kill()
    assert launch.returncode == 1, (stdout, stderr)
    assert "shard(s) incomplete:" in stderr and "Traceback" not in stderr, stderr
    layout = BuildLayout(out, NUM_SHARDS)
    incomplete = [i for i in range(NUM_SHARDS) if i not in layout.completed()]
    assert 1 in incomplete  # the shard whose request was in flight
    for i in incomplete:
        assert layout.name(i) in stderr.split("shard(s) incomplete:")[-1], stderr

    with ShardServer() as server:
        again = subprocess.run(
            launch_command(launch_images, out, server.url), cwd=ROOT, env=own_ray_env(),
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert f"{NUM_SHARDS} of {NUM_SHARDS} shards complete" in again.stdout
    rows = all_rows(out)
    assert [r["id"] for r in rows] == EXPECTED_IDS  # nothing lost, nothing twice
    assert rows == plain_build
