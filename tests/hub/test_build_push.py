"""`ouro build --push-to-hub`: the CLI, not the pipeline, pushes a shard once it is complete."""

from __future__ import annotations

import json
from pathlib import Path

from ouro_toolkit.cli.build import _push_if_asked
from ouro_toolkit.pipeline.build import ShardStats
from ouro_toolkit.pipeline.config import BuildConfig
from tests.helpers.build_fixture import write_build
from tests.helpers.hub_env import HubEnv

REPO = "ouro-tester/build-push"


def test_a_complete_shard_is_pushed_by_ouro_build(local_hub: HubEnv, tmp_path: Path) -> None:
    build = write_build(tmp_path / "out", num_shards=2, rows_per_shard=2, complete=[0])
    photos = tmp_path / "photos"
    photos.mkdir()
    settings = dict(source="local", data_dir=str(photos), model="m", out=str(build), num_shards=2)
    # The folder records exactly these settings, so shard 0 (complete) is skipped, then pushed.
    (build / "build_config.json").write_text(json.dumps(BuildConfig(**settings).to_dict()))
    result = local_hub.ouro(
        "build", "--source", "local", "--data-dir", str(photos), "--model", "m", "--out",
        str(build), "--num-shards", "2", "--shard-index", "0", "--push-to-hub", REPO,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "already complete" in result.stdout
    files = set(local_hub.server.repo(REPO).head.files)
    assert "data/train-00000-of-00002.parquet" in files
    assert "data/train-00001-of-00002.parquet" not in files


def test_an_incomplete_shard_is_not_pushed(tmp_path: Path) -> None:
    # Offline and with no Hub: a push attempt would raise, so returning quietly means none was made.
    config = BuildConfig(source="local", model="m", out=str(tmp_path), push_to_hub="u/never")
    _push_if_asked(config, ShardStats(shard="train-00000-of-00001", images=2, failed_calls=1))
