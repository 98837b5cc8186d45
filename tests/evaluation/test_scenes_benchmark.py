"""`ouro eval --benchmarks scenes`: generated samples, exact QA, description precision/recall."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ouro_toolkit.cli.main import cli
from ouro_toolkit.evaluation.data import DataSource, iter_samples
from ouro_toolkit.evaluation.runner import build_request
from ouro_toolkit.evaluation.scoring import score
from ouro_toolkit.evaluation.tasks import BENCHMARKS, parse_benchmarks
from ouro_toolkit.scenes import describe_scene, scene_from_id
from ouro_toolkit.scenes.vocab import COLOURS

BENCH = BENCHMARKS["scenes"]


def _samples(limit: int):
    return list(iter_samples(BENCH, DataSource(), limit=limit))


def test_samples_are_a_description_then_exact_questions_per_scene():
    samples = _samples(15)
    kinds = [s.meta["kind"] for s in samples]
    assert kinds[0] == "describe" and kinds.count("describe") >= 3
    assert {"colour", "count"} & set(kinds)
    assert samples[0].meta["scene"] == "scenes/scene-2000000"
    describe = build_request(samples[0], BENCH)
    question = build_request(samples[1], BENCH)
    assert (
        describe.sampling.max_new_tokens > question.sampling.max_new_tokens == BENCH.max_new_tokens
    )
    assert samples[1].prompt.endswith("single word or phrase.")
    assert "scenes" not in [b.name for b in parse_benchmarks("all")]  # `all` stays the paper's


def _truth(sample) -> str:
    if sample.meta["kind"] == "describe":
        return describe_scene(scene_from_id(sample.meta["scene"], render=False))
    return sample.answers[0]


def test_right_answers_score_full_marks_and_wrong_ones_do_not():
    samples = _samples(25)
    perfect = score("scenes", samples, [_truth(s) for s in samples], "official")
    assert perfect.score == 1.0
    assert perfect.details["qa"] == 1.0 and perfect.details["description_recall"] == 1.0
    assert perfect.details["description_colour"] == perfect.details["description_position"] == 1.0

    def wrong(sample) -> str:
        answer = _truth(sample)
        kind = sample.meta["kind"]
        if kind == "colour":
            return next(c for c in COLOURS if c != answer)
        if kind == "count":
            return str(int(answer) + 1)
        if kind == "describe":
            return "A picture of a cat."
        return "a purple banana"

    worse = score("scenes", samples, [wrong(s) for s in samples], "official")
    assert worse.score == 0.0 and worse.details["description_recall"] == 0.0
    half = [(_truth(s) if i % 2 else wrong(s)) for i, s in enumerate(samples)]
    mixed = score("scenes", samples, half, "official")
    assert mixed.per_sample == [float(i % 2) for i in range(len(samples))]
    # The mean of the two halves: QA accuracy and the descriptions' mean F1 (1 right, 0 wrong).
    right = {
        part: [i % 2 for i, s in enumerate(samples) if (s.meta["kind"] == "describe") == is_desc]
        for part, is_desc in (("qa", False), ("describe", True))
    }
    qa, desc = (sum(v) / len(v) for v in right.values())
    assert 0 < qa < 1 and 0 < desc < 1  # both halves are mixed, so each one counts here
    assert mixed.details["qa"] == qa and mixed.details["description_f1"] == desc
    assert mixed.score == (qa + desc) / 2


def test_ouro_eval_runs_the_scenes_benchmark(tiny_model_dir: Path, tmp_path: Path):
    out = tmp_path / "results.json"
    args = ["eval", "--model", str(tiny_model_dir), "--benchmarks", "scenes", "--limit", "3",
            "--out", str(out), "--no-progress"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    (run,) = json.loads(out.read_text())["runs"]
    assert run["benchmark"] == "scenes" and run["n"] == 3 and run["n_failed"] == 0
    assert "Scenes with known truth" in result.output
