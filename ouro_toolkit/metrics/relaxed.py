"""Relaxed accuracy (ChartQA): numbers may be off by 5% of the target, anything else must match.

pix2struct / Qwen-VL's `relaxed_correctness`, which lmms-eval's ChartQA task runs (ChartQA paper,
§5.1): a trailing "%" turns a number into a fraction ("45%" -> 0.45); if both sides parse as
numbers (Python's `float`) and the target is non-zero, the prediction is right when
|pred - target| / |target| <= tolerance; otherwise the strings must match case-insensitively.

`official` differs on purpose in two ways that only accept more answers: thousands separators
("1,234") are read as numbers, since chart labels often carry them and `float()` rejects them; and
surrounding whitespace is stripped before the string comparison. `strict` does neither.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ouro_toolkit.metrics.profiles import CONTAINS, STRICT, check_profile, contains_any

_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_number(text: str, *, thousands: bool = True) -> float | None:
    """A float from "12", "-3.5", "45%" (-> 0.45), and with `thousands` "1,234.5"; else None.

    `thousands=False` is the reference `_to_float` exactly (NaN and infinities included).
    """
    if thousands:
        text = text.strip()
    percent = text.endswith("%")
    body = text.rstrip("%") if percent else text
    if thousands:
        body = body.strip()
        if _THOUSANDS.match(body):
            body = body.replace(",", "")
    value = _float(body)
    if value is None:
        return None
    if thousands and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return value / 100.0 if percent else value


def _correct(prediction: str, target: str, tolerance: float, strict: bool) -> bool:
    if not strict:
        prediction, target = prediction.strip(), target.strip()
    pred_value = parse_number(prediction, thousands=not strict)
    target_value = parse_number(target, thousands=not strict)
    if pred_value is not None and target_value:  # a zero target falls back to exact match
        return abs(pred_value - target_value) / abs(target_value) <= tolerance
    return prediction.lower() == target.lower()


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
    strict = profile == STRICT
    if any(_correct(prediction, t, tolerance, strict) for t in targets):
        return 1.0
    if profile == CONTAINS and contains_any(
        prediction.lower(), [t.strip().lower() for t in targets]
    ):
        return 1.0
    return 0.0
