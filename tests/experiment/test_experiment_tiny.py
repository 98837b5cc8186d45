"""`ouro experiment --setting tiny`: the whole loop on the shipped M0, mechanics only (no claim).

Real parts throughout: the scenes source, the grouping proposer, M0 behind the embedded
backend, the TRL recipe with LoRA, the held-out scoring. Sized to one scene each way.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ouro_toolkit.cli.main import cli


def test_tiny_experiment_runs_and_resumes(tmp_path):
    out, docs = tmp_path / "run", tmp_path / "docs"
    args = ["experiment", "--out", str(out), "--setting", "tiny", "--docs", str(docs)]
    args.append("--no-progress")
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("| model |")  # the report is the table alone
    results = json.loads((out / "results-tiny.json").read_text())
    assert set(results["table"]) == {"M0", "M1 k5-enhanced-random"}
    # One test scene: its description and its four exact questions, so QA accuracy is k/4.
    assert results["m0"]["samples_evaluated"] == 1 + 4 and results["m0"]["failed"] == 0
    for row in results["table"].values():
        assert row["qa_accuracy"]["mean"] * 4 in {0.0, 1.0, 2.0, 3.0, 4.0}
    assert results["build_vs_truth"]["rows"] == 1
    adapter = out / "adapters" / "k5-enhanced-random-s0" / "adapter_model.safetensors"
    assert adapter.is_file()
    assert (docs / "experiment-tiny.md").read_text().startswith("| model |")
    assert (docs / "experiment-tiny.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    # A rerun trains nothing and scores nothing again: same adapter file, same numbers.
    stamp = adapter.stat().st_mtime_ns
    second = CliRunner().invoke(cli, args)
    assert second.exit_code == 0, second.output
    assert adapter.stat().st_mtime_ns == stamp
    assert json.loads((out / "results-tiny.json").read_text())["table"] == results["table"]


def test_a_folder_keeps_its_settings(tmp_path):
    from ouro_toolkit.experiment.config import ExperimentConfig

    ExperimentConfig(out=str(tmp_path), train_scenes=3).record()
    try:
        ExperimentConfig(out=str(tmp_path), train_scenes=4).record()
    except ValueError as err:
        assert "train_scenes" in str(err)
    else:
        raise AssertionError("a second setting in one folder must be refused")


def test_an_older_record_with_flat_tree_settings_is_read_as_its_recipe(tmp_path):
    from ouro_toolkit.experiment.config import EXPERIMENT_TREE, ExperimentConfig

    old = ExperimentConfig(out=str(tmp_path)).to_dict()
    old.pop("tree")
    old.update(proposers=["objects", "ocr"], max_depth=2, max_children=5)
    (tmp_path / "experiment_config.json").write_text(json.dumps(old))
    narrower = EXPERIMENT_TREE.replace(max_children=3)
    with pytest.raises(ValueError, match="differs in: tree"):
        ExperimentConfig(out=str(tmp_path), tree=narrower).record()
    ExperimentConfig(out=str(tmp_path)).record()  # the same settings: accepted


def test_annotator_names_its_outputs_and_bad_ones_are_refused(tmp_path):
    import pytest

    from ouro_toolkit.experiment.config import ExperimentConfig

    assert ExperimentConfig(out=str(tmp_path)).label == "headline"
    oracle = ExperimentConfig(out=str(tmp_path), setting="ablations", annotator="oracle")
    assert oracle.label == "ablations-oracle" and len(oracle.arms) == 7
    with pytest.raises(ValueError, match="annotator"):
        ExperimentConfig(out=str(tmp_path), annotator="gpt")
