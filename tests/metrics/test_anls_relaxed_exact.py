"""ANLS, ChartQA's relaxed accuracy and exact match, on cases worked out by hand.

Each case names the rule of the reference scorer it pins:
- ANLS: the DocVQA/RRC rule as lmms-eval's `anls` (and Qwen-VL's infographicsvqa_eval) computes it;
- relaxed accuracy: pix2struct / Qwen-VL's `relaxed_correctness`, run by lmms-eval's ChartQA task;
- exact match: lmms-eval's `exact_match` with ignore_case and ignore_punctuation (its GQA task).
"""

import pytest

from ouro_toolkit.metrics import anls, exact_match, relaxed_accuracy
from ouro_toolkit.metrics.anls import levenshtein
from ouro_toolkit.metrics.relaxed import parse_number


def test_levenshtein() -> None:
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3
    assert levenshtein("same", "same") == 0


def test_anls_exact_case_and_space_insensitive() -> None:
    # rule: both sides lower-cased, whitespace collapsed, before the edit distance
    assert anls("  The  ANSWER ", ["the answer"]) == 1.0


def test_anls_threshold_edges() -> None:
    # 1 edit in 10 characters: NL = 0.1 -> 0.9
    assert anls("abcdefghiX", ["abcdefghij"]) == pytest.approx(0.9)
    # 4 edits in 10: NL = 0.4 -> 0.6
    assert anls("abcdefXXXX", ["abcdefghij"]) == pytest.approx(0.6)
    # rule: zeroed only when 1 - NL < 0.5; 5 edits in 10 gives exactly 0.5, which stands
    assert anls("abcdeXXXXX", ["abcdefghij"]) == 0.5
    # the example: "a" vs "ac" is 1 edit over max(len "AC", len "A") = 2 -> 0.5
    assert anls("a", ["ac"]) == 0.5
    # 51 of 100 wrong: 1 - 0.51 = 0.49 < 0.5 -> 0; 50 of 100 -> 0.5 stands
    target = "a" * 100
    assert anls("b" * 51 + "a" * 49, [target]) == 0.0
    assert anls("b" * 50 + "a" * 50, [target]) == 0.5
    assert anls("b" * 49 + "a" * 51, [target]) == pytest.approx(0.51)
    # a custom threshold moves the edge: 0.5 < 0.6 -> 0; 0.6 is not below 0.6
    assert anls("abcdeXXXXX", ["abcdefghij"], threshold=0.6) == 0.0
    assert anls("abcdefXXXX", ["abcdefghij"], threshold=0.6) == pytest.approx(0.6)


def test_anls_length_is_taken_on_the_raw_upper_cased_strings() -> None:
    # rule: length = max(len(gt.upper()), len(pred.upper())) of the strings as given.
    # "ß".upper() is "SS": "strase" vs "straße" is 1 edit over len("STRASSE") = 7 -> 6/7
    assert anls("strase", ["straße"]) == pytest.approx(6 / 7)
    # unicode case: lower() keeps "ß", so "STRASSE" -> "strasse" is 2 edits from "straße"; 2/7
    assert anls("STRASSE", ["straße"]) == pytest.approx(5 / 7)
    # stray spaces count in the length, not in the distance: "ac  " vs "ab" is 1 edit over 4
    assert anls("ac  ", ["ab"]) == pytest.approx(0.75)


def test_anls_empty_strings() -> None:
    # rule: two empty strings have length 0 -> distance 0 -> 1.0
    assert anls("", [""]) == 1.0
    # an empty prediction against "abc": 3 edits over 3 -> 0
    assert anls("", ["abc"]) == 0.0
    assert anls("abc", [""]) == 0.0
    # no ground truth at all: nothing to match (the reference would fail on min([]))
    assert anls("anything", []) == 0.0


def test_anls_takes_the_best_answer() -> None:
    # rule: 1 - min(NL) over the ground truths
    assert anls("1990", ["nineteen ninety", "1990"]) == 1.0
    assert anls("1991", ["1990", "xxxx"]) == pytest.approx(0.75)


def test_anls_strict_is_the_same_rule() -> None:
    assert anls("a", ["ac"], profile="strict") == 0.5
    assert anls("strase", ["straße"], profile="strict") == pytest.approx(6 / 7)


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


