"""WikiTableQuestions denotation accuracy (Pasupat & Liang's `evaluator.py`, as DUE runs it).

A denotation is a *set* of values. Each string becomes one value, decided on the string as given:

- a number if `int()` or `float()` reads it (NaN and infinities aside);
- else a date if it is "year-month-day" with "xx" (or "xxxx" for the year) for unknown parts; a
  date with only the year known ("1990-xx-xx") is the number 1990;
- else a string.

Every value also keeps its normalised text (accents stripped, quotes and dashes unified, trailing
citations "[1]" and parenthesised notes dropped, outer quotes and a final period removed,
whitespace collapsed, lower case). Duplicates collapse (a number by its amount, a date by its
parts, a string by its text), so "7" is right for ["7", "7"]. A prediction is right when both sets
have the same size and every target value matches some predicted value: equal normalised text,
or numbers within 1e-6, or equal dates. DocOwl runs the scorer with DUE's `ignore_case`, which
upper-cases every value first; that is kept, so "Straße" matches "STRASSE" ("ß" upper-cases to
"SS").

A model writes one string. `official` splits it into values when the target has several, on "|"
(the dataset's own separator) or, failing that, on commas; `strict` keeps it one value, as DocOwl
does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ouro_toolkit.metrics.profiles import CONTAINS, STRICT, check_profile, contains_any


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


@dataclass(frozen=True)
class Value:
    """One denotation item: (kind, key) decides duplicates; `normalized` is compared as text."""

    kind: str  # "number" | "date" | "string"
    key: object  # the amount, the (year, month, day), or the normalised string
    normalized: str


def _number(text: str) -> float | int | None:
    try:
        return int(text)
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
        year = -1 if parts[0] in ("xx", "xxxx") else int(parts[0])
        month = -1 if parts[1] == "xx" else int(parts[1])
        day = -1 if parts[2] == "xx" else int(parts[2])
    except ValueError:
        return None
    if (year, month, day) == (-1, -1, -1) or not (month == -1 or 1 <= month <= 12):
        return None
    if not (day == -1 or 1 <= day <= 31):
        return None
    return (year, month, day)


def _number_value(amount: float | int, text: str) -> Value:
    if abs(amount - round(amount)) < 1e-6:
        amount = int(amount)  # truncates, as the reference does: 2.9999999 becomes 2
    return Value("number", amount, normalize_wtq(text))


def to_value(text: str) -> Value:
    """The value `text` denotes (see the module docstring)."""
    text = text.upper()  # DUE's ignore_case, applied before the evaluator sees the value
    amount = _number(text)
    if amount is not None:
        return _number_value(amount, text)
    ymd = _date(text)
    if ymd is not None:
        if ymd[1] == ymd[2] == -1:
            return _number_value(ymd[0], text)
        return Value("date", ymd, normalize_wtq(text))
    norm = normalize_wtq(text)
    return Value("string", norm, norm)


def _value_set(texts: Sequence[str]) -> list[Value]:
    unique: dict[tuple[str, object], Value] = {}
    for text in texts:
        value = to_value(text)
        unique.setdefault((value.kind, value.key), value)
    return list(unique.values())


def _match(target: Value, predicted: Value) -> bool:
    if target.normalized == predicted.normalized:
        return True
    if target.kind == predicted.kind == "number":
        return abs(target.key - predicted.key) < 1e-6  # type: ignore[operator]
    return target.kind == predicted.kind == "date" and target.key == predicted.key


def check_denotation(targets: Sequence[str], predicted: Sequence[str]) -> bool:
    """The reference check: same number of distinct values, each target matched by one."""
    target_values, predicted_values = _value_set(targets), _value_set(predicted)
    if len(target_values) != len(predicted_values):
        return False
    return all(any(_match(t, p) for p in predicted_values) for t in target_values)


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
    n_split = 1 if profile == STRICT else len(targets)
    if check_denotation(targets, _split_prediction(prediction, n_split)):
        return 1.0
    if profile == CONTAINS:
        pred = normalize_wtq(prediction)
        if all(contains_any(pred, [normalize_wtq(t)]) for t in targets):
            return 1.0
    return 0.0
