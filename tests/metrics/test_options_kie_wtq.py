"""Option extraction from free text, DUE F1 on hand-counted cases, WTQ denotation accuracy."""

import pytest

from ouro_toolkit.metrics import (
    extract_option,
    kie_f1,
    kie_f1_detail,
    option_accuracy,
    wtq_accuracy,
)

CHOICES = ["cat", "dog", "black cat", "bird"]


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("B", 1),
        ("(C)", 2),
        ("C.", 2),
        ("D) bird", 3),
        ("B. dog", 1),
        ("The answer is D.", 3),
        ("Answer: (B)", 1),
        ("I choose option C", 2),
        ("dog", 1),
        ("It is a black cat.", 2),  # longest matching option wins over "cat"
        ("A cat.", 0),  # "A" here is the article; the option text decides
        ("A", 0),
        ("I'd say B here", 1),
        ("E", None),  # not an option
        ("xyz�B 8 qq", None),  # a capital glued to noise is not a choice
        (
            "This long reply rambles on and on about many things, and at one point says B in passing somewhere",
            None,
        ),
        ("something else", None),
        ("", None),
    ],
)
def test_extract_option(text: str, index: int | None) -> None:
    assert extract_option(text, CHOICES) == index


def test_option_accuracy() -> None:
    assert option_accuracy("B", CHOICES, 1) == 1.0
    assert option_accuracy("A", CHOICES, 1) == 0.0
    assert option_accuracy("Probably a dog or a bird", CHOICES, 1) == 0.0  # two options: none
    assert option_accuracy("Probably a dog or a bird", CHOICES, 1, profile="contains") == 1.0
    with pytest.raises(ValueError, match="outside"):
        option_accuracy("A", CHOICES, 7)


def test_kie_f1_counts_like_due() -> None:
    predictions = ["ACME Corp", "12/01/2020", "None", "wrong", "$100"]
    references = ["acme corp", "12/01/2020", "$5", "right", None]
    # predictions with a value: 4 ("None" is no prediction); references with a value: 4
    # true positives: 2 (case-insensitive match, exact match)
    result = kie_f1_detail(predictions, references)
    assert result.precision == pytest.approx(2 / 4)
    assert result.recall == pytest.approx(2 / 4)
    assert result.f1 == pytest.approx(0.5)
    assert result.per_item == [1.0, 1.0, 0.0, 0.0, 0.0]


def test_kie_f1_precision_recall_differ() -> None:
    # 1 TP, 1 prediction, 3 references: P = 1, R = 1/3, F1 = 0.5
    assert kie_f1(["x", None, ""], ["x", "y", "z"]) == pytest.approx(0.5)
    assert kie_f1(["y"], [["x", "Y"]]) == 1.0  # value variants
    assert kie_f1([None], [None]) == 0.0
    assert kie_f1(["Total: $5"], ["$5"], profile="contains") == 1.0
    with pytest.raises(ValueError, match="one reference per prediction"):
        kie_f1(["a"], [])


def test_wtq_denotation() -> None:
    assert wtq_accuracy("2", ["2"]) == 1.0
    assert wtq_accuracy("2.0", ["2"]) == 1.0  # numbers compare as numbers
    assert wtq_accuracy("Paris.", ["paris"]) == 1.0  # final period, case
    assert wtq_accuracy("Zürich", ["Zurich"]) == 1.0  # diacritics
    assert wtq_accuracy("“Yes”", ['"yes"']) == 1.0  # quotes
    assert wtq_accuracy("Paris (France)", ["Paris"]) == 1.0  # parenthesised detail
    assert wtq_accuracy("Bob[1]", ["Bob"]) == 1.0  # citation
    assert wtq_accuracy("1990-xx-xx", ["1990-XX-XX"]) == 1.0  # dates
    assert wtq_accuracy("Spain, Italy", ["Italy", "Spain"]) == 1.0  # set of values, any order
    assert wtq_accuracy("Italy|Spain", ["Italy", "Spain"]) == 1.0
    assert wtq_accuracy("Italy", ["Italy", "Spain"]) == 0.0  # missing a value
    assert wtq_accuracy("3", ["2"]) == 0.0
    assert wtq_accuracy("The answer is 2", ["2"]) == 0.0
    assert wtq_accuracy("The answer is 2", ["2"], profile="contains") == 1.0
