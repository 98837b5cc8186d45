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
