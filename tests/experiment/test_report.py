"""Experiment report: mean ± spread, the Markdown table, the PNG plot."""

from __future__ import annotations

import pytest
from PIL import Image

from ouro_toolkit.experiment.report import (
    METRICS,
    aggregate,
    markdown_table,
    mean_spread,
    plot_vs_k,
)


def _scores(qa: float, f1: float) -> dict:
    out = {key: 0.5 for key, _ in METRICS}
    return out | {"qa_accuracy": qa, "description_f1": f1}


def test_mean_spread():
    assert mean_spread([0.2, 0.4]) == pytest.approx((0.3, 0.1414), abs=1e-4)
    assert mean_spread([0.7]) == (0.7, 0.0)


def test_table_and_plot(tmp_path):
    rows = aggregate(
        _scores(0.3, 0.4),
        {
            "k0-enhanced-random": [_scores(0.35, 0.5), _scores(0.25, 0.5)],
            "k5-enhanced-random": [_scores(0.5, 0.6), _scores(0.6, 0.7)],
        },
    )
    assert rows["M1 k5-enhanced-random"]["qa_accuracy"]["mean"] == pytest.approx(0.55)
    table = markdown_table(rows, seeds=2)
    assert "| M1 k5-enhanced-random | 55.0 ± 7.1 (+25.0) |" in table
    assert table.count("\n| ") == 4  # header, M0, two arms
    path = plot_vs_k(rows, tmp_path / "plot.png")
    image = Image.open(path)
    assert image.size == (640, 400) and len(image.getcolors(100000)) > 3


def test_no_plot_without_k_arms(tmp_path):
    rows = aggregate(_scores(0.3, 0.4), {"k5-original-random": [_scores(0.1, 0.1)]})
    assert plot_vs_k(rows, tmp_path / "p.png") is None


# --- paired CIs and QA per kind ---------------------------------------------------------------


def _scene(name: str, f1: float, qa: dict[str, list[int]], named: int = 1) -> dict:
    counts = {"named": named, "mentions": 2, "objects": 4, "colour": 0}
    return {"scene": name, "described": 1, "f1": f1, "qa": qa} | counts


def _variant(qa: float, f1: float, kinds: dict[str, float], scenes: list[dict]) -> dict:
    return _scores(qa, f1) | {"qa_by_kind": kinds, "per_scene": scenes}


def test_paired_cis_per_seed_pooled_and_per_kind():
    from ouro_toolkit.experiment.report import ALL_METRICS, KIND_METRICS

    m0 = _variant(
        0.5,
        0.2,
        {"colour": 0.5, "count": 1.0},
        [
            _scene("a", 0.2, {"colour": [1, 1]}),
            _scene("b", 0.2, {"colour": [0, 1], "count": [1, 1]}),
        ],
    )
    seed0 = _variant(
        1.0,
        0.4,
        {"colour": 1.0, "count": 1.0},
        [
            _scene("b", 0.6, {"colour": [1, 1], "count": [1, 1]}, named=2),
            _scene("a", 0.2, {"colour": [1, 1]}),
        ],
    )
    seed1 = _variant(
        0.5,
        0.2,
        {"colour": 0.5, "count": 1.0},
        [
            _scene("a", 0.2, {"colour": [1, 1]}),
            _scene("b", 0.2, {"colour": [0, 1], "count": [1, 1]}),
        ],
    )
    rows = aggregate(m0, {"k5-enhanced-random": [seed0 | {"seed": 0}, seed1 | {"seed": 1}]})
    m1 = rows["M1 k5-enhanced-random"]
    assert set(m1) == {key for key, _ in ALL_METRICS}
    # colour: M0 1 of 2, seed 0 2 of 2 (+0.5), seed 1 as M0 (0); pooled +0.25. Scenes are
    # matched by name, not by order (seed 0 lists them the other way round).
    colour = m1["qa_colour"]["paired"]
    assert [s["diff"] for s in colour["seeds"]] == pytest.approx([0.5, 0.0])
    assert [s["seed"] for s in colour["seeds"]] == [0, 1]
    assert colour["pooled"]["diff"] == pytest.approx(0.25) and colour["pooled"]["n"] == 2
    # A kind only scene b asks, answered right by all: no difference, one scene.
    assert m1["qa_count"]["paired"]["pooled"] | {"resamples": 0} == pytest.approx(
        {"diff": 0.0, "low": 0.0, "high": 0.0, "se": 0.0, "n": 1, "resamples": 0, "level": 0.95}
    )
    # F1 is a mean over scenes: seed 0 +0.2 (0.4 on b), pooled +0.1; precision named/mentions:
    # 3/4 vs 2/4 at seed 0.
    assert m1["description_f1"]["paired"]["pooled"]["diff"] == pytest.approx(0.1)
    assert m1["description_precision"]["paired"]["seeds"][0]["diff"] == pytest.approx(0.25)
    assert m1["qa_colour"]["mean"] == pytest.approx(0.75)
    table = markdown_table(rows, seeds=2)
    pooled = colour["pooled"]
    cell = f"75.0 ± 35.4 (+25.0 [{100 * pooled['low']:+.1f}, {100 * pooled['high']:+.1f}])"
    assert f"| M1 k5-enhanced-random | {cell} |" in table  # first column of the per-kind table
    assert "| model | " + " | ".join(t for _, t in KIND_METRICS) + " |" in table
    assert "| k5-enhanced-random seed 0 | " in table and "| k5-enhanced-random seed 1 | " in table
    assert "| k5-enhanced-random pooled | " in table
    assert "paired bootstrap 95% CI over the 2 test scenes (2000 resamples" in table
    # Kinds no scene asked (sign text, left of, above, inside): a dash, not a 0 score.
    kind_rows = [line for line in table.splitlines() if line.startswith("| M0 | 50.0 | 100.0")]
    assert kind_rows == ["| M0 | 50.0 | 100.0 | – | – | – | – |"]
    assert table.count(" – |") == 4 + 4 + 4 * 3  # M0 and M1 per-kind rows, 3 difference rows


def test_a_scene_missing_from_an_arm_is_an_error():
    m0 = _variant(0.5, 0.2, {}, [_scene("a", 0.2, {}), _scene("b", 0.2, {})])
    arm = _variant(0.5, 0.2, {}, [_scene("a", 0.2, {})])
    with pytest.raises(ValueError, match="1 test scene"):
        aggregate(m0, {"k5-enhanced-random": [arm]})
