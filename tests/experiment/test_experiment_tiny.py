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
    assert set(results["table"]) == {"M0", "M1 k5-enhanced-random", "M1 self-distillation"}
    # One test scene: its description and its four exact questions, so QA accuracy is k/4.
    assert results["m0"]["samples_evaluated"] == 1 + 4 and results["m0"]["failed"] == 0
    for row in results["table"].values():
        assert row["qa_accuracy"]["mean"] * 4 in {0.0, 1.0, 2.0, 3.0, 4.0}
    assert results["build_vs_truth"]["rows"] == 1
    adapter = out / "adapters" / "k5-enhanced-random-s0" / "adapter_model.safetensors"
    assert adapter.is_file()
    assert (docs / "experiment-tiny.md").read_text().startswith("| model |")
    assert (docs / "experiment-tiny.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    _check_paired_figures(out, results)
    _check_control(out, results)
    # A rerun trains nothing and scores nothing again: same adapter file, same numbers.
    stamp = adapter.stat().st_mtime_ns
    second = CliRunner().invoke(cli, args)
    assert second.exit_code == 0, second.output
    assert adapter.stat().st_mtime_ns == stamp
    assert json.loads((out / "results-tiny.json").read_text())["table"] == results["table"]
    # The per-sample layout in the same folder: the build is reused, M1 gets its own names.
    marker = out / "build" / "markers" / "train-00000-of-00001.done"
    built = marker.stat().st_mtime_ns
    third = CliRunner().invoke(cli, [*args, "--layout", "per_sample"])
    assert third.exit_code == 0, third.output
    assert marker.stat().st_mtime_ns == built
    record = out / "adapters" / "k5-enhanced-random-per-sample-s0" / "ouro_training.json"
    assert json.loads(record.read_text())["layout"] == "per_sample"
    per_sample = json.loads((out / "results-tiny-per-sample.json").read_text())
    assert per_sample["config"]["layout"] == "per_sample"
    assert (out / "eval" / "k5-enhanced-random-per-sample-s0.json").is_file()
    assert per_sample["m0"] == results["m0"]  # M0 scored once, shared by both layouts
    _check_paired_figures(out, per_sample)


def _check_control(out, results):
    """The control trained as many steps as M1 on M0's own answers about the train scene, with
    no regions, and the table sets every M1 against it."""
    import pyarrow.parquet as pq

    m1 = json.loads((out / "adapters" / "k5-enhanced-random-s0" / "ouro_training.json").read_text())
    record = out / "adapters" / "self-distillation-s0" / "ouro_training.json"
    control = json.loads(record.read_text())
    assert control["global_step"] == m1["global_step"] and control["seed"] == 0
    [row] = pq.read_table(out / "control" / "data" / "train-00000-of-00001.parquet").to_pylist()
    answers = json.loads((out / "control" / "m0_answers.json").read_text())["samples"]
    said = {a["id"].split("#")[1]: (a["prediction"] or "").strip() for a in answers}
    assert row["id"] == "scenes/scene-0000000"
    assert row["description"] == said["describe"]
    assert [q["answer"] for q in row["qa"]] == [said[f"qa{i}"] for i in range(len(row["qa"]))]
    assert [r["parent_id"] for r in row["regions"]] == [-1]  # the root only: no region text
    versus = results["versus_control"]["k5-enhanced-random"]
    assert versus["qa_accuracy"]["n"] == 1
    table = (out / "results-tiny.md").read_text()
    assert "| M1 self-distillation |" in table and "| k5-enhanced-random pooled |" in table


def _check_paired_figures(out, results):
    """One test scene: every M1 - M0 difference has its (zero-width) paired CI, and QA per kind
    covers the kinds that scene asks."""
    from ouro_toolkit.experiment.evaluate import SCENE_RATIOS, benchmark_samples
    from ouro_toolkit.experiment.report import ALL_METRICS

    asked = {s.meta["kind"] for s in benchmark_samples(1)} - {"describe"}
    m0 = json.loads((out / "eval" / "M0.json").read_text())
    [scene] = m0["per_scene"]
    assert scene["scene"] == "scenes/scene-2000000" and set(scene["qa"]) == asked
    assert sum(n for _, n in scene["qa"].values()) == 4
    [m1_scene] = json.loads(
        (out / "eval" / f"k5-enhanced-random{_tag(results)}-s0.json").read_text()
    )["per_scene"]
    m1 = results["table"]["M1 k5-enhanced-random"]
    base = results["table"]["M0"]
    assert set(m1) == set(base) == {key for key, _ in ALL_METRICS}
    for key, _ in ALL_METRICS:
        pooled = m1[key]["paired"]["pooled"]
        [seed] = m1[key]["paired"]["seeds"]
        assert seed["seed"] == 0 and seed["resamples"] == pooled["resamples"] >= 2000
        # A scene counts when either model has a denominator there (a QA kind it asks; a
        # precision needs a mention).
        counted = SCENE_RATIOS[key](scene)[1] > 0 or SCENE_RATIOS[key](m1_scene)[1] > 0
        assert pooled["n"] == int(counted), key
        if key.startswith("qa_") and key != "qa_accuracy":
            assert counted == (key.removeprefix("qa_") in asked), key
        # One scene: every resample is that scene, so the interval is the difference itself.
        assert pooled["low"] == pooled["diff"] == pooled["high"] == seed["diff"]
        assert pooled["diff"] == pytest.approx(m1[key]["mean"] - base[key]["mean"], abs=1e-4)
    for kind in asked:
        assert base[f"qa_{kind}"]["mean"] in (0.0, 0.5, 1.0)
    table = (out / f"results-{results['config']['setting']}{_tag(results)}.md").read_text()
    assert "QA accuracy by question kind:" in table and "| k5-enhanced-random pooled | " in table
    assert "paired bootstrap 95% CI over the 1 test scenes" in table


def _tag(results) -> str:
    return "" if results["config"]["layout"] == "joint" else "-per-sample"


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
