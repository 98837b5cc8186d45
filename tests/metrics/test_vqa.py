"""VQA accuracy and the official answer normalisation, on cases worked out by hand from vqaEval.py."""

import pytest

from ouro_toolkit.metrics import normalize_vqa_answer, vqa_accuracy


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # number words become digits, articles go
        ("Two", "2"),
        ("none", "0"),
        ("ten", "10"),
        ("eleven", "eleven"),  # only zero..ten are mapped
        ("the red one", "red 1"),
        ("A dog", "dog"),
        ("an apple", "apple"),
        # contractions get their apostrophe back
        ("dont", "don't"),
        ("isnt it", "isn't it"),
        ("whats", "what's"),
        # punctuation: deleted when it touches a space, otherwise replaced by a space
        ("yes!", "yes"),
        ("hot-dog", "hot dog"),
        ("hot - dog", "hot dog"),
        ("red, white", "red white"),
        ("left/right", "left right"),
        # a digit-comma-digit anywhere makes every listed mark vanish
        ("1,000", "1000"),
        ("1,000 hot-dogs", "1000 hotdogs"),
        # periods: kept between digits, removed elsewhere
        ("3.5", "3.5"),
        ("yes.", "yes"),
        ("mr. smith", "mr smith"),
        # apostrophes and colons are not in the official list
        ("cat's", "cat's"),
        ("10:30", "10:30"),
        # whitespace, newlines, tabs and case
        ("  Yes\n", "yes"),
        ("New\tYork", "new york"),
    ],
)
def test_normalisation(raw: str, expected: str) -> None:
    assert normalize_vqa_answer(raw) == expected


def test_leave_one_out_mean_matches_the_official_formula() -> None:
    answers = ["2"] * 3 + ["3"] * 7
    # dropping one of the three "2"s leaves 2 matches (2/3); dropping a "3" leaves 3 (-> 1)
    assert vqa_accuracy("2", answers) == pytest.approx((3 * 2 / 3 + 7 * 1) / 10)
    assert vqa_accuracy("2", ["2"] * 2 + ["x"] * 8) == pytest.approx((2 * 1 / 3 + 8 * 2 / 3) / 10)
    assert vqa_accuracy("2", ["2"] + ["x"] * 9) == pytest.approx(9 * (1 / 3) / 10)
    assert vqa_accuracy("2", ["2"] * 4 + ["x"] * 6) == 1.0
    assert vqa_accuracy("5", ["2"] * 10) == 0.0


def test_normalisation_applies_to_prediction_and_answers() -> None:
    answers = ["two"] * 2 + ["2 "] * 2 + ["three"] * 6
    assert vqa_accuracy("Two.", answers) == 1.0  # 4 matches after normalisation
    assert vqa_accuracy("The dog", ["dog"] * 10) == 1.0
    assert vqa_accuracy("dont know", ["don't know"] * 3 + ["no"] * 7) == pytest.approx(0.9)


def test_contains_profile_is_looser_and_never_lower() -> None:
    answers = ["red"] * 10
    assert vqa_accuracy("It is red.", answers) == 0.0
    assert vqa_accuracy("It is red.", answers, profile="contains") == 1.0
    # word boundaries: "2" is not inside "12"
    assert vqa_accuracy("12", ["2"] * 10, profile="contains") == 0.0
    partial = ["2"] * 2 + ["x"] * 8
    assert vqa_accuracy("2", partial, profile="contains") >= vqa_accuracy("2", partial)


def test_edge_inputs() -> None:
    assert vqa_accuracy("yes", []) == 0.0
    assert vqa_accuracy("", ["yes"] * 10) == 0.0
    with pytest.raises(ValueError, match="official, contains"):
        vqa_accuracy("yes", ["yes"], profile="loose")
