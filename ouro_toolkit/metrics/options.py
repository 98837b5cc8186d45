"""Option accuracy (ScienceQA-IMG, AI2D, IconQA multiple choice): which option did the model pick?

Prompts list options as "A. ...", "B. ..." and ask for the letter, but models also answer
"(B)", "B. cat", "The answer is B", or just "cat". `extract_option` reads, in order:

1. a leading letter: "B", "(B)", "B.", "B)", "B:", "B. cat" (LLaVA/lmms-eval's rule for ScienceQA);
2. an explicit statement: "answer is B", "answer: (B)", "option B";
3. the text of exactly one option (word boundaries, case-insensitive; when one option's text is
   contained in another's, the longest match wins);
4. in a short reply (up to 12 words), a lone capital letter naming an option, if exactly one
   such letter appears ("I'd say B").

Anything else is "no option" and scores 0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ouro_toolkit.metrics.profiles import CONTAINS, check_profile, contains_phrase

# "(B)", "[B]", "B.", "B)", "B:", "B" alone; a bare letter before a space only from B on, since
# "A cat ..." starts with the article, not option A.
_LEADING = re.compile(r"^\s*(?:[\(\[]([A-Z])[\)\]]|([A-Z])(?=[\.\):,]|\s*$)|([B-Z])(?=\s))")
_STATED = re.compile(
    r"(?:answer\s*(?:is|:)|option|choice)\s*[:\-]?\s*[\(\[]?([A-Z])\b[\)\]]?", re.I
)
# A lone option letter, delimited the way people write one: "I'd say B here", "(B)", "B, because".
_LONE = re.compile(r"(?:^|(?<=[\s(\[]))([A-Z])(?=$|[\s)\].,:;!?])")
_LONE_MAX_WORDS = 12  # in long free text a stray capital letter is noise, not a choice


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


def option_accuracy(
    prediction: str,
    choices: Sequence[str],
    answer_index: int,
    *,
    profile: str = "official",
) -> float:
    """1.0 if the option extracted from `prediction` is `answer_index`, else 0.0.

    `contains` profile: also right when the correct option's text appears in the prediction.
    """
    check_profile(profile)
    if not 0 <= answer_index < len(choices):
        raise ValueError(f"answer_index {answer_index} is outside the {len(choices)} choices")
    if extract_option(prediction or "", choices) == answer_index:
        return 1.0
    if profile == CONTAINS and contains_phrase(
        _norm(prediction or ""), _norm(choices[answer_index])
    ):
        return 1.0
    return 0.0
