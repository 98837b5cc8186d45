"""DUE-style key information extraction F1 (DeepForm, Kleister Charity).

The DUE benchmark's `FScorer` is corpus-level: every predicted (key, value) of every document is
one prediction, every gold (key, value) one reference; a prediction is a true positive when an
unused reference of the same document and key has the same value (or one of its variants).
precision = TP / #predictions, recall = TP / #references, F1 = 2PR / (P + R). DeepForm and KLC are
scored case-insensitively. An empty answer, or "None" (how DocOwl-style prompts say "no value"),
is no prediction at all: it costs recall but not precision.

Evaluation asks one question per (document, key), so both inputs are aligned lists with one entry
per question: a predicted string (or None) and the gold value(s) (a string, a list of accepted
variants, or None when the document has no value for that key).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ouro_toolkit.metrics.profiles import CONTAINS, check_profile, contains_any

_NO_VALUE = {"", "none", "n/a", "null"}


@dataclass(frozen=True)
class F1Result:
    f1: float
    precision: float
    recall: float
    per_item: list[float]  # 1.0 where that question's prediction was a true positive


def _norm(value: str | None) -> str:
    return " ".join((value or "").strip().lower().split())


def _variants(reference: str | Sequence[str] | None) -> list[str]:
    if reference is None:
        return []
    refs = [reference] if isinstance(reference, str) else list(reference)
    return [r for r in (_norm(x) for x in refs) if r not in _NO_VALUE]


def kie_f1_detail(
    predictions: Sequence[str | None],
    references: Sequence[str | Sequence[str] | None],
    *,
    profile: str = "official",
) -> F1Result:
    check_profile(profile)
    if len(predictions) != len(references):
        raise ValueError(
            f"kie_f1 needs one reference per prediction: got {len(predictions)} predictions "
            f"and {len(references)} references"
        )
    n_pred = n_ref = tp = 0
    per_item: list[float] = []
    for prediction, reference in zip(predictions, references, strict=True):
        pred = _norm(prediction)
        refs = _variants(reference)
        has_pred = pred not in _NO_VALUE
        n_pred += has_pred
        n_ref += bool(refs)
        hit = (
            has_pred
            and bool(refs)
            and (pred in refs or (profile == CONTAINS and contains_any(pred, refs)))
        )
        tp += hit
        per_item.append(1.0 if hit else 0.0)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_ref if n_ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return F1Result(f1, precision, recall, per_item)


def kie_f1(
    predictions: Sequence[str | None],
    references: Sequence[str | Sequence[str] | None],
    *,
    profile: str = "official",
) -> float:
    """Corpus-level DUE F1 in [0, 1] (see the module docstring)."""
    return kie_f1_detail(predictions, references, profile=profile).f1
