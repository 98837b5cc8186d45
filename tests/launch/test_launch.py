"""`ouro launch` on a real local Ray instance: 4 shards through a stand-in OpenAI-compatible
server; a worker SIGKILLed mid-shard; a shard whose calls keep failing; reruns; no Ray needed to
import the package."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from ouro_toolkit.decomposition.decompose import DecomposeConfig
from ouro_toolkit.launch import LaunchConfig, launch_build
from ouro_toolkit.launch.shard_task import worker_file
from ouro_toolkit.layout import BuildLayout
from ouro_toolkit.pipeline.build import build_shard
from ouro_toolkit.pipeline.config import BuildConfig
from ouro_toolkit.serving.stand_in import ShardServer
from tests.launch.conftest import image_size

NUM_SHARDS = 4
KILLED_SHARD = 1  # its rows are img1 and img5 (row i goes to shard i % 4)
FAILING_SHARD = 2  # img2 and img6
EXPECTED_IDS = sorted(f"local/img{i}.png" for i in range(8))


def make_config(out: Path, images: Path, server_url: str, **extra) -> BuildConfig:
    settings = dict(
        source="local", data_dir=str(images), model="stand-in", out=str(out), backend="openai",
        server_url=server_url, num_shards=NUM_SHARDS, proposers=["grouping"],
        decompose=DecomposeConfig(max_depth=1, max_children=2), batch_size=1, progress=False,
    )  # fmt: skip
    return BuildConfig.from_dict(dict(settings, **extra))  # the flat names, as older folders


def all_rows(out: Path) -> list[dict]:
    files = sorted((out / "data").glob("*.parquet"))
    return sorted((r for f in files for r in pq.read_table(f).to_pylist()), key=lambda r: r["id"])


@pytest.fixture(scope="module")
def single_process(tmp_path_factory, launch_images):
    """The same 4 shards built one after another in this process: what a launch must equal."""
    out = tmp_path_factory.mktemp("single-process")
    with ShardServer() as server:
        stats = [
            build_shard(make_config(out, launch_images, server.url, shard_index=i))
            for i in range(NUM_SHARDS)
        ]
    assert all(s.complete for s in stats)
    return all_rows(out), sum(server.asked.values())


def test_a_worker_killed_mid_shard_is_retried_and_nothing_is_lost_or_asked_twice(
    ray_cluster, tmp_path, launch_images, single_process
):
    reference_rows, reference_requests = single_process
    out = tmp_path / "out"
    with ShardServer(hold_qa_of=image_size(KILLED_SHARD + NUM_SHARDS)) as server:
        config = make_config(out, launch_images, server.url)
        result: dict = {}

        def drive() -> None:
            try:
                result["run"] = launch_build(config, LaunchConfig(max_retries=2))
            finally:
                server.held.set()  # so a launch that fails early does not leave the test waiting

        driver = threading.Thread(target=drive)
        driver.start()
        # The held request is the QA call of the shard's second image: its first image and every
        # describe call of the second are answered (and cached) by now.
        assert server.held.wait(timeout=240) and server.held_key, "the held request never arrived"
        worker = json.loads(worker_file(config, KILLED_SHARD).read_text())
        assert worker["attempt"] == 1
        answered_before_kill = len(server.asked) - 1
        os.kill(worker["pid"], signal.SIGKILL)
        server.release.set()
        driver.join(timeout=300)
        assert not driver.is_alive()

    run = result["run"]
    assert not run.incomplete, [(s.name, s.reason) for s in run.incomplete]
    attempts = {s.index: s.attempts for s in run.shards}
    assert attempts == {0: 1, 1: 2, 2: 1, 3: 1}
    rows = all_rows(out)
    assert [r["id"] for r in rows] == EXPECTED_IDS  # no row lost, none twice
    assert rows == reference_rows
    # Only the request in flight at the kill was asked twice; everything else exactly once.
    assert {k for k, n in server.asked.items() if n > 1} == {server.held_key}
    assert server.asked[server.held_key] == 2
    assert sum(server.asked.values()) == reference_requests + 1
    killed = config.layout.read_marker(KILLED_SHARD)
    shard_calls = killed["model_calls"] + killed["cache_hits"]
    assert killed["model_calls"] == 1 and killed["cache_hits"] == shard_calls - 1
    assert answered_before_kill >= killed["cache_hits"]  # other shards answered meanwhile too
    # One cache file per shard, in rollback-journal mode (no WAL files).
    caches = sorted(p.name for p in (out / "cache").iterdir())
    assert caches == [f"{config.shard_name(i)}.sqlite" for i in range(NUM_SHARDS)]


def test_rerun_skips_completed_shards(ray_cluster, tmp_path, launch_images):
    out = tmp_path / "out"
    with ShardServer() as server:
        config = make_config(out, launch_images, server.url)
        first = launch_build(config, LaunchConfig())
        asked = sum(server.asked.values())
        again = launch_build(make_config(out, launch_images, server.url), LaunchConfig())
        assert sum(server.asked.values()) == asked  # nothing asked again
    assert not first.incomplete and len(first.shards) == NUM_SHARDS
    assert again.skipped == list(range(NUM_SHARDS)) and again.shards == []
    assert json.loads((out / "build_config.json").read_text())["num_shards"] == NUM_SHARDS
    assert not list(out.glob(".build_config.json.*")), "no temporary config left behind"


def test_a_shard_whose_calls_keep_failing_fails_the_launch_by_name(
    ray_cluster, tmp_path, launch_images
):
    from ouro_toolkit.cli.main import cli

    out = tmp_path / "out"
    refused = image_size(FAILING_SHARD)
    with ShardServer(refuse_qa_of=refused) as server:
        args = [
            "launch", "--source", "local", "--data-dir", str(launch_images), "--model", "stand-in",
            "--out", str(out), "--backend", "openai", "--server-url", server.url,
            "--num-shards", str(NUM_SHARDS), "--proposers", "grouping", "--max-depth", "1",
            "--max-children", "2", "--batch-size", "1", "--max-retries", "1", "--no-progress",
        ]  # fmt: skip
        result = CliRunner().invoke(cli, args)
    layout = BuildLayout(out, NUM_SHARDS)
    failing = layout.name(FAILING_SHARD)
    assert result.exit_code == 1, result.output
    assert f"1 shard(s) incomplete: {failing} (1 rows failed on model calls" in result.stderr
    assert f"{failing}: attempt 1 failed" in result.stderr  # retried once, then given up
    assert len(set(server.refused)) == 1 and len(server.refused) >= 2  # asked on both attempts
    assert "3 of 4 shards complete" in result.stdout
    assert layout.completed() == [0, 1, 3]
    assert layout.cache_path(
        FAILING_SHARD
    ).is_file()  # its answered calls are kept for the next run


def test_importing_the_package_never_needs_ray_and_launch_names_the_extra(tmp_path, launch_images):
    code = (
        "import sys; sys.modules['ray'] = None\n"  # as if Ray were not installed
        "import ouro_toolkit.launch, ouro_toolkit.cli.launch\n"
        "from ouro_toolkit.cli.main import cli\n"
        "cli(sys.argv[1:])\n"
    )
    args = ["launch", "--source", "local", "--data-dir", str(launch_images), "--model", "m",
            "--backend", "openai", "--server-url", "http://127.0.0.1:9", "--out", str(tmp_path / "o")]  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert "pip install 'ouro-toolkit[ray]'" in done.stderr and "Traceback" not in done.stderr


def test_a_settings_error_is_not_retried_and_leaves_no_config_behind(ray_cluster, tmp_path):
    out = tmp_path / "out"
    config = make_config(out, tmp_path / "no-such-folder", "http://127.0.0.1:9", num_shards=2)
    result = launch_build(config, LaunchConfig(max_retries=3))
    assert [s.attempts for s in result.shards] == [1, 1]  # every attempt would fail alike
    assert all(
        "SourceError" in s.reason and "no-such-folder" in s.reason for s in result.incomplete
    )
    assert len(result.incomplete) == 2
    assert not (out / "build_config.json").exists()  # the corrected command is not refused
