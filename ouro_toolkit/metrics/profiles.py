"""Scoring profiles.

`official` (the default): each benchmark's published or reference scorer (VQA accuracy, ANLS,
relaxed accuracy, ...), with a few deliberate differences that only ever accept more well-formed
answers (thousands separators in ChartQA numbers, more ways of naming an option, whitespace
collapsed after punctuation removal, ...). `docs/evaluation.md` lists each one with an example.
`strict`: the reference scorer to the letter, every deliberate difference switched off, so a number
can be reproduced exactly against a leaderboard or lmms-eval.
`contains`: the looser rule some baselines in the paper used (Monkey's numbers among them): a
prediction is right when it *contains* a ground-truth answer, on word boundaries after the same
normalisation the official scorer applies. A sample's `contains` score is never below its
`official` score, so the two profiles can be compared side by side.

Every result written by the evaluation runner names the profile it used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ouro_toolkit.errors import check_known

OFFICIAL = "official"
STRICT = "strict"
CONTAINS = "contains"
PROFILES: tuple[str, ...] = (OFFICIAL, STRICT, CONTAINS)


def check_profile(profile: str) -> str:
    """Return `profile` if it is known; raise `UnknownName` (a ValueError) naming the choices."""
    check_known("scoring profile", [profile], PROFILES)
    return profile


def contains_phrase(text: str, phrase: str) -> bool:
    """True when `phrase` occurs in `text` as whole words (both already normalised).

    Word boundaries keep "2" from matching inside "12" and "no" inside "north".
    """
    if not phrase:
        return False
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def contains_any(text: str, phrases: Iterable[str]) -> bool:
    return any(contains_phrase(text, p) for p in phrases)
