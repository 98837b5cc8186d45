"""Option extraction, DUE F1 and WTQ denotation accuracy, on cases worked out by hand.

Rules pinned: lmms-eval's ScienceQA `sqa_process_results` (after LLaVA) and AI2D
`MultiChoiceRegexFilter` + `exact_match`; DUE's `FScorer` as DocOwl's `due_benchmarks_eval.py`
feeds it; Pasupat & Liang's WikiTableQuestions `evaluator.py` as DUE's `WtqScorer` runs it.
"""

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
        # lower-case letters, as lmms-eval's ScienceQA ("b") and AI2D ("b", "(b)", "b)") accept
        ("b", 1),
        ("(b)", 1),
        ("b)", 1),
        ("c.", 2),
        ("a", 0),
        ("The answer is D.", 3),
        ("Answer: (B)", 1),
        ("I choose option C", 2),
        ("dog", 1),
        ("It is a black cat.", 2),  # longest matching option wins over "cat"
        ("A cat.", 0),  # "A" here is the article; the option text decides
        ("A", 0),
        ("I'd say B here", 1),
        ("E", None),  # not an option
        ("e", None),
        ("b. something", None),  # a lower-case letter starts a sentence, not a choice
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
    assert option_accuracy("b", CHOICES, 1) == 1.0
    assert option_accuracy("A", CHOICES, 1) == 0.0
    assert option_accuracy("Probably a dog or a bird", CHOICES, 1) == 0.0  # two options: none
    assert option_accuracy("Probably a dog or a bird", CHOICES, 1, profile="contains") == 1.0
    with pytest.raises(ValueError, match="outside"):
        option_accuracy("A", CHOICES, 7)
    with pytest.raises(ValueError, match="scienceqa, ai2d"):
        option_accuracy("A", CHOICES, 0, rule="mmmu")


@pytest.mark.parametrize(
    ("reply", "scienceqa", "ai2d"),
    [
        # ScienceQA: pred.strip().lower() == letter, or a capital letter then "."
        # AI2D: "^\s*([A-Z])\." gives the letter, else the reply lower-cased without punctuation
        ("B", 1.0, 1.0),
        ("b", 1.0, 1.0),
        ("B.", 1.0, 1.0),
        ("B. dog", 1.0, 1.0),
        ("B.dog", 1.0, 1.0),
        ("(b)", 0.0, 1.0),
        ("(B)", 0.0, 1.0),
        ("b)", 0.0, 1.0),
        ("B)", 0.0, 1.0),
        ("b.", 0.0, 1.0),  # ScienceQA wants a capital before the period; AI2D drops the "."
        (" B ", 1.0, 0.0),  # ScienceQA strips; lmms-eval's exact_match does not
        ("b. dog", 0.0, 0.0),  # both regexes want a capital
        ("The answer is B", 0.0, 0.0),  # the extra forms are official's, not the references'
        ("dog", 0.0, 0.0),
        ("", 0.0, 0.0),  # an empty reply names nothing
    ],
)
def test_strict_option_rules(reply: str, scienceqa: float, ai2d: float) -> None:
    assert option_accuracy(reply, CHOICES, 1, profile="strict", rule="scienceqa") == scienceqa
    assert option_accuracy(reply, CHOICES, 1, profile="strict", rule="ai2d") == ai2d


def test_official_accepts_every_form_either_reference_accepts() -> None:
    for reply in ["B", "b", "B.", "B. dog", "(b)", "b)", "B)", "b.", " B "]:
        assert option_accuracy(reply, CHOICES, 1) == 1.0, reply


def test_kie_f1_counts_like_due() -> None:
    predictions = ["ACME Corp", "12/01/2020", "None", "wrong", "$100"]
    references = ["acme corp", "12/01/2020", "$5", "right", None]
    # predictions: 4 (DocOwl drops the exact reply "None"); references: 4
    # true positives: 2 (upper-cased "ACME CORP" on both sides, and the date)
    result = kie_f1_detail(predictions, references)
    assert result.precision == pytest.approx(2 / 4)
    assert result.recall == pytest.approx(2 / 4)
    assert result.f1 == pytest.approx(0.5)
    assert result.per_item == [1.0, 1.0, 0.0, 0.0, 0.0]


def test_kie_f1_precision_recall_differ() -> None:
    # 1 TP, 1 prediction (None is a failed generation: no prediction), 3 references... but ""
    # is a reply, so a prediction: P = 1/2, R = 1/3, F1 = 2 * (1/6) / (5/6) = 0.4
    assert kie_f1(["x", None, ""], ["x", "y", "z"]) == pytest.approx(0.4)
    assert kie_f1(["x", None, None], ["x", "y", "z"]) == pytest.approx(0.5)  # P 1, R 1/3
    assert kie_f1(["y"], [["x", "Y"]]) == 1.0  # value variants
    assert kie_f1([None], [None]) == 0.0
    assert kie_f1(["Total: $5"], ["$5"], profile="contains") == 1.0
    with pytest.raises(ValueError, match="one reference per prediction"):
        kie_f1(["a"], [])


def test_kie_no_answer_words_are_predictions() -> None:
    # rule: DocOwl drops only an exact "None"; "none", "N/A", "null" and "" are predictions,
    # false positives where the document has no value. 5 predictions, 1 TP, 1 reference:
    # P = 1/5, R = 1, F1 = 2 * 0.2 / 1.2 = 1/3
    predictions = ["x", "none", "N/A", "null", ""]
    references = ["x", None, None, None, None]
    result = kie_f1_detail(predictions, references)
    assert (result.precision, result.recall) == (pytest.approx(0.2), 1.0)
    assert result.f1 == pytest.approx(1 / 3)
    # the exact "None" (after DocOwl's strip) is no prediction: P = R = 1
    assert kie_f1(["x", "None", " None\n"], ["x", None, None]) == 1.0
    # a gold "None" is the DocDownstream jsonl's "no value": no reference either
    assert kie_f1(["x", "None"], ["x", "None"]) == 1.0


