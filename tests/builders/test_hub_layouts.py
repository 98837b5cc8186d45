"""Each source against the layout recorded from its Hub card (tests/builders/layouts/): the fixture
holds that layout, the builder's globs find the repo's real file names, a file without a required
column is refused in one line, one without the optional columns still streams."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from datasets import Dataset

from ouro_toolkit.builders.base import SourceError
from ouro_toolkit.builders.gqa import IMAGE_COLUMNS
from ouro_toolkit.builders.registry import SOURCES, iter_source
from ouro_toolkit.data import glob_match
from tests.helpers.source_layouts import (
    CASES,
    LAYOUTS,
    card_features,
    card_file,
    img,
    layout,
    qa,
)


def required(name: str, path: str) -> tuple[str, ...]:
    """The columns the builder needs in the fixture file at `path`."""
    if name == "gqa" and "_images/" in path:
        return IMAGE_COLUMNS
    return SOURCES[name].SPEC.columns


def test_every_case_has_a_record_and_every_record_a_case() -> None:
    assert sorted(p.stem for p in LAYOUTS.glob("*.json")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_record_says_where_and_when_it_was_read(name: str) -> None:
    record, spec = layout(name), SOURCES[name].SPEC
    assert record["repo_id"] == spec.repo_id and record["read_on"] == "2026-12-04"
    assert record["read_from"] and all(u.startswith("https://") for u in record["read_from"])
    assert record["checked"], "what was confirmed"
    if spec.hub_config and name != "gqa":  # GQA names its config per split and subset
        assert list(record["configs"]) == [spec.hub_config]


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_files_have_the_cards_columns_and_the_repos_names(
    name: str, tmp_path: Path
) -> None:
    case = CASES[name]
    case.write(tmp_path)
    for relative, (features, _) in case.files.items():
        schema = pq.read_schema(tmp_path / relative)
        config = next(
            c for c, r in layout(name)["configs"].items() if relative.startswith(c + "/")
        ) if name == "gqa" else None  # fmt: skip
        assert schema.names == list(card_features(name, config)), relative
        assert relative == card_file(name, case.split, config)
        assert list(features) == schema.names


@pytest.mark.parametrize("name", sorted(CASES))
def test_builder_globs_match_the_cards_and_the_files_seen(name: str) -> None:
    """Every split the repo has is a split of the builder, under the builder's own glob."""
    builder = SOURCES[name]
    spec = builder.SPEC
    for config, record in layout(name)["configs"].items():
        for split, glob in record["data_files"].items():
            assert split in spec.splits, (config, split)
            if name == "gqa":
                subset = config.split("_")[1]
                pattern = (
                    spec.data_files
                    if "instructions" in config
                    else "{split}_{subset}_images/{split}-*.parquet"
                )
                pattern = pattern.replace("{subset}", subset)
            else:
                pattern = spec.data_files
            assert glob_match(glob + ".parquet", pattern.format(split=split)), (glob, pattern)
            for seen in record["files_seen"]:
                if glob_match(seen, glob + ".parquet"):
                    assert glob_match(seen, pattern.format(split=split)), seen  # fmt: skip


REQUIRED = [
    (name, column, relative)
    for name, case in sorted(CASES.items())
    for relative in case.files
    for column in required(name, relative)
]


