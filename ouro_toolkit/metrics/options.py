"""Option accuracy (ScienceQA-IMG, AI2D, IconQA multiple choice): which option did the model pick?

Prompts list options as "A. ...", "B. ..." and ask for the letter, but models also answer
"(B)", "b", "B. cat", "The answer is B", or just "cat". The reference rules, as lmms-eval runs them:

- ScienceQA (`sqa_process_results`, after LLaVA): the stripped reply equals the letter in any case
  ("b"), or starts with a capital letter and a period ("B. cat");
- AI2D (`MultiChoiceRegexFilter`, then `exact_match` ignoring case and punctuation): a reply
  starting with a capital letter and a period gives that letter; any other reply, lower-cased with
  punctuation deleted, must equal the letter ("b", "(b)", "b)").

`official` accepts every form either rule accepts and, on purpose, a few more that name one option
unambiguously. `extract_option` reads, in order:

1. a leading capital letter: "B", "(B)", "B.", "B)", "B:", "B. cat";
2. the whole reply as one letter in any case, brackets and punctuation aside: "b", "(b)", "b)";
3. an explicit statement: "answer is B", "answer: (B)", "option B";
4. the text of exactly one option (word boundaries, case-insensitive; when one option's text is
   contained in another's, the longest match wins);
5. in a short reply (up to 12 words), a lone capital letter naming an option, if exactly one
   such letter appears ("I'd say B").

Anything else is "no option" and scores 0. `strict` applies the benchmark's reference rule alone
(`rule="scienceqa"` or `"ai2d"`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

from ouro_toolkit.errors import check_known
from ouro_toolkit.metrics.profiles import CONTAINS, STRICT, check_profile, contains_phrase

# "(B)", "[B]", "B.", "B)", "B:", "B" alone; a bare letter before a space only from B on, since
# "A cat ..." starts with the article, not option A.
_LEADING = re.compile(r"^\s*(?:[\(\[]([A-Z])[\)\]]|([A-Z])(?=[\.\):,]|\s*$)|([B-Z])(?=\s))")
_STATED = re.compile(
    r"(?:answer\s*(?:is|:)|option|choice)\s*[:\-]?\s*[\(\[]?([A-Z])\b[\)\]]?", re.I
)
# A lone option letter, delimited the way people write one: "I'd say B here", "(B)", "B, because".
_LONE = re.compile(r"(?:^|(?<=[\s(\[]))([A-Z])(?=$|[\s)\].,:;!?])")
_LONE_MAX_WORDS = 12  # in long free text a stray capital letter is noise, not a choice
_PUNCT = str.maketrans("", "", string.punctuation)
_AI2D_LETTER = re.compile(r"^\s*([A-Z])\.")
RULES: tuple[str, ...] = ("scienceqa", "ai2d")


def letters(n: int) -> list[str]:
    return [chr(ord("A") + i) for i in range(n)]


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def extract_option(text: str, choices: Sequence[str]) -> int | None:
    """Index of the option `text` picks among `choices`, or None when it picks none."""
    if not text or not choices:
        return None
    valid = letters(len(choices))
    m = _LEADING.match(text)
    letter = m and next(g for g in m.groups() if g)
    if letter in valid:
        return valid.index(letter)
    whole = " ".join(text.translate(_PUNCT).split()).upper()
    if whole in valid:  # "b", "(b)", "b)": AI2D's case- and punctuation-blind comparison
        return valid.index(whole)
    m = _STATED.search(text)
    if m and m.group(1).upper() in valid:
        return valid.index(m.group(1).upper())
    norm_text = _norm(text)
    hits = [
        (len(_norm(c)), i)
        for i, c in enumerate(choices)
        if _norm(c) and contains_phrase(norm_text, _norm(c))
    ]
    if hits:
        hits.sort(reverse=True)
        if len(hits) == 1 or hits[0][0] > hits[1][0]:
            return hits[0][1]
    lone = {x for x in _LONE.findall(text) if x in valid}
    if len(lone) == 1 and len(text.split()) <= _LONE_MAX_WORDS:
        return valid.index(lone.pop())
    return None


def _scienceqa_rule(prediction: str, letter: str) -> bool:
    pred = prediction.strip()
    if pred.lower() == letter.lower():
        return True
    return (
        len(pred) >= 2
        and pred[0].isupper()
        and pred[1] == "."
        and pred[0].lower() == letter.lower()
    )


def _ai2d_rule(prediction: str, letter: str) -> bool:
    m = _AI2D_LETTER.match(prediction)
    pred = m.group(1) if m else prediction
    return pred.lower().translate(_PUNCT) == letter.lower()


def _check_rule(rule: str) -> None:
    check_known("option rule", [rule], RULES)


def option_accuracy(
    prediction: str,
    choices: Sequence[str],
    answer_index: int,
    *,
    profile: str = "official",
    rule: str = "scienceqa",
) -> float:
    """1.0 if the option extracted from `prediction` is `answer_index`, else 0.0.

    `strict` profile: only the reference `rule` ("scienceqa" or "ai2d") decides.
    `contains` profile: also right when the correct option's text appears in the prediction.
    """
    check_profile(profile)
    _check_rule(rule)
    if not 0 <= answer_index < len(choices):
        raise ValueError(f"answer_index {answer_index} is outside the {len(choices)} choices")
    if profile == STRICT:
        letter = letters(len(choices))[answer_index]
        right = _scienceqa_rule if rule == "scienceqa" else _ai2d_rule
        return 1.0 if right(prediction or "", letter) else 0.0
    if extract_option(prediction or "", choices) == answer_index:
        return 1.0
    if profile == CONTAINS and contains_phrase(
        _norm(prediction or ""), _norm(choices[answer_index])
    ):
        return 1.0
    return 0.0
