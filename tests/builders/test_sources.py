"""Every source: a fixture Parquet in its exact Hub layout, streamed through its builder."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasets import Dataset

from ouro_toolkit.builders.registry import SOURCES, get_builder, iter_source
from tests.helpers.source_layouts import CASES, image_bytes


def test_every_benchmark_source_has_a_fixture_case() -> None:
    assert set(CASES) == set(SOURCES) - {"local", "scenes"}  # those two read no benchmark layout


@pytest.mark.parametrize("name", sorted(CASES))
def test_source_normalises_its_layout_field_by_field(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    rows = list(iter_source(name, data_dir=str(case.write(tmp_path)), split=case.split))

    assert [row["id"] for row in rows] == [e["id"] for e in case.expected]
    for row, expected in zip(rows, case.expected, strict=True):
        assert row["source"] == name
        assert row["task"] == SOURCES[name].SPEC.task
        assert row["captions"] == expected["captions"], row["id"]
        assert row["qa"] == expected["qa"], row["id"]
        assert row["error"] == expected["error"], row["id"]
        if expected["image"] is None:
            assert row["image"] is None
        else:  # bytes embedded, identical to the fixture's
            assert row["image"]["bytes"] == image_bytes(expected["image"]), row["id"]


def test_builder_streams_with_datasets_as_streaming_dataset(tmp_path: Path) -> None:
    """The builder is a real datasets builder: as_streaming_dataset decodes images to PIL."""
    case = CASES["chartqa"]
    builder = get_builder("chartqa", data_dir=str(case.write(tmp_path)))
    stream = builder.as_streaming_dataset(split="test")
    first = next(iter(stream))
    assert first["image"].size == (40, 30)
    assert first["qa"][0]["answers"] == ["62.5"]
    assert builder.info.license == SOURCES["chartqa"].SPEC.license


def test_hub_layout_is_found_under_data_dir_without_its_folders(tmp_path: Path) -> None:
    """A data_dir holding just `<split>-*.parquet` files (no data/ folder) works too."""
    case = CASES["okvqa"]
    case.write(tmp_path)
    flat = tmp_path / "flat"
    flat.mkdir()
    (relative,) = case.files  # data/val2014-00000-of-00002.parquet, as the Hub repo names it
    (tmp_path / relative).rename(flat / Path(relative).name)
    rows = list(iter_source("okvqa", data_dir=str(flat)))  # default split: val2014
    assert [row["id"] for row in rows] == ["okvqa/2971475", "okvqa/3005145"]


def test_builder_also_prepares_an_arrow_dataset(tmp_path: Path) -> None:
    """download_and_prepare() + as_dataset() give the same rows as streaming."""
    case = CASES["docvqa"]
    builder = get_builder(
        "docvqa", data_dir=str(case.write(tmp_path / "src")), cache_dir=str(tmp_path / "cache")
    )
    builder.download_and_prepare()
    prepared = builder.as_dataset(split="validation")
    assert prepared["id"] == [e["id"] for e in case.expected]
    assert prepared[0]["qa"] == case.expected[0]["qa"]


def test_streaming_shards_by_parquet_file(tmp_path: Path) -> None:
    """Each Parquet file is a shard, so workers can split a source with IterableDataset.shard."""
    case = CASES["vizwiz"]
    ((features, columns),) = case.files.values()
    (tmp_path / "data").mkdir()
    for part in (0, 1):
        rows = {key: values[part : part + 1] for key, values in columns.items()}
        Dataset.from_dict(rows, features=features).to_parquet(
            str(tmp_path / f"data/val-0000{part}-of-00002.parquet")
        )
    stream = (
        get_builder("vizwiz", data_dir=str(tmp_path))
        .as_streaming_dataset(split="val")
        .decode(False)
    )
    assert stream.n_shards == 2
    assert [[row["id"] for row in stream.shard(2, i)] for i in (0, 1)] == [
        [e["id"]] for e in case.expected
    ]


@pytest.mark.parametrize("name", sorted(CASES))
def test_stream_rows_equals_datasets_streaming(name: str, tmp_path: Path) -> None:
    """`iter_source` reads `stream_rows`; it must give what datasets' own streaming gives."""
    case = CASES[name]
    builder = get_builder(name, data_dir=str(case.write(tmp_path)))
    ours = list(builder.stream_rows(case.split))
    theirs = list(builder.as_streaming_dataset(split=case.split).decode(False))
    assert ours == theirs
    assert len(ours) == len(case.expected)
