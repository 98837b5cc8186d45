"""VQA accuracy with the reference answer processing (VQAv2, OK-VQA, VizWiz, TextVQA).

Two processors, as lmms-eval runs them:

- `processor="evalai"` (TextVQA, OK-VQA, VizWiz): mmf's `EvalAIAnswerProcessor`, applied to the
  prediction and to every human answer. Its first step (`word_tokenize`) lower-cases, deletes
  every "," and "?", and splits "'s" off ("cat's" -> "cat 's"); then the common steps below.
- `processor="vqa"` (VQAv2): the common steps only, as in the VQA challenge's `vqaEval.py`.

The common steps:

1. newlines and tabs become spaces, surrounding whitespace goes;
2. punctuation: each mark in `_PUNCT` is deleted when it touches a space (or the text holds a
   digit-comma-digit like "1,000"), otherwise replaced by a space; a period not followed by a
   digit is deleted (so "3.5" keeps its point);
3. lower-case, number words zero..ten (and "none") become digits, the articles a/an/the go,
   unapostrophised contractions get their apostrophe back ("dont" -> "don't").

The score of a prediction against the 10 human answers is the mean, over the 10 subsets that
leave one answer out, of min(#answers in the subset equal to the prediction / 3, 1).

The Hub copies (lmms-lab/VQAv2, OK-VQA, VizWiz-VQA, textvqa) hold raw human answers, so both the
prediction and every answer are processed, as lmms-eval does. `vqaEval.py` itself processes the
human answers only when they are not all identical, and then only their punctuation; `strict`
with `processor="vqa"` does exactly that (so ten identical "Two" answers do not match "2").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ouro_toolkit.errors import check_known
from ouro_toolkit.metrics.profiles import CONTAINS, STRICT, check_profile, contains_any

# The official table: unapostrophised form -> canonical contraction.
_CONTRACTIONS = {
    "aint": "ain't", "arent": "aren't", "cant": "can't", "couldve": "could've",
    "couldnt": "couldn't", "couldn'tve": "couldn't've", "couldnt've": "couldn't've",
    "didnt": "didn't", "doesnt": "doesn't", "dont": "don't", "hadnt": "hadn't",
    "hadnt've": "hadn't've", "hadn'tve": "hadn't've", "hasnt": "hasn't", "havent": "haven't",
    "hed": "he'd", "hed've": "he'd've", "he'dve": "he'd've", "hes": "he's", "howd": "how'd",
    "howll": "how'll", "hows": "how's", "Id've": "I'd've", "I'dve": "I'd've", "Im": "I'm",
    "Ive": "I've", "isnt": "isn't", "itd": "it'd", "itd've": "it'd've", "it'dve": "it'd've",
    "itll": "it'll", "let's": "let's", "maam": "ma'am", "mightnt": "mightn't",
    "mightnt've": "mightn't've", "mightn'tve": "mightn't've", "mightve": "might've",
    "mustnt": "mustn't", "mustve": "must've", "neednt": "needn't", "notve": "not've",
    "oclock": "o'clock", "oughtnt": "oughtn't", "ow's'at": "'ow's'at", "'ows'at": "'ow's'at",
    "'ow'sat": "'ow's'at", "shant": "shan't", "shed've": "she'd've", "she'dve": "she'd've",
    "she's": "she's", "shouldve": "should've", "shouldnt": "shouldn't",
    "shouldnt've": "shouldn't've", "shouldn'tve": "shouldn't've", "somebody'd": "somebodyd",
    "somebodyd've": "somebody'd've", "somebody'dve": "somebody'd've",
    "somebodyll": "somebody'll", "somebodys": "somebody's", "someoned": "someone'd",
    "someoned've": "someone'd've", "someone'dve": "someone'd've", "someonell": "someone'll",
    "someones": "someone's", "somethingd": "something'd", "somethingd've": "something'd've",
    "something'dve": "something'd've", "somethingll": "something'll", "thats": "that's",
    "thered": "there'd", "thered've": "there'd've", "there'dve": "there'd've",
    "therere": "there're", "theres": "there's", "theyd": "they'd", "theyd've": "they'd've",
    "they'dve": "they'd've", "theyll": "they'll", "theyre": "they're", "theyve": "they've",
    "twas": "'twas", "wasnt": "wasn't", "wed've": "we'd've", "we'dve": "we'd've",
    "weve": "we've", "werent": "weren't", "whatll": "what'll", "whatre": "what're",
    "whats": "what's", "whatve": "what've", "whens": "when's", "whered": "where'd",
    "wheres": "where's", "whereve": "where've", "whod": "who'd", "whod've": "who'd've",
    "who'dve": "who'd've", "wholl": "who'll", "whos": "who's", "whove": "who've",
    "whyll": "why'll", "whyre": "why're", "whys": "why's", "wont": "won't",
    "wouldve": "would've", "wouldnt": "wouldn't", "wouldnt've": "wouldn't've",
    "wouldn'tve": "wouldn't've", "yall": "y'all", "yall'll": "y'all'll", "y'allll": "y'all'll",
    "yall'd've": "y'all'd've", "y'alld've": "y'all'd've", "y'all'dve": "y'all'd've",
    "youd": "you'd", "youd've": "you'd've", "you'dve": "you'd've", "youll": "you'll",
    "youre": "you're", "youve": "you've",
}  # fmt: skip
_NUMBER_WORDS = {
    "none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}  # fmt: skip
_ARTICLES = frozenset({"a", "an", "the"})
_PUNCT = (";", "/", "[", "]", '"', "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!")  # fmt: skip
_COMMA_BETWEEN_DIGITS = re.compile(r"(?<=\d)(,)+(?=\d)")
# The official pattern is written "(?!<=\d)(\.)(?!\d)": its first group is a (no-op) lookahead,
# not the lookbehind it looks like, so in effect it removes every period not followed by a digit.
_PERIOD = re.compile(r"\.(?!\d)")


PROCESSORS: tuple[str, ...] = ("evalai", "vqa")
# The reference passes re.UNICODE (32) where `re.sub` takes its count, so at most 32 periods go.
_PERIOD_COUNT = 32


def _process_punctuation(text: str) -> str:
    out = text
    has_number_comma = _COMMA_BETWEEN_DIGITS.search(text) is not None
    for mark in _PUNCT:
        # Decided on the *input* text, as the reference does.
        if f"{mark} " in text or f" {mark}" in text or has_number_comma:
            out = out.replace(mark, "")
        else:
            out = out.replace(mark, " ")
    return _PERIOD.sub("", out, count=_PERIOD_COUNT)


def _process_digits_articles(text: str) -> str:
    words = [_NUMBER_WORDS.get(w, w) for w in text.lower().split()]
    words = [w for w in words if w not in _ARTICLES]
    return " ".join(_CONTRACTIONS.get(w, w) for w in words)


def _word_tokenize(text: str) -> str:
    """mmf's first step: lower-case, drop "," and "?", split off "'s"."""
    return text.lower().replace(",", "").replace("?", "").replace("'s", " 's").strip()