def test_parse_number_strict_is_the_reference_to_float() -> None:
    # rule: `_to_float` is float(text.rstrip("%")) / 100 for a trailing "%", else float(text)
    assert parse_number("1,234", thousands=False) is None
    assert parse_number("45%%", thousands=False) == pytest.approx(0.45)
    assert parse_number(" 17 ", thousands=False) == 17.0  # float() itself ignores spaces
    nan = parse_number("nan", thousands=False)
    assert nan is not None and nan != nan


def test_relaxed_tolerance_edges() -> None:
    # rule: |pred - target| / |target| <= 0.05
    assert relaxed_accuracy("105", "100") == 1.0  # exactly 5% over
    assert relaxed_accuracy("95", "100") == 1.0  # exactly 5% under
    assert relaxed_accuracy("105.01", "100") == 0.0
    assert relaxed_accuracy("94.99", "100") == 0.0
    assert relaxed_accuracy("0.455", "45%") == 1.0  # 45% is 0.45; 0.455 is 1.1% off
    assert relaxed_accuracy("45", "45%") == 0.0  # 45 is not 0.45
    assert relaxed_accuracy("2", "2", tolerance=0.0) == 1.0


def test_relaxed_non_numbers_and_zero_need_exact_match() -> None:
    # rule: otherwise prediction.lower() == target.lower()
    assert relaxed_accuracy("Germany", "germany") == 1.0
    assert relaxed_accuracy("Germany.", "germany") == 0.0
    # rule: a zero target is falsy, so it falls back to the string comparison
    assert relaxed_accuracy("0.01", "0") == 0.0
    assert relaxed_accuracy("0.0", "0") == 0.0
    assert relaxed_accuracy("0", "0") == 1.0
    assert relaxed_accuracy("17", ["x", "17.5"]) == 1.0  # any target
    # unicode case: str.lower keeps "ß"
    assert relaxed_accuracy("STRASSE", "straße") == 0.0


def test_relaxed_empty_strings() -> None:
    # rule: "" is no number, so "" == "" as strings
    assert relaxed_accuracy("", "") == 1.0
    assert relaxed_accuracy("", "0") == 0.0


def test_relaxed_deliberate_differences_and_the_strict_switch() -> None:
    # official reads thousands separators; the reference's float("1,030") fails -> strings differ
    assert relaxed_accuracy("1,030", "1000") == 1.0
    assert relaxed_accuracy("1,030", "1000", profile="strict") == 0.0
    # official strips before the string comparison; the reference compares "germany " as is
    assert relaxed_accuracy("Germany ", "germany") == 1.0
    assert relaxed_accuracy("Germany ", "germany", profile="strict") == 0.0
    # the reference reads "nan" as a float, and nan is never within tolerance
    assert relaxed_accuracy("nan", "nan", profile="strict") == 0.0
    # both agree on plain numbers
    assert relaxed_accuracy("105", "100", profile="strict") == 1.0


def test_relaxed_contains_profile() -> None:
    assert relaxed_accuracy("The answer is 17", "17") == 0.0
    assert relaxed_accuracy("The answer is 17", "17", profile="contains") == 1.0


def test_exact_match() -> None:
    # rule: lower-case, delete string.punctuation, compare
    assert exact_match("Yes.", ["yes"]) == 1.0
    assert exact_match("yes it is", ["yes"]) == 0.0
    assert exact_match("yes it is", ["yes"], profile="contains") == 1.0
    assert exact_match("yesterday", ["yes"], profile="contains") == 0.0


def test_exact_match_whitespace_switch() -> None:
    # official collapses the whitespace punctuation removal leaves; lmms-eval compares
    # "left  side" (two spaces) with "left side"
    assert exact_match("left - side", ["left side"]) == 1.0
    assert exact_match("left - side", ["left side"], profile="strict") == 0.0
    assert exact_match("  left  side ", "left side") == 1.0
    assert exact_match("  left  side ", "left side", profile="strict") == 0.0
    assert exact_match("Left side!", ["left side"], profile="strict") == 1.0


def test_exact_match_unicode_case_and_empty() -> None:
    # unicode case: str.lower (numpy's char.lower) keeps "ß", so "STRASSE" is not "straße"
    assert exact_match("STRASSE", ["straße"]) == 0.0
    assert exact_match("STRAßE", ["straße"]) == 1.0
    # empty strings: "" equals "", and a reply of punctuation only becomes ""
    assert exact_match("", [""], profile="strict") == 1.0
    assert exact_match("?!", [""], profile="strict") == 1.0
    assert exact_match("", ["yes"]) == 0.0
