"""Exact match (GQA, VSR's yes/no): case and punctuation ignored.

lmms-eval's `exact_match` with `ignore_case` and `ignore_punctuation` (the setting its GQA task
uses): both sides are lower-cased (`str.lower`, so "ß" stays "ß" and does not equal "ss"), every
`string.punctuation` character is deleted, and the results must be equal; a trailing period from a
chatty model ("Yes.") therefore does not count against it.

`official` also strips and collapses the whitespace that is left ("left - side" -> "left side"),
which lmms-eval does not; `strict` compares without it.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

from ouro_toolkit.metrics.profiles import CONTAINS, STRICT, check_profile, contains_any

_STRIP_PUNCT = str.maketrans("", "", string.punctuation)


def normalize_exact(text: str, *, collapse_whitespace: bool = True) -> str:
    text = text.lower().translate(_STRIP_PUNCT)
    return " ".join(text.split()) if collapse_whitespace else text


def exact_match(
    prediction: str, answers: str | Sequence[str], *, profile: str = "official"
) -> float:
    """1.0 if the normalised prediction equals any normalised answer, else 0.0."""
    check_profile(profile)
    collapse = profile != STRICT
    gts = [answers] if isinstance(answers, str) else list(answers)
    pred = normalize_exact(prediction or "", collapse_whitespace=collapse)
    norm = [normalize_exact(g, collapse_whitespace=collapse) for g in gts]
    if pred in norm:
        return 1.0
    if profile == CONTAINS and contains_any(pred, norm):
        return 1.0
    return 0.0
