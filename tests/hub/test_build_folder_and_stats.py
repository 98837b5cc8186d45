"""The build-folder contract, shard checks and card statistics, without any server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import Dataset, Features, Value
from huggingface_hub import DatasetCard

from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.hub import (
    BuildFolder,
    BuildFolderError,
    HubPushError,
    compute_stats,
    push_dataset,
    render_dataset_card,
)
from ouro_toolkit.hub.cards import public_config
from tests.helpers.build_fixture import write_build


def test_completed_shards_are_those_with_a_marker(tmp_path: Path) -> None:
    folder = BuildFolder.open(
        write_build(tmp_path / "out", num_shards=3, rows_per_shard=2, complete=[0, 2])
    )
    assert folder.num_shards == 3 and folder.completed() == [0, 2]
    assert folder.repo_path(2) == "data/train-00002-of-00003.parquet"
    with pytest.raises(
        BuildFolderError, match=r"shard 1 .* not complete \(no markers/train-00001-of-00003.done\)"
    ):
        folder.check_shards([1])
    with pytest.raises(BuildFolderError, match="out of range"):
        folder.check_shards([3])


def test_publisher_sees_what_the_builder_writes(tmp_path: Path) -> None:
    # One naming and marker rule: a shard committed by the builder's writer is complete here.
    from ouro_toolkit.pipeline.config import BuildConfig
    from ouro_toolkit.pipeline.shard_writer import ShardWriter
    from tests.helpers.build_fixture import ok_row

    config = BuildConfig(
        source="local", backend=BackendSpec("m"), out=str(tmp_path), num_shards=2, shard_index=1
    )
    writer = ShardWriter(config.layout, config.shard_index)
    writer.write(ok_row(0, "coffee"))
    writer.commit({})
    folder = BuildFolder.open(tmp_path)
    assert config.shard_name() == "train-00001-of-00002"
    assert folder.num_shards == 2 and folder.completed() == [1]
    assert folder.shard_path(1) == tmp_path / "data" / "train-00001-of-00002.parquet"
    assert folder.repo_path(1) == "data/train-00001-of-00002.parquet"


def test_unfinished_shard_is_refused_before_any_network(tmp_path: Path) -> None:
    build = write_build(tmp_path / "out", num_shards=2, rows_per_shard=2, complete=[0])
    with pytest.raises(BuildFolderError, match="shard 1"):
        push_dataset(build, "u/x", shards=[1], token="unused")
    with pytest.raises(BuildFolderError, match="no such build folder"):
        push_dataset(tmp_path / "missing", "u/x", token="unused")


def test_shard_with_another_schema_is_refused(tmp_path: Path) -> None:
    build = write_build(tmp_path / "out", num_shards=1, rows_per_shard=2)
    shard = build / "data" / "train-00000-of-00001.parquet"
    Dataset.from_list([{"id": "a"}], features=Features({"id": Value("string")})).to_parquet(
        str(shard)
    )
    with pytest.raises(HubPushError, match=r"not the OURO row schema \(missing \[.*'regions'"):
        push_dataset(build, "u/x", token="unused")


def test_stats_count_what_the_shards_hold(tmp_path: Path) -> None:
    folder = BuildFolder.open(write_build(tmp_path / "out", num_shards=2, rows_per_shard=3))
    stats = compute_stats(folder.shard_path(i) for i in range(2))
    assert (stats.num_rows, stats.num_errors, stats.num_ok) == (6, 2, 4)
    assert stats.regions_total == 16 and stats.regions_per_image == 4.0
    assert dict(stats.depth_histogram) == {0: 4, 1: 8, 2: 4}
    assert stats.qa_total == 14 and dict(stats.qa_count_histogram) == {2: 1, 3: 1, 4: 1, 5: 1}
    assert stats.aspects_in_order()[0] == ("object details", 4)
    # Each annotated row's d0 is "A <photo> scene with a person wearing a helmet, and a sign. (i)".
    assert dict(stats.d0_words) == {13: 4} and stats.d0_quantile(0.5) == 13
    assert stats.d0_histogram() == [("0-99", 4)]
    assert (
        stats.example is not None and len(stats.example["qa"]) == 5 and "image" not in stats.example
    )


def test_card_yaml_parses_and_drops_secrets(tmp_path: Path) -> None:
    folder = BuildFolder.open(write_build(tmp_path / "out", num_shards=1, rows_per_shard=2))
    config = {
        **folder.config,
        "hub_token": "hf_leak",
        "server": {"authorization": "Bearer x", "url": "u"},
    }
    assert public_config(config)["server"] == {"url": "u"} and "hub_token" not in public_config(
        config
    )
    card = render_dataset_card(
        "u/ouro", config, compute_stats([folder.shard_path(0)]), num_shards=1
    )
    parsed = DatasetCard(str(card))
    assert parsed.data.to_dict()["dataset_info"]["splits"][0]["num_examples"] == 2
    assert "hf_leak" not in str(card) and "Bearer" not in str(card)
    assert "**Length of d0**" in str(card) and "median 13, 90th percentile 13" in str(card)
    assert (
        json.loads(str(card).split("```json\n")[1].split("```")[0])["model"]
        == "Qwen/Qwen2-VL-7B-Instruct"
    )


def test_offline_mode_fails_at_once_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    from ouro_toolkit.hub import HubAuthError

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    build = write_build(tmp_path / "out", num_shards=1, rows_per_shard=2)
    with pytest.raises(HubAuthError, match="HF_HUB_OFFLINE is set.*unset it"):
        push_dataset(build, "u/x", token="unused")


@pytest.mark.parametrize("repo", ["no-namespace", "bad id/with space", "a/b/c"])
def test_a_bad_repo_id_is_refused_before_anything_else(tmp_path: Path, repo: str) -> None:
    with pytest.raises(HubPushError, match="repo id|namespace/name"):
        push_dataset(tmp_path, repo, token="unused")
