"""Which held-out scenes the experiment scores: how many, from which seed, and what each scene's
counts are (what the paired bootstrap resamples)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ouro_toolkit.builders.scenes import SPLIT_SEEDS
from ouro_toolkit.cli.main import cli
from ouro_toolkit.evaluation.generated import scene_rows
from ouro_toolkit.evaluation.tasks import get_benchmark
from ouro_toolkit.experiment.config import ExperimentConfig
from ouro_toolkit.experiment.evaluate import benchmark_samples, per_scene
from ouro_toolkit.scenes.generate import scene_from_id
from ouro_toolkit.scenes.matching import scored_objects


def test_defaults_have_power_and_keep_the_old_first_seed(tmp_path):
    cfg = ExperimentConfig(out=str(tmp_path))
    assert cfg.test_scenes >= 150
    assert cfg.test_seed_start == SPLIT_SEEDS["test"].start == 2_000_000


def test_a_start_outside_the_test_split_is_refused(tmp_path):
    with pytest.raises(ValueError, match="test split holds 2000000-2000999.*2000850"):
        ExperimentConfig(out=str(tmp_path), test_seed_start=2_000_900)
    with pytest.raises(ValueError, match="test split holds"):
        ExperimentConfig(out=str(tmp_path), test_seed_start=1_999_999, test_scenes=1)
    ok = ExperimentConfig(out=str(tmp_path), test_seed_start=2_000_999, test_scenes=1)
    assert ok.test_seed_start == 2_000_999


def test_cli_refuses_a_bad_start_in_one_line(tmp_path):
    args = ["experiment", "--out", str(tmp_path / "r"), "--test-seed-start", "5"]
    result = CliRunner().invoke(cli, [*args, "--no-progress"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "--test-seed-start 5" in result.output and "2000000-2000999" in result.output


def test_a_folder_keeps_its_test_scenes(tmp_path):
    ExperimentConfig(out=str(tmp_path), test_seed_start=2_000_100).record()
    with pytest.raises(ValueError, match="test_seed_start 2000100 there, 2000000 now"):
        ExperimentConfig(out=str(tmp_path)).record()
    # A folder recorded before the option existed scored from the split's first seed.
    old = tmp_path / "old"
    ExperimentConfig(out=str(old), test_scenes=40).record()
    record = json.loads((old / "experiment_config.json").read_text())
    del record["test_seed_start"]
    (old / "experiment_config.json").write_text(json.dumps(record))
    ExperimentConfig(out=str(old), test_scenes=40).record()  # same meaning: accepted
    with pytest.raises(ValueError, match="test_seed_start"):
        ExperimentConfig(out=str(old), test_scenes=40, test_seed_start=2_000_001).record()
    with pytest.raises(ValueError, match="test_scenes 40 there, 150 now"):
        ExperimentConfig(out=str(old)).record()


def test_scene_rows_start_at_the_given_seed():
    bench = get_benchmark("scenes")
    rows = [r for r in scene_rows(bench, first_seed=2_000_005, scenes=2) if r["kind"] == "describe"]
    assert [r["scene"] for r in rows] == ["scenes/scene-2000005", "scenes/scene-2000006"]
    first = next(iter(scene_rows(bench)))
    assert first["scene"] == "scenes/scene-2000000"  # the default is unchanged


def test_per_scene_counts_what_the_scorer_counts():
    samples = benchmark_samples(2, 2_000_005)
    assert {s.meta["scene"] for s in samples} == {"scenes/scene-2000005", "scenes/scene-2000006"}
    records = []
    for s in samples:
        right = s.meta["kind"] in ("colour", "count")  # planted: these right, the rest wrong
        records.append({"id": s.id, "prediction": "", "score": float(right)})
    table = per_scene(samples, records)
    assert [t["scene"] for t in table] == ["scenes/scene-2000005", "scenes/scene-2000006"]
    scene = scene_from_id("scenes/scene-2000005", render=False)
    first = table[0]
    assert first["described"] == 1 and first["f1"] == 0.0 and first["named"] == 0
    assert first["mentions"] == 0 and first["objects"] == len(scored_objects(scene))
    # Scene 2000005 asks count, colour, left of and above (one each).
    assert first["qa"] == {"count": [1, 1], "colour": [1, 1], "left_of": [0, 1], "above": [0, 1]}
    with pytest.raises(ValueError, match="no answer recorded"):
        per_scene(samples, records[:-1])


def test_per_scene_sums_are_the_benchmark_scores():
    from ouro_toolkit.evaluation.scoring import score
    from ouro_toolkit.scenes.language import describe_scene

    samples = benchmark_samples(3, 2_000_010)
    predictions = []
    for s in samples:
        scene = scene_from_id(s.meta["scene"], render=False)
        # A true description of every other scene, an empty one of the rest; QA echo the truth.
        truthful = scene.seed % 2 == 0
        text = describe_scene(scene) if truthful else "A red circle."
        predictions.append(text if s.meta["kind"] == "describe" else s.answers[0])
    scored = score("scenes", samples, predictions, "official", benchmark="scenes")
    records = [
        {"id": s.id, "prediction": p, "score": v}
        for s, p, v in zip(samples, predictions, scored.per_sample, strict=True)
    ]
    table = per_scene(samples, records)
    named = sum(t["named"] for t in table)
    assert named / sum(t["mentions"] for t in table) == pytest.approx(
        scored.details["description_precision"]
    )
    assert named / sum(t["objects"] for t in table) == pytest.approx(
        scored.details["description_recall"]
    )
    f1 = sum(t["f1"] for t in table) / len(table)
    assert f1 == pytest.approx(scored.details["description_f1"]) and 0 < f1 < 1
    assert all(right == asked for t in table for right, asked in t["qa"].values())
