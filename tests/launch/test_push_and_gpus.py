"""`ouro launch` as the README promises it: `--push-to-hub` from the Ray workers to a local
Hub-protocol server, and `--gpus-per-shard` on an instance with two logical GPUs.

The Ray instance is the session's (tests/launch/conftest.py); it was started before these tests
set `HF_ENDPOINT` and `HF_TOKEN`, so its workers can only learn them from the runtime
environment the launch gives its tasks, as workers on a cluster's other nodes would.
"""

from __future__ import annotations

import io
import json
import threading

import pyarrow.parquet as pq

from ouro_toolkit.launch import LaunchConfig, launch_build
from ouro_toolkit.launch.shard_task import worker_file
from ouro_toolkit.serving.stand_in import ShardServer
from tests.helpers.fake_hub_server import LocalHubProtocolServer
from tests.helpers.hub_env import FAKE_TOKEN
from tests.launch.test_launch import EXPECTED_IDS, NUM_SHARDS, all_rows, make_config

REPO = "ouro-tester/launched"


def test_push_to_hub_through_ray_leaves_every_shard_once_and_a_card(
    ray_cluster, tmp_path, launch_images, monkeypatch
):
    out = tmp_path / "out"
    with LocalHubProtocolServer(token=FAKE_TOKEN) as hub, ShardServer() as server:
        for key, value in {
            "HF_ENDPOINT": hub.url, "HF_TOKEN": FAKE_TOKEN,
            "HF_HUB_DISABLE_XET": "1", "HF_HUB_OFFLINE": "0",
        }.items():  # fmt: skip
            monkeypatch.setenv(key, value)
        config = make_config(out, launch_images, server.url, push_to_hub=REPO)
        result = launch_build(config, LaunchConfig(max_retries=1))
        assert not result.incomplete, [(s.name, s.reason) for s in result.incomplete]
        files = hub.repo(REPO).head.files
        shards = sorted(p for p in files if p.endswith(".parquet"))
        pushed = [pq.read_table(io.BytesIO(hub.file_bytes(REPO, p))).to_pylist() for p in shards]
        card = hub.file_bytes(REPO, "README.md").decode()
    assert len(shards) == NUM_SHARDS and all(p.startswith("data/") for p in shards), shards
    rows = sorted((r for part in pushed for r in part), key=lambda r: r["id"])
    assert [r["id"] for r in rows] == EXPECTED_IDS  # every row once, none twice
    assert rows == all_rows(out)  # what was pushed is what was built
    assert card.startswith("---\n") and "data/train-*" in card


class BothShardsAtOnce(ShardServer):
    """Holds each shard's first request until both shards have sent one: the two shards then
    provably run at the same time (each has one request in flight until its first answer)."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(2, timeout=120)
        self.together = True
        super().__init__()

    def _reply(self, payload, n):
        if n <= 2:
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                self.together = False
        return super()._reply(payload, n)


def test_gpus_per_shard_gives_shards_running_together_their_own_gpu(
    ray_cluster, tmp_path, launch_images
):
    assert ray_cluster.resources().get("GPU") == 2
    out = tmp_path / "out"
    with BothShardsAtOnce() as server:
        config = make_config(out, launch_images, server.url, num_shards=2)
        result = launch_build(config, LaunchConfig(gpus_per_shard=1))
    assert not result.incomplete, [(s.name, s.reason) for s in result.incomplete]
    assert server.together, "the two shards did not run at the same time"
    seen = [json.loads(worker_file(config, i).read_text()) for i in range(2)]
    devices = [w["cuda_visible_devices"] for w in seen]
    assert sorted(devices) == ["0", "1"], devices  # one GPU each, not the same one
    assert seen[0]["pid"] != seen[1]["pid"]