@pytest.mark.parametrize(("name", "column", "relative"), REQUIRED)
def test_a_file_without_a_required_column_fails_at_once_in_one_line(
    name: str, column: str, relative: str, tmp_path: Path
) -> None:
    case = CASES[name]
    case.write(tmp_path)
    features, columns = case.files[relative]
    kept = {k: v for k, v in columns.items() if k != column}
    Dataset.from_dict(kept, features=type(features)({k: features[k] for k in kept})).to_parquet(
        str(tmp_path / relative)
    )
    stream = iter_source(name, data_dir=str(tmp_path), split=case.split)
    with pytest.raises(SourceError) as info:
        next(stream)  # before the first row
    message = str(info.value)
    assert "\n" not in message
    assert str(tmp_path / relative) in message and f"lacks column {column!r}" in message
    assert "--repo-id" in message and "--data-dir" in message


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_file_with_only_the_required_columns_streams_every_row(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    for relative, (features, columns) in case.files.items():
        keep = required(name, relative)
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        Dataset.from_dict(
            {k: columns[k] for k in keep}, features=type(features)({k: features[k] for k in keep})
        ).to_parquet(str(path))
    rows = list(iter_source(name, data_dir=str(tmp_path), split=case.split))
    assert [r["id"] for r in rows] == [e["id"] for e in case.expected]
    assert [r["error"] for r in rows] == [e["error"] for e in case.expected]


def test_textcaps_without_reference_strs_keeps_caption_str(tmp_path: Path) -> None:
    rows = list(iter_source("textcaps", data_dir=str(CASES["textcaps"].write(tmp_path, drop=("reference_strs",))), split="val"))  # fmt: skip
    assert rows[0]["captions"] == ["A rocket labelled SATURN V.", "The rocket says USA."]
    assert [r["error"] for r in rows] == ["", ""]


def test_vqav2_without_multiple_choice_answer_has_no_fallback(tmp_path: Path) -> None:
    root = CASES["vqav2"].write(tmp_path, drop=("multiple_choice_answer",))
    rows = list(iter_source("vqav2", data_dir=str(root), split="validation"))
    assert rows[0]["qa"][0]["answers"] == ["yes", "yes", "no"]
    assert rows[1]["qa"] == [qa("What drink is this?", [])] and rows[1]["error"] == ""


def test_scienceqa_without_hint_asks_the_bare_question(tmp_path: Path) -> None:
    root = CASES["scienceqa"].write(tmp_path, drop=("hint",))
    (first, _) = iter_source("scienceqa", data_dir=str(root))
    assert first["qa"][0]["question"] == "Which force moves the rocket up?"


def test_gqa_test_split_in_its_card_layout_has_questions_without_answers(tmp_path: Path) -> None:
    """test_balanced_instructions has id, imageId, question, isBalanced: no answer column."""
    questions = {
        "id": ["t1", "t2"],
        "imageId": ["n1", "n1"],
        "question": ["Is it red?", "Is it big?"],
        "isBalanced": [True, True],
    }
    images = {"id": ["n1"], "image": [img("rocket")]}
    for config, columns in (
        ("test_balanced_instructions", questions),
        ("test_balanced_images", images),
    ):
        path = tmp_path / card_file("gqa", "test", config)
        path.parent.mkdir(parents=True, exist_ok=True)
        Dataset.from_dict(columns, features=card_features("gqa", config)).to_parquet(str(path))
    (row,) = iter_source("gqa", data_dir=str(tmp_path), split="test")
    assert row["id"] == "gqa/n1" and row["error"] == ""
    assert row["qa"] == [qa("Is it red?", []), qa("Is it big?", [])]


@pytest.mark.parametrize("name", ["scienceqa", "docvqa", "infovqa"])
def test_train_split_the_card_leaves_out_is_read_from_its_files(name: str, tmp_path: Path) -> None:
    spec = SOURCES[name].SPEC
    assert "train" in spec.splits and spec.not_in_card == ("train",)
    case = CASES[name]
    ((features, columns),) = case.files.values()
    train_file = card_file(name, "train")  # e.g. DocVQA/train-00000-of-00012.parquet, as seen
    (tmp_path / train_file).parent.mkdir(parents=True)
    Dataset.from_dict(columns, features=features).to_parquet(str(tmp_path / train_file))
    rows = list(iter_source(name, data_dir=str(tmp_path), split="train"))
    assert [r["qa"] for r in rows] == [e["qa"] for e in case.expected]


def test_a_known_split_without_files_names_the_glob_and_the_fix(tmp_path: Path) -> None:
    CASES["docvqa"].write(tmp_path)  # validation only
    with pytest.raises(SourceError) as info:
        next(iter_source("docvqa", data_dir=str(tmp_path), split="train"))
    message = str(info.value)
    assert "no Parquet files for split 'train'" in message and "DocVQA/train-*.parquet" in message
    assert "splits with files: validation" in message
    assert "--repo-id" in message and "--data-dir" in message and "\n" not in message


def test_gqa_submission_exists_only_in_the_all_subset(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"split 'submission' exists only in subset 'all'"):
        next(iter_source("gqa", data_dir=str(tmp_path), split="submission", subset="balanced"))
    with pytest.raises(SourceError, match=r"no subset 'full'; its subsets: balanced, all"):
        next(iter_source("gqa", data_dir=str(tmp_path), split="testdev", subset="full"))
    questions = {"id": ["s1"], "imageId": ["n9"], "question": ["Is it?"], "isBalanced": [False]}
    for kind, columns in (
        ("instructions", questions),
        ("images", {"id": ["n9"], "image": [img("text")]}),
    ):
        path = tmp_path / f"submission_all_{kind}" / "submission-00000-of-00001.parquet"
        path.parent.mkdir(parents=True)
        config = f"test_balanced_{kind}"  # submission_all_*'s own features were not read
        Dataset.from_dict(columns, features=card_features("gqa", config)).to_parquet(str(path))
    (row,) = iter_source("gqa", data_dir=str(tmp_path), split="submission", subset="all")
    assert row["id"] == "gqa/n9" and row["qa"] == [qa("Is it?", [])]
    # Unset, the subset is "all" for submission (the command line has no subset option) ...
    assert list(iter_source("gqa", data_dir=str(tmp_path), split="submission")) == [row]
    # ... and "balanced" for the other splits.
    with pytest.raises(SourceError) as info:
        next(iter_source("gqa", data_dir=str(tmp_path), split="testdev"))
    assert "expected testdev_balanced_instructions/testdev-*.parquet and " in str(info.value)
    assert "splits with files: submission" in str(info.value)
