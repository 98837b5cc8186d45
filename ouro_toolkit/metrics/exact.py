"""Exact match (GQA, VSR's yes/no): case, punctuation and surrounding whitespace ignored.

This is lmms-eval's `exact_match` with `ignore_case` and `ignore_punctuation`, the setting its GQA
task uses; a trailing period from a chatty model ("Yes.") therefore does not count against it.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

from ouro_toolkit.metrics.profiles import CONTAINS, check_profile, contains_any

_STRIP_PUNCT = str.maketrans("", "", string.punctuation)


def normalize_exact(text: str) -> str:
    return " ".join(text.lower().translate(_STRIP_PUNCT).split())


def exact_match(
    prediction: str, answers: str | Sequence[str], *, profile: str = "official"
) -> float:
    """1.0 if the normalised prediction equals any normalised answer, else 0.0."""
    check_profile(profile)
    gts = [answers] if isinstance(answers, str) else list(answers)
    pred = normalize_exact(prediction or "")
    norm = [normalize_exact(g) for g in gts]
    if pred in norm:
        return 1.0
    if profile == CONTAINS and contains_any(pred, norm):
        return 1.0
    return 0.0
