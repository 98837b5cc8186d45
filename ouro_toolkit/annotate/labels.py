"""Object-name matching: normalise labels and find the sentence of a text that mentions one."""

from __future__ import annotations

import re

# Small on purpose: common near-synonyms VLMs alternate between. Map each to one canonical name.
SYNONYMS = {
    "person": "person",
    "man": "person",
    "woman": "person",
    "people": "person",
    "boy": "person",
    "girl": "person",
    "child": "person",
    "kid": "person",
    "human": "person",
    "lady": "person",
    "guy": "person",
    "automobile": "car",
    "vehicle": "car",
    "auto": "car",
    "kitten": "cat",
    "kitty": "cat",
    "puppy": "dog",
    "mug": "cup",
    "tv": "television",
    "monitor": "screen",
    "display": "screen",
    "sign": "sign",
    "signboard": "sign",
    "signage": "sign",
    "text": "text",
    "writing": "text",
    "words": "text",
    "photo": "picture",
    "photograph": "picture",
    "image": "picture",
    "plant": "plant",
    "flower": "plant",
    "tree": "tree",
    "bike": "bicycle",
    "cellphone": "phone",
    "smartphone": "phone",
}
_IRREGULAR_PLURALS = {
    "people": "person",
    "men": "man",
    "women": "woman",
    "children": "child",
    "mice": "mouse",
    "feet": "foot",
    "teeth": "tooth",
    "geese": "goose",
}
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def singular(word: str) -> str:
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith(("ses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def canonical(word: str) -> str:
    word = singular(word.lower())
    return SYNONYMS.get(word, word)


def normalise_label(label: str) -> tuple[str, ...]:
    """'Red Cars' -> ('red', 'car'): lower case, singular, synonyms mapped."""
    return tuple(canonical(w) for w in _WORD.findall(label.lower()))


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


def mentioning_sentence(sentences: list[str], label: str) -> int | None:
    """Index of the first sentence that mentions the label's head noun (its last word), else None."""
    words = normalise_label(label)
    if not words:
        return None
    head = words[-1]
    for index, sentence in enumerate(sentences):
        if head in {canonical(w) for w in _WORD.findall(sentence.lower())}:
            return index
    return None
