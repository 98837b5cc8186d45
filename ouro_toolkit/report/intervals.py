"""Means with t confidence intervals, and paired differences on the same test items."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from scipy.stats import t as student_t

LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def within(self, low: float, high: float) -> Interval:
        """The interval cut to the values the score can take (a t interval on a few 0/1 items
        reaches past them)."""
        return Interval(self.mean, max(low, self.low), min(high, self.high), self.n)


def mean_interval(values: list[float], level: float = LEVEL) -> Interval | None:
    """The mean of `values` and its two-sided t interval (zero width for one value)."""
    if not values:
        return None
    mean = statistics.fmean(values)
    if len(values) < 2:
        return Interval(mean, mean, mean, 1)
    se = statistics.stdev(values) / math.sqrt(len(values))
    half = float(student_t.ppf(0.5 + level / 2, len(values) - 1)) * se
    return Interval(mean, mean - half, mean + half, len(values))


def paired_interval(
    base: dict[str, float], other: dict[str, float], level: float = LEVEL
) -> Interval | None:
    """`other - base` on the items both scored: the interval of the mean paired difference."""
    shared = sorted(base.keys() & other.keys())
    return mean_interval([other[k] - base[k] for k in shared], level)
