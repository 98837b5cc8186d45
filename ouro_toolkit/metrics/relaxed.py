"""Relaxed accuracy (ChartQA): numbers may be off by 5% of the target, anything else must match.

Follows pix2struct / Qwen-VL's `relaxed_correctness` (ChartQA paper, §5.1): a trailing "%" turns a
number into a fraction ("45%" -> 0.45); if both sides parse as numbers and the target is non-zero,
the prediction is right when |pred - target| / |target| <= tolerance; otherwise the strings must
match case-insensitively. Thousands separators ("1,234") are accepted as numbers, since chart
labels often carry them and `float()` alone would reject them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ouro_toolkit.metrics.profiles import CONTAINS, check_profile, contains_any

_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(text: str) -> float | None:
    """A float from "12", "-3.5", "1,234.5" or "45%" (-> 0.45); None when it is not a number."""
    text = text.strip()
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value / 100.0 if percent else value


def _correct(prediction: str, target: str, tolerance: float) -> bool:
    pred_value = parse_number(prediction)
    target_value = parse_number(target)
    if pred_value is not None and target_value:  # a zero target falls back to exact match
        return abs(pred_value - target_value) / abs(target_value) <= tolerance
    return prediction.strip().lower() == target.strip().lower()


def relaxed_accuracy(
    prediction: str,
    target: str | Sequence[str],
    tolerance: float = 0.05,
    *,
    profile: str = "official",
) -> float:
    """1.0 if `prediction` is relaxed-correct for any of the targets, else 0.0."""
    check_profile(profile)
    targets = [target] if isinstance(target, str) else list(target)
    prediction = prediction or ""
    if any(_correct(prediction, t, tolerance) for t in targets):
        return 1.0
    if profile == CONTAINS and contains_any(
        prediction.lower(), [t.strip().lower() for t in targets]
    ):
        return 1.0
    return 0.0
