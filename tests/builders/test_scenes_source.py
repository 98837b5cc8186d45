"""The `scenes` source: generated rows, seed-range splits, and `ouro build` with the oracle."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from PIL import Image

from ouro_toolkit.builders.base import SourceError
from ouro_toolkit.builders.registry import iter_source
from ouro_toolkit.builders.scenes import SPLIT_SEEDS
from ouro_toolkit.cli.main import cli
from ouro_toolkit.scenes import caption, qa_pairs, scene_from_id


def test_rows_are_the_scenes_of_the_split_with_caption_and_exact_qa():
    rows = list(iter_source("scenes", split="validation", limit=4))
    assert [r["id"] for r in rows] == [f"scenes/scene-{s:07d}" for s in range(1_000_000, 1_000_004)]
    for row in rows:
        scene = scene_from_id(row["id"])
        assert row["source"] == "scenes" and row["task"] == "vqa" and row["error"] == ""
        assert row["captions"] == [caption(scene)]
        assert 1 <= len(row["qa"]) <= 2
        truth = {p["question"]: p["answer"] for p in qa_pairs(scene)}
        for pair in row["qa"]:
            assert pair["answers"] == [truth[pair["question"]]]
        pixels = np.asarray(Image.open(io.BytesIO(row["image"]["bytes"])).convert("RGB"))
        assert np.array_equal(pixels, np.asarray(scene.image))


def test_splits_are_disjoint_seed_ranges_and_options_are_checked():
    ranges = sorted(SPLIT_SEEDS.values(), key=lambda r: r.start)
    assert all(a.stop <= b.start for a, b in zip(ranges, ranges[1:], strict=False))
    (first,) = iter_source("scenes", split="test", limit=1, preset="simple", first_seed=2_000_010)
    assert first["id"] == "scenes/simple-2000010"
    with pytest.raises(SourceError, match="outside split 'train'"):
        list(iter_source("scenes", limit=1, first_seed=5_000_000))
    with pytest.raises(SourceError, match="unknown preset 'hard'"):
        list(iter_source("scenes", limit=1, preset="hard"))


@pytest.mark.timeout(600)
def test_ouro_build_scenes_with_the_oracle(tmp_path: Path):
    out = tmp_path / "build"
    args = ["build", "--source", "scenes", "--split", "validation", "--limit", "2", "--backend", "oracle",
            "--model", "ground-truth-oracle", "--proposers", "grouping", "--out", str(out), "--no-progress"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (shard,) = sorted((out / "data").glob("*.parquet"))
    rows = pq.read_table(shard).to_pylist()
    assert [r["id"] for r in rows] == ["scenes/scene-1000000", "scenes/scene-1000001"]
    for row in rows:
        assert row["status"] == "ok", row["error"]
        assert row["provenance"]["backend"] == "oracle"
        assert row["provenance"]["model"] == "ground-truth-oracle"
        assert len(row["regions"]) > 1 and row["description"].startswith("A picture on a")
        assert row["qa"], "the oracle writes QA from d0"
