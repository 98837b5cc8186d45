"""DUE key information extraction F1 (DeepForm, Kleister Charity), as DocOwl runs DUE's scorer.

The DUE benchmark's `FScorer` is corpus-level: every predicted (key, value) of every document is
one prediction, every gold (key, value) one reference; a prediction is a true positive when an
unused reference of the same document and key has the same value (or one of its variants).
precision = TP / #predictions, recall = TP / #references, F1 = 2PR / (P + R).

DocOwl's `due_benchmarks_eval.py` feeds it this way, and so does this function:

- a reply is stripped and its newlines deleted ("ACME\\nCorp" -> "ACMECorp");
- a reply of exactly "None" (DocOwl's "no value") is dropped: no prediction, so it costs recall
  but not precision. Every other reply is a prediction, "none", "N/A", "null" and "" included,
  and so a false positive when the document has no value for that key;
- values are compared after `str.upper()` (DUE's `ignore_case`), with no other normalisation:
  "straße" equals "STRASSE" (upper-casing turns "ß" into "SS"), "ACME  Corp" does not equal
  "ACME Corp".

Evaluation asks one question per (document, key), so both inputs are aligned lists with one entry
per question: a predicted string (or None for a failed generation, which is no prediction) and the
gold value (a string, a list of accepted variants of that one value, or None / [] when the
document has no value for the key). A gold value of exactly "None" is how the DocDownstream jsonl
writes a key the DUE reference leaves out, so it is no reference either. `official` and `strict`
are the same rule here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ouro_toolkit.metrics.profiles import CONTAINS, check_profile, contains_any

_NO_VALUE = "None"  # DocOwl's due_benchmarks_eval.py drops exactly this reply


@dataclass(frozen=True)
class F1Result:
    f1: float
    precision: float
    recall: float
    per_item: list[float]  # 1.0 where that question's prediction was a true positive


def _prediction(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().replace("\n", "")
    return None if value == _NO_VALUE else value.upper()


def _variants(reference: str | Sequence[str] | None) -> list[str]:
    if reference is None:
        return []
    refs = [reference] if isinstance(reference, str) else list(reference)
    if refs and refs[0].strip() == _NO_VALUE:
        return []
    return [r.strip().upper() for r in refs]


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
        pred = _prediction(prediction)
        refs = _variants(reference)
        n_pred += pred is not None
        n_ref += bool(refs)
        hit = (
            pred is not None
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
