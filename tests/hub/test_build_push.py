"""`ouro build --push-to-hub`: the CLI, not the pipeline, pushes a shard once it is complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ouro_toolkit.backends.spec import BackendSpec
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
    settings = dict(
        source="local", data_dir=str(photos), backend=BackendSpec("m"), out=str(build), num_shards=2
    )
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


@pytest.fixture
def recorded_pushes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, list[int]]]:
    """`push_dataset` replaced by a recorder of its calls (out dir, repo, shards): in this
    offline pytest process the real client cannot reach the local Hub (see hub_env.py)."""
    import ouro_toolkit.hub

    calls: list[tuple[str, str, list[int]]] = []
    monkeypatch.setattr(
        ouro_toolkit.hub,
        "push_dataset",
        lambda out, repo, shards: calls.append((str(out), repo, list(shards))),
    )
    return calls


def _config(tmp_path: Path, push_to_hub: str | None = "u/never") -> BuildConfig:
    return BuildConfig(
        source="local", backend=BackendSpec("m"), out=str(tmp_path), num_shards=2, shard_index=1,
        push_to_hub=push_to_hub,
    )  # fmt: skip


def test_an_incomplete_shard_is_not_pushed(tmp_path: Path, recorded_pushes: list) -> None:
    incomplete = ShardStats(shard="train-00001-of-00002", images=2, failed_calls=1)
    _push_if_asked(_config(tmp_path), incomplete)
    _push_if_asked(_config(tmp_path), incomplete, shard_index=1)  # `ouro rebuild`'s call
    assert recorded_pushes == []


def test_a_complete_or_skipped_shard_is_pushed_once_and_only_when_asked(
    tmp_path: Path, recorded_pushes: list
) -> None:
    # The same recorder sees the pushes the incomplete shard must not make.
    _push_if_asked(_config(tmp_path), ShardStats(shard="train-00001-of-00002", images=2))
    _push_if_asked(_config(tmp_path), ShardStats(shard="train-00000-of-00002", skipped=True), 0)
    _push_if_asked(_config(tmp_path, None), ShardStats(shard="train-00001-of-00002", images=2))
    assert recorded_pushes == [(str(tmp_path), "u/never", [1]), (str(tmp_path), "u/never", [0])]
