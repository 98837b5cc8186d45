"""Paired bootstrap over test scenes: how sure is an M1 - M0 difference?

M0 and every M1 answer the same held-out scenes, so a difference is read scene by scene and the
uncertainty that matters is which scenes were drawn (per-scene description F1 has SD ~0.17: the
SE of a mean over n scenes is ~0.17/sqrt(n), 3.1 points at 30 scenes). The bootstrap resamples
scenes with replacement, the same scenes for both models, and recomputes the difference each time;
the 95% interval is the 2.5th and 97.5th percentiles of those differences.

Every score of the `scenes` benchmark is a ratio of sums over scenes: QA accuracy is questions
right / questions asked (overall and per kind), description precision is objects named / mentions,
recall named / objects, colour recall right colours / objects, and the mean F1 is sum of F1 /
scenes described (numerator F1, denominator 1). So a model's scores on one scene are pairs
(numerator, denominator), and the statistic of a resample is sum(num) / sum(den) over it: the
benchmark's own formula on the resampled scenes. Several training seeds of one arm are pooled
scene by scene: each scene's numerator and denominator are averaged over seeds (for a mean score,
such as F1 or QA accuracy, that is averaging the per-scene differences across seeds), so the
interval still reflects the scene sample, which more seeds over the same scenes do not shrink.

The resampling is fixed (`SEED`, `RESAMPLES`): the same inputs give the same interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

RESAMPLES = 2000
SEED = 20261204
LEVEL = 0.95


@dataclass(frozen=True)
class PairedDiff:
    """An M1 - M0 difference with its paired bootstrap interval (fractions, not percent)."""

    diff: float  # the difference on the scenes as drawn
    low: float  # lower end of the interval
    high: float  # upper end
    se: float  # standard deviation of the bootstrap differences
    n: int  # scenes that count (a denominator above 0 for either model)
    resamples: int = RESAMPLES
    level: float = LEVEL

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """sum(num) / sum(den) along the last axis; 0 where nothing was counted (as the scorer)."""
    top, bottom = num.sum(axis=-1), den.sum(axis=-1)
    return np.divide(top, bottom, out=np.zeros_like(top, dtype=float), where=bottom > 0)


def _as_seeds(values: Sequence[float] | Sequence[Sequence[float]]) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array[None, :] if array.ndim == 1 else array


def paired_ratio_diff(
    base: tuple[Sequence[float], Sequence[float]],
    other: tuple[Sequence[float], Sequence[float]] | tuple[Sequence[Sequence[float]], ...],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> PairedDiff:
    """Paired bootstrap of ratio(other) - ratio(base) over scenes.

    `base` is (numerators, denominators), one value per scene. `other` is the same for one
    model, or (numerators, denominators) with one row per training seed (seeds x scenes): rows
    are averaged per scene before resampling. Scenes where both denominators are 0 (a QA kind
    the scene does not ask) are left out.
    """
    b_num, b_den = (np.asarray(v, dtype=float) for v in base)
    o_num, o_den = (_as_seeds(v).mean(axis=0) for v in other)
    if not (b_num.shape == b_den.shape == o_num.shape == o_den.shape):
        raise ValueError(
            f"paired bootstrap: one value per scene for both models, got {b_num.shape} "
            f"and {o_num.shape}"
        )
    keep = (b_den > 0) | (o_den > 0)
    b_num, b_den, o_num, o_den = b_num[keep], b_den[keep], o_num[keep], o_den[keep]
    n = int(keep.sum())
    if n == 0:
        return PairedDiff(0.0, 0.0, 0.0, 0.0, 0, resamples, level)
    diff = float(_ratio(o_num, o_den) - _ratio(b_num, b_den))
    # Each resample as counts of every scene (multinomial = n draws with replacement).
    counts = np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=resamples)
    weighted = lambda v: counts * v  # noqa: E731  (resamples x scenes)
    boot = _ratio(weighted(o_num), weighted(o_den)) - _ratio(weighted(b_num), weighted(b_den))
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(boot, [tail, 100 - tail])
    return PairedDiff(diff, float(low), float(high), float(boot.std(ddof=1)), n, resamples, level)
