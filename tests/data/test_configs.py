"""Config + split -> files: the dataset card's `configs:` first, else the conventional layouts."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasets import Dataset

from ouro_toolkit.data import DatasetRef, SourceError, find_files, glob_match, hub_files
from ouro_toolkit.data.configs import card_configs, split_candidates

CARD = """---
license: mit
configs:
- config_name: DocVQA
  data_files:
  - split: validation
    path: DocVQA/validation-*
  - split: test
    path:
    - DocVQA/test-a-*
    - DocVQA/test-b-*
- config_name: Plain
  data_dir: plain
  data_files: "*.parquet"
---
# Card body, not YAML: configs: [ignored]
"""


def test_card_configs_reads_every_data_files_form():
    configs = card_configs(CARD)
    assert configs["DocVQA"] == {
        "validation": ("DocVQA/validation-*",),
        "test": ("DocVQA/test-a-*", "DocVQA/test-b-*"),
    }
    assert configs["Plain"] == {"train": ("plain/*.parquet",)}  # one glob: the train split
    assert None not in configs  # two configs, none marked default: a config must be named
    assert card_configs("# no YAML header\n") == {}
    assert card_configs("---\nconfigs: [\n---\n") == {}  # a broken header: conventions still apply
    only = card_configs("---\nconfigs:\n- config_name: x\n  data_files: a/*.parquet\n---\n")
    assert only[None] == only["x"]  # the only config is the default


def test_declared_globs_come_before_the_conventional_layouts():
    ref = DatasetRef("org/repo", config="DocVQA", split="validation")
    candidates = split_candidates(ref, card_configs(CARD))
    assert candidates[0] == ("DocVQA/validation-*",)
    assert ("DocVQA/validation-*.parquet",) in candidates and (
        "data/validation-*.parquet",
    ) in candidates
    listing = ["DocVQA/validation-00000-of-00002.parquet", "DocVQA/validation-00001-of-00002.parquet",
               "data/validation-00000-of-00001.parquet", "README.md"]  # fmt: skip
    assert hub_files(ref, listing, candidates) == [
        "hf://datasets/org/repo@main/DocVQA/validation-00000-of-00002.parquet",
        "hf://datasets/org/repo@main/DocVQA/validation-00001-of-00002.parquet",
    ]
    both = split_candidates(DatasetRef("o/r", config="DocVQA", split="test"), card_configs(CARD))
    assert both[0] == ("DocVQA/test-a-*", "DocVQA/test-b-*")  # several paths: taken together


def test_an_undeclared_config_is_refused_naming_the_declared_ones(tmp_path: Path):
    (tmp_path / "README.md").write_text(CARD)
    ref = DatasetRef(local=tmp_path, config="InfoVQA", split="validation")
    with pytest.raises(SourceError, match=r"no config 'InfoVQA'; its card declares: DocVQA, Plain"):
        find_files(ref)
    # ...unless the conventional layout has that config's files: those are read, as before
    _parquet(tmp_path / "InfoVQA" / "validation-00000-of-00001.parquet", ["x"])
    assert [Path(f).parent.name for f in find_files(ref)] == ["InfoVQA"]


def test_data_files_replace_config_and_split():
    ref = DatasetRef(
        "mPLUG/DocDownstream-1.0", split="train", data_files="test/DeepForm_test.jsonl"
    )
    assert split_candidates(ref, {}) == [("test/DeepForm_test.jsonl",)]


def test_glob_rule_keeps_star_inside_one_folder_and_lets_double_star_cross():
    assert glob_match("data/val-0.parquet", "data/val-*")
    assert not glob_match("data/val-x/0.parquet", "data/val-*")
    assert glob_match("data/a/b/0.parquet", "data/**/*.parquet")
    assert glob_match("data/0.parquet", "data/**/*.parquet")


def _parquet(path: Path, ids: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Dataset.from_dict({"id": ids}).to_parquet(str(path))


def test_find_files_reads_a_local_card_then_falls_back_to_conventions(tmp_path: Path):
    _parquet(tmp_path / "odd" / "place-0.parquet", ["a"])
    _parquet(tmp_path / "odd" / "place-1.parquet", ["b"])
    _parquet(tmp_path / "data" / "validation-00000-of-00001.parquet", ["c"])
    (tmp_path / "README.md").write_text(
        "---\nconfigs:\n- config_name: main\n  default: true\n  data_files:\n"
        "  - split: test\n    path: odd/place-*\n---\n"
    )
    found = find_files(DatasetRef(local=tmp_path, split="test"))
    assert [Path(f).relative_to(tmp_path).as_posix() for f in found] == [
        "odd/place-0.parquet",
        "odd/place-1.parquet",
    ]
    # the card's default config does not declare `validation`: the conventional layout answers
    found = find_files(DatasetRef(local=tmp_path, split="validation"))
    assert [Path(f).name for f in found] == ["validation-00000-of-00001.parquet"]
    assert find_files(DatasetRef(local=tmp_path, split="train")) == []
