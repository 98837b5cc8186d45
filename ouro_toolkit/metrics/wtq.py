"""WikiTableQuestions denotation accuracy (Pasupat & Liang's official `evaluator.py`, as DUE uses it).

Each answer is a list of values. Strings are normalised (accents stripped, quotes and dashes
unified, trailing citations "[1]" and parenthesised notes dropped, outer quotes and a final period
removed, whitespace collapsed, lower case); a value that parses as a number compares as a number
(equal within 1e-6), a "yyyy-mm-dd" date (with "xx" for unknown parts) compares as a date. A
prediction is right when its values match the target values one to one, in any order.

A model writes one string; when the target has several values, the prediction is split on "|"
(the dataset's own separator) or, failing that, on commas.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from ouro_toolkit.metrics.profiles import CONTAINS, check_profile, contains_any


def normalize_wtq(text: str) -> str:
    text = "".join(
        c for c in unicodedata.normalize("NFKD", text) if unicodedata.category(c) != "Mn"
    )
    text = re.sub(r"[‘’´`]", "'", text)
    text = re.sub(r"[“”]", '"', text)
    text = re.sub(r"[‐‑‒–—−]", "-", text)
    while True:
        before = text
        text = re.sub(r"((?<!^)\[[^\]]*\]|\[\d+\]|[•♦†‡*#+])*$", "", text.strip())  # citations
        text = re.sub(r"(?<!^)( \([^)]*\))*$", "", text.strip())  # "(details)"
        text = re.sub(r'^"([^"]*)"$', r"\1", text.strip())  # outer quotes
        if text == before:
            break
    if text.endswith("."):
        text = text[:-1]
    return re.sub(r"\s+", " ", text).lower().strip()


def _number(text: str) -> float | None:
    try:
        return float(int(text))
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return None
    return None if value != value or value in (float("inf"), float("-inf")) else value


def _date(text: str) -> tuple[int, int, int] | None:
    parts = text.lower().split("-")
    if len(parts) != 3:
        return None
    try:
        year = -1 if parts[0] == "xx" else int(parts[0])
        month = -1 if parts[1] == "xx" else int(parts[1])
        day = -1 if parts[2] == "xx" else int(parts[2])
    except ValueError:
        return None
    if (year, month, day) == (-1, -1, -1) or not (month == -1 or 1 <= month <= 12):
        return None
    if not (day == -1 or 1 <= day <= 31):
        return None
    return (year, month, day)


def _value(text: str) -> tuple[str, object]:
    norm = normalize_wtq(text)
    number = _number(norm)
    if number is not None:
        return ("number", number)
    date = _date(norm)
    if date is not None:
        return ("date", date)
    return ("string", norm)


def _match(a: tuple[str, object], b: tuple[str, object]) -> bool:
    if a[0] == "number" and b[0] == "number":
        return abs(a[1] - b[1]) < 1e-6  # type: ignore[operator]
    return a == b


def _check_denotation(
    targets: list[tuple[str, object]], predicted: list[tuple[str, object]]
) -> bool:
    if len(targets) != len(predicted):
        return False
    remaining = list(predicted)
    for target in targets:
        for i, p in enumerate(remaining):
            if _match(target, p):
                del remaining[i]
                break
        else:
            return False
    return True


def _split_prediction(prediction: str, n_targets: int) -> list[str]:
    if n_targets <= 1:
        return [prediction]
    sep = "|" if "|" in prediction else ","
    return [p for p in (x.strip() for x in prediction.split(sep)) if p]


def wtq_accuracy(
    prediction: str, answers: str | Sequence[str], *, profile: str = "official"
) -> float:
    """1.0 if the prediction's denotation equals the target values, else 0.0."""
    check_profile(profile)
    targets = [answers] if isinstance(answers, str) else list(answers)
    prediction = prediction or ""
    target_values = [_value(t) for t in targets]
    predicted_values = [_value(p) for p in _split_prediction(prediction, len(targets))]
    if _check_denotation(target_values, predicted_values):
        return 1.0
    if profile == CONTAINS:
        pred = normalize_wtq(prediction)
        if all(contains_any(pred, [normalize_wtq(t)]) for t in targets):
            return 1.0
    return 0.0
