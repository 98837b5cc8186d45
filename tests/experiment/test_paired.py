"""The paired bootstrap over test scenes: exact values on tiny inputs, the normal approximation on
a large synthetic sample, pairing, pooling over seeds and ratio scores."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ouro_toolkit.experiment.paired import RESAMPLES, paired_ratio_diff


def _means(values):
    """A mean score (F1, QA accuracy): numerator the value, denominator 1 per scene."""
    return list(values), [1.0] * len(values)


def test_one_scene_has_no_spread():
    got = paired_ratio_diff(_means([0.25]), _means([0.75]))
    assert (got.diff, got.low, got.high, got.se, got.n) == (0.5, 0.5, 0.5, 0.0, 1)


def test_two_scenes_by_hand():
    # Differences 0 and 1: a resample of two scenes averages to 0 (p 1/4), 0.5 (1/2) or 1 (1/4),
    # so the 2.5th and 97.5th percentiles are 0 and 1 and the SD is sqrt(1/8) = 0.354.
    got = paired_ratio_diff(_means([0.5, 0.0]), _means([0.5, 1.0]))
    assert got.diff == 0.5 and got.n == 2 and got.resamples == RESAMPLES >= 2000
    assert (got.low, got.high) == (0.0, 1.0)
    assert got.se == pytest.approx(math.sqrt(1 / 8), abs=0.02)


def test_pairing_cancels_scene_difficulty():
    # Scenes of very different difficulty, M1 exactly 1 point above M0 on each: every resample
    # differs by 0.01, so the interval has no width (an unpaired bootstrap would be ~±0.08).
    base = np.random.default_rng(1).uniform(0.0, 0.9, 150)
    got = paired_ratio_diff(_means(base), _means(base + 0.01))
    assert got.diff == pytest.approx(0.01)
    assert got.low == pytest.approx(0.01) and got.high == pytest.approx(0.01)
    assert got.se < 1e-9


def test_normal_approximation_on_a_large_sample():
    rng = np.random.default_rng(7)
    n = 2000
    base = rng.uniform(0.0, 1.0, n)
    other = base + rng.normal(0.05, 0.17, n)
    d = other - base
    se = d.std(ddof=1) / math.sqrt(n)  # the textbook SE of a mean paired difference
    got = paired_ratio_diff(_means(base), _means(other))
    assert got.diff == pytest.approx(d.mean())
    assert got.se == pytest.approx(se, rel=0.1)
    assert got.low == pytest.approx(d.mean() - 1.96 * se, abs=0.2 * se)
    assert got.high == pytest.approx(d.mean() + 1.96 * se, abs=0.2 * se)
    assert got.excludes_zero


def test_ratio_scores_are_ratios_of_sums():
    # Precision-like: named / mentions summed over scenes, not the mean of per-scene ratios.
    base = ([1, 0, 2], [2, 1, 2])  # 3 / 5 = 0.6 (mean of ratios would be 0.5)
    other = ([2, 1, 2], [2, 1, 2])  # 5 / 5 = 1.0
    got = paired_ratio_diff(base, other)
    assert got.diff == pytest.approx(0.4) and got.n == 3
    assert 0.0 <= got.low <= 0.4 <= got.high <= 1.0


def test_scenes_counted_by_neither_model_are_left_out():
    # A QA kind only the first two scenes ask: the third scene is not a scene of that kind.
    got = paired_ratio_diff(([0, 1, 0], [1, 1, 0]), ([1, 1, 0], [1, 1, 0]))
    assert got.n == 2 and got.diff == pytest.approx(0.5)


def test_seeds_are_pooled_scene_by_scene():
    # Two seeds: per-scene means [0.5, 0.0] vs M0's [0, 0]: +0.25, the mean of the per-seed +0.5
    # and +0.0.
    base = _means([0.0, 0.0])
    seeds = ([[1.0, 0.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 1.0]])
    pooled = paired_ratio_diff(base, seeds)
    one = paired_ratio_diff(base, _means([1.0, 0.0]))
    assert pooled.diff == pytest.approx(0.25) and one.diff == pytest.approx(0.5)
    assert (pooled.low, pooled.high) == (0.0, 0.5)


def test_fixed_resampling_and_bad_shapes():
    base, other = _means([0.1, 0.4, 0.2, 0.9]), _means([0.3, 0.2, 0.6, 0.9])
    assert paired_ratio_diff(base, other) == paired_ratio_diff(base, other)
    assert paired_ratio_diff(base, other, seed=1) != paired_ratio_diff(base, other, seed=2)
    with pytest.raises(ValueError, match="one value per scene"):
        paired_ratio_diff(_means([0.1, 0.2]), _means([0.1]))
