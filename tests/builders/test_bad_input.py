"""Bad input is normalised or marked in `error`, never dropped; unusable sources fail with advice."""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import Dataset

from ouro_toolkit.builders.base import SourceError, as_texts
from ouro_toolkit.builders.registry import iter_source
from tests.helpers.source_layouts import CASES, TEXTVQA_FEATURES, image_bytes, img, textvqa_columns

VALIDATION = "data/validation-00000-of-00001.parquet"


def write_textvqa(root: Path, columns: dict) -> Path:
    path = root / VALIDATION
    path.parent.mkdir(parents=True, exist_ok=True)
    Dataset.from_dict(columns, features=TEXTVQA_FEATURES).to_parquet(str(path))
    return root


def test_bad_rows_are_kept_marked_and_counted_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    truncated = image_bytes("astronaut")[:200]
    columns = textvqa_columns(
        ["img-missing", "img-corrupt", "img-truncated", "img-empty-q", "img-ok"],
        ["What is this?", "What is this?", "What is this?", "   ", "What does it say?"],
        [
            None,
            {"bytes": b"not an image", "path": None},
            {"bytes": truncated, "path": None},
            img("text"),
            img("page"),
        ],
        [["a"], ["b"], ["c"], ["d"], ["stop"]],
    )
    write_textvqa(tmp_path, columns)
    with caplog.at_level(logging.INFO, logger="builders"):
        rows = list(iter_source("textvqa", data_dir=str(tmp_path), split="validation"))

    assert [r["id"] for r in rows] == [f"textvqa/{i}" for i in columns["image_id"]]  # none dropped
    missing, corrupt, truncated_row, empty_q, ok = rows
    assert missing["image"] is None and missing["error"] == "missing image: no image in this row"
    assert corrupt["error"].startswith("unreadable image: <12 bytes>: not an image file")
    assert corrupt["image"]["bytes"] == b"not an image"  # kept as it was, for inspection
    assert truncated_row["error"].startswith("unreadable image:")
    assert empty_q["qa"] == [{"question": "", "answers": ["d"], "choices": []}]
    assert empty_q["error"] == "empty question: 34605 has question '   '"
    assert ok["error"] == "" and ok["qa"][0]["answers"] == ["stop"]

    summaries = [r for r in caplog.records if r.name == "ouro_toolkit.builders.registry"]
    assert len(summaries) == 1
    assert summaries[0].getMessage() == (
        "source textvqa/validation: 5 rows streamed, 4 with errors: "
        "unreadable image: 2, missing image: 1, empty question: 1"
    )


def test_answers_of_unexpected_types_are_normalised_or_marked(tmp_path: Path) -> None:
    """A Parquet whose `answers` column has another type than the card's (ints, a struct)."""
    n = 2
    base = {
        "image_id": ["a", "b"],
        "question_id": pa.array([1, 2], pa.int32()),
        "question": ["How many?", "What?"],
        "image": [img("text"), img("page")],
    }
    ints = pa.table({**base, "answers": pa.array([[3, 4], [5]], pa.list_(pa.int64()))})
    structs = pa.table({**base, "answers": pa.array([{"text": "x"}, {"text": "y"}])})
    for name, table in (("ints", ints), ("structs", structs)):
        (tmp_path / name / "data").mkdir(parents=True)
        pq.write_table(table, tmp_path / name / VALIDATION)
    assert len(ints) == len(structs) == n

    as_ints = list(iter_source("textvqa", data_dir=str(tmp_path / "ints"), split="validation"))
    assert [r["qa"][0]["answers"] for r in as_ints] == [["3", "4"], ["5"]]
    assert [r["error"] for r in as_ints] == ["", ""]

    as_structs = list(
        iter_source("textvqa", data_dir=str(tmp_path / "structs"), split="validation")
    )
    assert [r["qa"][0]["answers"] for r in as_structs] == [[], []]
    assert as_structs[0]["error"] == "bad answers: expected strings, got dict in {'text': 'x'}"


def test_as_texts_rules() -> None:
    assert as_texts(None) == ([], None)
    assert as_texts(" yes ") == (["yes"], None)
    assert as_texts([1, 2.5, True, "", None, "b"]) == (["1", "2.5", "True", "b"], None)
    texts, problem = as_texts(["a", ["nested"]])
    assert texts == ["a"] and problem == "expected strings, got list in ['a', ['nested']]"


def test_out_of_range_choice_index_is_marked(tmp_path: Path) -> None:
    case = CASES["ai2d"]
    ((features, columns),) = case.files.values()
    columns = {**columns, "answer": ["7", "one"]}
    path = tmp_path / "data" / "test-00000-of-00001.parquet"
    path.parent.mkdir(parents=True)
    Dataset.from_dict(columns, features=features).to_parquet(str(path))
    rows = list(iter_source("ai2d", data_dir=str(tmp_path)))
    assert [r["qa"][0]["answers"] for r in rows] == [[], []]
    assert rows[0]["error"] == "bad answers: answer index 7 outside the 4 choices"
    assert rows[1]["error"] == "bad answers: answer index 'one' is not an integer"
    assert rows[0]["qa"][0]["choices"] == ["larva", "adult", "pupa", "egg"]