def test_kie_comparison_is_upper_cased_and_nothing_else() -> None:
    # rule: DUE's ignore_case upper-cases both sides; "ß".upper() is "SS"
    assert kie_f1(["STRASSE"], ["straße"]) == 1.0
    # no whitespace normalisation: a doubled space is a different value
    assert kie_f1(["ACME  Corp"], ["ACME Corp"]) == 0.0
    # DocOwl deletes newlines from the reply (without a space)
    assert kie_f1(["ACME\nCorp"], ["ACMECorp"]) == 1.0


def test_kie_duplicate_values() -> None:
    # variants of one value are one reference, however often they repeat
    assert kie_f1_detail(["x"], [["X", "X"]]).recall == 1.0
    # the same reply for two keys is two predictions; only the matching key counts
    result = kie_f1_detail(["y", "y"], ["y", "z"])
    assert (result.precision, result.recall, result.f1) == (0.5, 0.5, 0.5)


def test_wtq_denotation() -> None:
    assert wtq_accuracy("2", ["2"]) == 1.0
    assert wtq_accuracy("2.0", ["2"]) == 1.0  # numbers compare as numbers
    assert wtq_accuracy("Paris.", ["paris"]) == 1.0  # final period, case
    assert wtq_accuracy("Zürich", ["Zurich"]) == 1.0  # diacritics
    assert wtq_accuracy("“Yes”", ['"yes"']) == 1.0  # quotes
    assert wtq_accuracy("Paris (France)", ["Paris"]) == 1.0  # parenthesised detail
    assert wtq_accuracy("Bob[1]", ["Bob"]) == 1.0  # citation
    assert wtq_accuracy("Spain, Italy", ["Italy", "Spain"]) == 1.0  # set of values, any order
    assert wtq_accuracy("Italy|Spain", ["Italy", "Spain"]) == 1.0
    assert wtq_accuracy("Italy", ["Italy", "Spain"]) == 0.0  # missing a value
    assert wtq_accuracy("3", ["2"]) == 0.0
    assert wtq_accuracy("The answer is 2", ["2"]) == 0.0
    assert wtq_accuracy("The answer is 2", ["2"], profile="contains") == 1.0


def test_wtq_duplicate_values_form_a_set() -> None:
    # rule: to_value_list builds a set, so ["7", "7"] is the one value 7
    assert wtq_accuracy("7", ["7", "7"]) == 1.0
    assert wtq_accuracy("7", ["7", "7.0"]) == 1.0  # equal amounts are one number
    assert wtq_accuracy("7, 7", ["7"]) == 0.0  # one target: the reply is one value, "7, 7"
    assert wtq_accuracy("Paris|paris", ["Paris", "Rome"]) == 0.0  # {paris} vs {paris, rome}


def test_wtq_dates() -> None:
    # rule: a date with only the year known is the number of the year
    assert wtq_accuracy("1990", ["1990-xx-xx"]) == 1.0
    assert wtq_accuracy("1990-XX-XX", ["1990"]) == 1.0
    assert wtq_accuracy("1990.0", ["1990-xx-xx"]) == 1.0
    # rule: "xx" marks an unknown month or day, "xx" or "xxxx" an unknown year
    assert wtq_accuracy("xxxx-05-xx", ["xx-05-xx"]) == 1.0
    assert wtq_accuracy("2001-02-03", ["2001-2-3"]) == 1.0  # dates compare by their parts
    assert wtq_accuracy("2001-02-04", ["2001-2-3"]) == 0.0
    assert wtq_accuracy("2001-13-xx", ["2001-13-xx"]) == 1.0  # no date, but the same string


def test_wtq_value_type_is_decided_on_the_raw_string() -> None:
    # "10 (approx)" is no number, so its value is the string "10"; "10.0" is a number whose text
    # is "10.0": a string target matches on text only -> wrong
    assert wtq_accuracy("10.0", ["10 (approx)"]) == 0.0
    # the other way round, the number target 10 matches the string "10" on its text
    assert wtq_accuracy("10 (approx)", ["10"]) == 1.0
    # rule: an amount within 1e-6 of an integer becomes int(amount), which truncates
    assert wtq_accuracy("2.9999999", ["3"]) == 0.0
    assert wtq_accuracy("3.0000001", ["3"]) == 1.0


def test_wtq_unicode_case_and_empty_strings() -> None:
    # DUE's ignore_case upper-cases first, so "ß" becomes "SS" and then "ss"
    assert wtq_accuracy("Straße", ["strasse"]) == 1.0
    # empty strings: the string "" matches "", but not the number 0
    assert wtq_accuracy("", [""]) == 1.0
    assert wtq_accuracy("", ["0"]) == 0.0


def test_wtq_strict_keeps_the_reply_one_value() -> None:
    # DocOwl hands the scorer the reply as one value; official splits it when the target has more
    assert wtq_accuracy("Spain, Italy", ["Italy", "Spain"], profile="strict") == 0.0
    assert wtq_accuracy("Italy|Spain", ["Italy", "Spain"], profile="strict") == 0.0
    assert wtq_accuracy("7", ["7", "7"], profile="strict") == 1.0
    assert wtq_accuracy("1990", ["1990-xx-xx"], profile="strict") == 1.0
