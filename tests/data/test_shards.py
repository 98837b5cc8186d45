"""File-level sharding: a shard reads whole files of its own, and never opens another's."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasets import Dataset

import ouro_toolkit.data.stream as stream
from ouro_toolkit.builders.registry import iter_source
from ouro_toolkit.data.shards import plan_shard, shard_share
from tests.helpers.source_layouts import TEXTVQA_FEATURES, img, textvqa_columns


def write_textvqa(root: Path, files: int, rows_per_file: int = 2) -> Path:
    """A real TextVQA-layout copy split into `files` Parquet files, one image id per row."""
    for f in range(files):
        ids = [f"img{f:02d}{r:02d}" for r in range(rows_per_file)]
        columns = textvqa_columns(
            ids, [f"q {i}?" for i in ids], [img("text")] * rows_per_file, [["a"]] * rows_per_file
        )
        path = root / "data" / f"validation-{f:05d}-of-{files:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        Dataset.from_dict(columns, features=TEXTVQA_FEATURES).to_parquet(str(path))
    return root


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file the data layer opens (a spy around the real `open_file`)."""
    seen: list[str] = []
    real = stream.open_file

    def spy(file: str):
        seen.append(Path(file).name)
        return real(file)

    monkeypatch.setattr(stream, "open_file", spy)
    return seen


def shard(root: Path, index: int, num_shards: int, limit: int | None = None) -> list[str]:
    rows = iter_source(
        "textvqa", data_dir=str(root), split="validation", num_shards=num_shards,
        shard_index=index, limit=shard_share(limit, num_shards, index), verify_images=False,
    )  # fmt: skip
    return [row["id"] for row in rows]


def test_each_shard_opens_only_its_own_files(tmp_path: Path, opened: list[str]) -> None:
    root = write_textvqa(tmp_path, files=4)
    everything = shard(root, 0, 1)
    opened.clear()
    seen_by: dict[int, set[str]] = {}
    ids: list[str] = []
    for index in range(2):
        opened.clear()
        ids += shard(root, index, 2)
        seen_by[index] = set(opened)
    assert seen_by[0] == {"validation-00000-of-00004.parquet", "validation-00002-of-00004.parquet"}
    assert seen_by[1] == {"validation-00001-of-00004.parquet", "validation-00003-of-00004.parquet"}
    assert sorted(ids) == sorted(everything) and len(ids) == 8  # every row exactly once


def test_fewer_files_than_shards_falls_back_to_row_modulo(tmp_path: Path, opened) -> None:
    root = write_textvqa(tmp_path, files=1, rows_per_file=5)
    everything = shard(root, 0, 1)
    parts = [shard(root, index, 3) for index in range(3)]
    assert parts == [everything[0::3], everything[1::3], everything[2::3]]
    assert set(opened) == {"validation-00000-of-00001.parquet"}


def test_a_limit_is_shared_between_shards(tmp_path: Path) -> None:
    root = write_textvqa(tmp_path, files=4)
    parts = [shard(root, index, 3, limit=7) for index in range(3)]
    assert [len(p) for p in parts] == [3, 2, 2]
    assert len({i for p in parts for i in p}) == 7


def test_plan_and_share_rules() -> None:
    assert plan_shard(5, 2, 1).files(list("abcde")) == ["b", "d"]
    assert plan_shard(1, 2, 1).files(["a"]) == ["a"] and not plan_shard(1, 2, 1).by_file
    assert [shard_share(10, 4, i) for i in range(4)] == [3, 3, 2, 2]
    assert shard_share(None, 4, 0) is None