def test_ocrvqa_question_answer_count_mismatch_is_marked(tmp_path: Path) -> None:
    case = CASES["ocrvqa"]
    ((features, columns),) = case.files.values()
    columns = {**columns, "answers": [["Jane Doe"]]}  # two questions, one answer
    path = tmp_path / "data" / "train-00000-of-00001.parquet"
    path.parent.mkdir(parents=True)
    Dataset.from_dict(columns, features=features).to_parquet(str(path))
    (row,) = iter_source("ocrvqa", data_dir=str(tmp_path))
    assert [q["answers"] for q in row["qa"]] == [["Jane Doe"], []]
    assert row["error"] == "bad answers: 2 questions but 1 answers"


def test_grouping_limit_and_repeated_image_keys(tmp_path: Path) -> None:
    columns = textvqa_columns(
        ["x", "x", "y", "x"], ["q1?", "q2?", "q3?", "q4?"], [img("text"), img("text"), img("page"), img("text")],
        [["1"], ["2"], ["3"], ["4"]],
    )  # fmt: skip
    write_textvqa(tmp_path, columns)
    grouped = list(iter_source("textvqa", data_dir=str(tmp_path), split="validation"))
    assert [r["id"] for r in grouped] == ["textvqa/x", "textvqa/y", "textvqa/x~2"]
    assert [len(r["qa"]) for r in grouped] == [2, 1, 1]

    ungrouped = list(
        iter_source("textvqa", data_dir=str(tmp_path), split="validation", group_by_image=False)
    )
    assert [r["id"] for r in ungrouped] == [f"textvqa/{i}" for i in range(34602, 34606)]

    limited = list(iter_source("textvqa", data_dir=str(tmp_path), split="validation", limit=2))
    assert [r["id"] for r in limited] == ["textvqa/x", "textvqa/y"]


def test_missing_columns_name_the_layout(tmp_path: Path) -> None:
    path = tmp_path / VALIDATION
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({"question": ["q"], "image": [img("text")]}), path)
    with pytest.raises(
        SourceError, match=r"lacks columns 'image_id', 'question_id', 'answers' \(it has question"
    ):
        list(iter_source("textvqa", data_dir=str(tmp_path), split="validation"))


def test_no_parquet_files_lists_the_expected_names(tmp_path: Path) -> None:
    with pytest.raises(
        SourceError, match=r"no Parquet files .* Expected files like DocVQA/validation-\*\.parquet"
    ):
        list(iter_source("docvqa", data_dir=str(tmp_path)))
    with pytest.raises(SourceError, match="does not exist"):
        list(iter_source("docvqa", data_dir=str(tmp_path / "nope")))


def test_unknown_split_lists_available_ones(tmp_path: Path) -> None:
    case = CASES["chartqa"]
    with pytest.raises(SourceError, match=r"no split 'train'; its splits: test \(pass one"):
        list(iter_source("chartqa", data_dir=str(case.write(tmp_path)), split="train"))


def test_hub_unreachable_offline_says_to_use_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(SourceError) as info:
        next(iter_source("textvqa", repo_id="lmms-lab-encoder/textvqa"))
    message = str(info.value)
    assert "cannot list Hub dataset 'lmms-lab-encoder/textvqa'" in message
    assert "data_dir=" in message


def test_unknown_source_lists_known_ones() -> None:
    with pytest.raises(
        ValueError, match=r"unknown source 'coco'; known sources: ai2d, chartqa, coco_caption"
    ):
        next(iter_source("coco"))


def test_a_row_the_normaliser_cannot_read_is_kept_with_its_image(tmp_path: Path) -> None:
    """ScienceQA's hint as a list (not the card's string): the row survives, marked."""
    table = pa.table(
        {
            "image": [img("rocket")],
            "question": ["Which force?"],
            "choices": [["gravity", "thrust"]],
            "answer": pa.array([1], pa.int8()),
            "hint": [["a", "list"]],
        }
    )
    (tmp_path / "ScienceQA-IMG").mkdir()
    pq.write_table(table, tmp_path / "ScienceQA-IMG" / "test-00000-of-00001.parquet")
    (row,) = iter_source("scienceqa", data_dir=str(tmp_path))
    assert row["id"] == "scienceqa/test/test-00000-of-00001#0"
    assert row["error"] == "unreadable row: AttributeError: 'list' object has no attribute 'strip'"
    assert row["image"]["bytes"] == image_bytes("rocket") and row["qa"] == []
