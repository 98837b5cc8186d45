"""ANLS threshold edges, ChartQA's 5% tolerance edges, and exact match."""

import pytest

from ouro_toolkit.metrics import anls, exact_match, relaxed_accuracy
from ouro_toolkit.metrics.anls import levenshtein
from ouro_toolkit.metrics.relaxed import parse_number


def test_levenshtein() -> None:
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3
    assert levenshtein("same", "same") == 0


def test_anls_exact_case_and_space_insensitive() -> None:
    assert anls("  The  ANSWER ", ["the answer"]) == 1.0


def test_anls_threshold_edges() -> None:
    # 1 edit in 10 characters: NL = 0.1 -> 0.9
    assert anls("abcdefghiX", ["abcdefghij"]) == pytest.approx(0.9)
    # 4 edits in 10: NL = 0.4 -> 0.6
    assert anls("abcdefXXXX", ["abcdefghij"]) == pytest.approx(0.6)
    # exactly 5 edits in 10: NL = 0.5 is not below the threshold -> 0
    assert anls("abcdeXXXXX", ["abcdefghij"]) == 0.0
    # 49 of 100 wrong: NL = 0.49 -> 0.51; 50 of 100 -> 0
    target = "a" * 100
    assert anls("b" * 49 + "a" * 51, [target]) == pytest.approx(0.51)
    assert anls("b" * 50 + "a" * 50, [target]) == 0.0
    # a custom threshold moves the edge
    assert anls("abcdeXXXXX", ["abcdefghij"], threshold=0.6) == pytest.approx(0.5)


def test_anls_takes_the_best_answer() -> None:
    assert anls("1990", ["nineteen ninety", "1990"]) == 1.0
    assert anls("1991", ["1990", "xxxx"]) == pytest.approx(0.75)
    assert anls("anything", []) == 0.0


def test_anls_contains_profile() -> None:
    long = "the total amount is $12,500.00 as stated"
    assert anls(long, ["$12,500.00"]) == 0.0
    assert anls(long, ["$12,500.00"], profile="contains") == 1.0


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12.0),
        ("-3.5", -3.5),
        ("1,234", 1234.0),
        ("1,234.5", 1234.5),
        ("45%", 0.45),
        ("4,5", None),
        ("abc", None),
        ("nan", None),
    ],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == (pytest.approx(value) if value is not None else None)


def test_relaxed_tolerance_edges() -> None:
    assert relaxed_accuracy("105", "100") == 1.0  # exactly 5% over
    assert relaxed_accuracy("95", "100") == 1.0  # exactly 5% under
    assert relaxed_accuracy("105.01", "100") == 0.0
    assert relaxed_accuracy("94.99", "100") == 0.0
    assert relaxed_accuracy("1,030", "1000") == 1.0  # thousands separator
    assert relaxed_accuracy("0.455", "45%") == 1.0  # 45% is 0.45; 0.455 is 1.1% off
    assert relaxed_accuracy("45", "45%") == 0.0  # 45 is not 0.45 (pix2struct's rule)
    assert relaxed_accuracy("2", "2", tolerance=0.0) == 1.0


def test_relaxed_non_numbers_and_zero_need_exact_match() -> None:
    assert relaxed_accuracy("Germany", "germany") == 1.0
    assert relaxed_accuracy("Germany.", "germany") == 0.0
    assert relaxed_accuracy("0.01", "0") == 0.0  # a zero target cannot use a relative tolerance
    assert relaxed_accuracy("0", "0") == 1.0
    assert relaxed_accuracy("17", ["x", "17.5"]) == 1.0  # any target


def test_relaxed_contains_profile() -> None:
    assert relaxed_accuracy("The answer is 17", "17") == 0.0
    assert relaxed_accuracy("The answer is 17", "17", profile="contains") == 1.0


def test_exact_match() -> None:
    assert exact_match("Yes.", ["yes"]) == 1.0
    assert exact_match("  left  side ", "left side") == 1.0
    assert exact_match("yes it is", ["yes"]) == 0.0
    assert exact_match("yes it is", ["yes"], profile="contains") == 1.0
    assert exact_match("yesterday", ["yes"], profile="contains") == 0.0
