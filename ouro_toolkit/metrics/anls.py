"""ANLS: Average Normalized Levenshtein Similarity (DocVQA, InfographicVQA, ST-VQA, EST-VQA).

The DocVQA/RRC rule as lmms-eval's `anls` and Qwen-VL's `infographicsvqa_eval.py` compute it:

1. the prediction and each ground truth are lower-cased with whitespace collapsed and stripped;
2. the edit distance is taken between those normalised strings, but divided by
   max(len(gt.upper()), len(prediction.upper())) of the strings *as given* (so "ß", which
   upper-cases to "SS", counts two characters, and stray spaces lengthen the denominator);
   two empty strings have distance 0;
3. the score is 1 - (smallest normalised distance over the ground truths), set to 0 only when it
   is *below* the threshold (0.5): a score of exactly 0.5 stands.

`official` and `strict` are the same rule here.
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


def normalized_distance(prediction: str, answer: str) -> float:
    """Edit distance of the normalised strings over the longer raw upper-cased length."""
    length = max(len(answer.upper()), len(prediction.upper()))
    if not length:
        return 0.0
    return levenshtein(_normalize(answer), _normalize(prediction)) / length


def anls(
    prediction: str,
    answers: str | Sequence[str],
    threshold: float = 0.5,
    *,
    profile: str = "official",
) -> float:
    """ANLS of one prediction against its accepted answers, in [0, 1]. No answers -> 0.0."""
    check_profile(profile)
    gts = [answers] if isinstance(answers, str) else list(answers)
    if not gts:
        return 0.0
    prediction = prediction or ""
    score = 1.0 - min(normalized_distance(prediction, gt) for gt in gts)
    if score < threshold:
        score = 0.0
    if profile == CONTAINS and contains_any(_normalize(prediction), [_normalize(g) for g in gts]):
        return 1.0
    return score
