"""VQA accuracy and the reference answer processing, on cases worked out by hand.

Rules pinned: mmf's `EvalAIAnswerProcessor` as lmms-eval's TextVQA / OK-VQA / VizWiz tasks run it
(`processor="evalai"`), and the VQA challenge's `vqaEval.py` steps as lmms-eval's VQAv2 task runs
them (`processor="vqa"`); `strict` with "vqa" is `vqaEval.py` itself.
"""

import pytest

from ouro_toolkit.metrics import normalize_vqa_answer, vqa_accuracy

COMMON = [
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
    ("1,000", "1000"),
    # periods: kept between digits, removed elsewhere
    ("3.5", "3.5"),
    ("yes.", "yes"),
    ("mr. smith", "mr smith"),
    # colons are not in the list
    ("10:30", "10:30"),
    # whitespace, newlines, tabs and case
    ("  Yes\n", "yes"),
    ("New\tYork", "new york"),
    # empty strings stay empty
    ("", ""),
    # unicode case: str.lower keeps "ß"
    ("STRAßE", "straße"),
    ("STRASSE", "strasse"),
]


@pytest.mark.parametrize(("raw", "expected"), COMMON)
@pytest.mark.parametrize("processor", ["evalai", "vqa"])
def test_common_processing(raw: str, expected: str, processor: str) -> None:
    assert normalize_vqa_answer(raw, processor) == expected


@pytest.mark.parametrize(
    ("raw", "evalai", "vqa"),
    [
        # mmf's word_tokenize deletes every "," first, so no digit-comma-digit is left to make
        # every mark vanish: "-" then becomes a space
        ("1,000 hot-dogs", "1000 hot dogs", "1000 hotdogs"),
        # it deletes "?" outright; vqaEval.py replaces a "?" touching no space with a space
        ("what?ever", "whatever", "what ever"),
        # it splits "'s" off; vqaEval.py leaves apostrophes alone
        ("cat's", "cat 's", "cat's"),
        ("It's red", "it 's red", "it's red"),
    ],
)
def test_mmf_tokenisation_step(raw: str, evalai: str, vqa: str) -> None:
    assert normalize_vqa_answer(raw, "evalai") == evalai
    assert normalize_vqa_answer(raw, "vqa") == vqa
    assert normalize_vqa_answer(raw) == evalai  # the default processor is mmf's


def test_mmf_tokenisation_changes_scores() -> None:
    # "whats" -> "what's" (contraction table), but the human "what's" -> "what 's" under mmf
    answers = ["what's"] * 10
    assert vqa_accuracy("whats", answers) == 0.0
    assert vqa_accuracy("whats", answers, processor="vqa") == 1.0
    assert vqa_accuracy("what's", answers) == 1.0  # both sides split the same way


def test_period_strip_stops_after_32() -> None:
    # rule: the reference passes re.UNICODE (32) as re.sub's count, so only 32 periods go
    assert normalize_vqa_answer("." * 40) == "." * 8


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


def test_strict_vqaeval_leaves_identical_answers_alone() -> None:
    # vqaEval.py processes the prediction always, the human answers only when they differ
    same = ["Two"] * 10
    assert vqa_accuracy("2", same, processor="vqa") == 1.0  # official: answers become "2"
    assert vqa_accuracy("2", same, processor="vqa", profile="strict") == 0.0  # "2" != "Two"
    assert vqa_accuracy("Two", same, processor="vqa", profile="strict") == 0.0  # pred -> "2"
    # when they differ, vqaEval.py gives the answers punctuation processing only, no digits:
    # "two" stays "two" while the prediction "Two" becomes "2"
    mixed = ["two"] * 3 + ["three"] * 7
    assert vqa_accuracy("Two", mixed, processor="vqa") == pytest.approx(0.9)
    assert vqa_accuracy("Two", mixed, processor="vqa", profile="strict") == 0.0
    dotted = ["red."] * 3 + ["blue"] * 7  # "red." -> "red": the period goes
    assert vqa_accuracy("red", dotted, processor="vqa", profile="strict") == pytest.approx(0.9)
    # "red!" -> "red " (the "!" becomes a space that nothing strips), so it never matches "red"
    banged = ["red!"] * 3 + ["blue"] * 7
    assert vqa_accuracy("red", banged, processor="vqa", profile="strict") == 0.0
    # mmf's processor has no such step: strict is the same as official
    assert vqa_accuracy("2", same, profile="strict") == 1.0


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
    assert vqa_accuracy("", [""] * 10) == 1.0  # empty strings are equal after processing
    with pytest.raises(ValueError, match="official, strict, contains"):
        vqa_accuracy("yes", ["yes"], profile="loose")
    with pytest.raises(ValueError, match="evalai, vqa"):
        vqa_accuracy("yes", ["yes"], processor="mmf")