def _clean_space(text: str) -> str:
    return text.replace("\n", " ").replace("\t", " ").strip()


def _check_processor(processor: str) -> None:
    check_known("VQA answer processor", [processor], PROCESSORS)


@lru_cache(maxsize=65536)  # human answers repeat heavily ("yes", "2", ...)
def normalize_vqa_answer(text: str, processor: str = "evalai") -> str:
    """The reference answer processing (see the module docstring)."""
    _check_processor(processor)
    if processor == "evalai":
        text = _word_tokenize(text)
    return _process_digits_articles(_process_punctuation(_clean_space(text)))


def _vqaeval_answers(answers: Sequence[str]) -> list[str]:
    """`vqaEval.py`'s human answers: untouched when all agree, else punctuation processed only."""
    if len(set(answers)) > 1:
        return [_process_punctuation(a) for a in answers]
    return list(answers)


def vqa_accuracy(
    prediction: str,
    answers: Sequence[str],
    *,
    profile: str = "official",
    processor: str = "evalai",
) -> float:
    """VQA accuracy of one prediction against its human answers (usually 10), in [0, 1].

    With 10 answers this is the official leave-one-out mean of min(#matches/3, 1); with fewer it
    is the same formula over however many there are. No answers -> 0.0.
    """
    check_profile(profile)
    _check_processor(processor)
    if not answers:
        return 0.0
    pred = normalize_vqa_answer(prediction or "", processor)
    if profile == STRICT and processor == "vqa":
        gts = _vqaeval_answers(answers)
    else:
        gts = [normalize_vqa_answer(a, processor) for a in answers]
    matches = sum(g == pred for g in gts)
    # Leaving out answer i removes one match exactly when answer i itself matched.
    per_subset = [min((matches - (g == pred)) / 3.0, 1.0) for g in gts]
    score = sum(per_subset) / len(per_subset)
    if profile == CONTAINS and contains_any(pred, gts):
        return 1.0
    return score
