"""ANLS: Average Normalized Levenshtein Similarity (DocVQA, InfographicVQA, ST-VQA, EST-VQA).

As in the ST-VQA / DocVQA challenge scorer: answers and prediction are lower-cased with
whitespace collapsed; for each ground truth, NL = edit distance / max(len); the similarity is
1 - NL when NL < threshold (0.5), else 0; the sample's score is the best over its ground truths.
"""

from __future__ import annotations

from collections.abc import Sequence

from ouro_toolkit.metrics.profiles import CONTAINS, check_profile, contains_any


def _normalize(text: str) -> str:
    return " ".join(text.strip().lower().split())


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insert, delete, substitute all cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def anls(
    prediction: str,
    answers: str | Sequence[str],
    threshold: float = 0.5,
    *,
    profile: str = "official",
) -> float:
    """ANLS of one prediction against its accepted answers, in [0, 1]."""
    check_profile(profile)
    gts = [answers] if isinstance(answers, str) else list(answers)
    pred = _normalize(prediction or "")
    best = 0.0
    for gt in gts:
        gt_n = _normalize(gt)
        length = max(len(gt_n), len(pred))
        nl = levenshtein(gt_n, pred) / length if length else 0.0
        best = max(best, 1.0 - nl if nl < threshold else 0.0)
    if profile == CONTAINS and contains_any(pred, [_normalize(g) for g in gts]):
        return 1.0
    return best
