"""Bottom-up merge of child descriptions into their parents: d^(t) = Merge(d^(t), {d^(t+1)}).

A child whose label matches an object named in its parent's description is woven in right after
the sentence that names it; an unmatched child is appended with where it sits in the parent
("In the upper left, ..."). Deepest level first, so each parent absorbs already-merged children.

A sentence already said (same words, case and punctuation aside) is not said again. With a word
budget, the finest details go first: whole regions are left out, deepest level first and, within
a level, weakest and smallest first, until d^(0) fits; a root description that alone is too long
keeps its first sentences.
"""

from __future__ import annotations

import re

from ouro_toolkit.annotate.labels import mentioning_sentence, split_sentences
from ouro_toolkit.regions.box import box_area
from ouro_toolkit.regions.tree import RegionNode, RegionTree

_NOT_WORD = re.compile(r"[^a-z0-9]+")
# The lead merge_children puts before an unmatched child: the same sentence with it is no new one.
_LEAD = re.compile(r"^in the (?:upper |lower )?(?:left|right|part|center) ")


def relative_position(child: RegionNode, parent: RegionNode) -> str:
    """'upper left', 'center', 'right', ... of the child's centre within the parent's box."""
    cx = ((child.bbox[0] + child.bbox[2]) / 2 - parent.bbox[0]) / max(parent.width, 1e-6)
    cy = ((child.bbox[1] + child.bbox[3]) / 2 - parent.bbox[1]) / max(parent.height, 1e-6)
    vertical = "upper" if cy < 1 / 3 else "lower" if cy > 2 / 3 else ""
    horizontal = "left" if cx < 1 / 3 else "right" if cx > 2 / 3 else ""
    if not vertical and not horizontal:
        return "center"
    if not vertical:
        return horizontal
    if not horizontal:
        return "upper part" if vertical == "upper" else "lower part"
    return f"{vertical} {horizontal}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _key(sentence: str) -> str:
    return _LEAD.sub("", _NOT_WORD.sub(" ", sentence.lower()).strip())


def _new_sentences(text: str, said: set[str]) -> str:
    """The sentences of `text` not yet in `said` (which they are added to)."""
    fresh = []
    for sentence in split_sentences(text):
        key = _key(sentence)
        if key and key not in said:
            said.add(key)
            fresh.append(sentence)
    return " ".join(fresh)


def merge_children(
    parent_text: str, parent: RegionNode, children: list[tuple[RegionNode, str]]
) -> str:
    """Weave each child's (already merged) text into the parent's text."""
    said: set[str] = set()
    sentences = split_sentences(_new_sentences(parent_text, said))
    woven: dict[int, list[str]] = {}
    unmatched: list[str] = []
    for child, text in children:
        text = _new_sentences(text, said)
        if not text.strip():
            continue
        index = mentioning_sentence(sentences, child.label) if child.label else None
        if index is None:
            where = relative_position(child, parent)
            lead = f"In the {where}" if where != "center" else "In the center"
            unmatched.append(f"{lead}, {_lower_first(_sentence(text))}")
        else:
            woven.setdefault(index, []).append(_sentence(text))
    parts: list[str] = []
    for index, sentence in enumerate(sentences):
        parts.append(_sentence(sentence))
        parts.extend(woven.get(index, []))
    parts.extend(unmatched)
    return " ".join(parts)


def _lower_first(text: str) -> str:
    # Keep acronyms and proper nouns ("OCR", "Paris") as written; lower only a plain capital word.
    first = text.split(" ", 1)[0]
    plain_capital = (
        first[:1].isupper() and (len(first) == 1 or first[1:].islower()) and first != "I"
    )
    return text[0].lower() + text[1:] if plain_capital else text


def word_count(text: str) -> int:
    return len(text.split())


def merge_tree(tree: RegionTree, max_words: int | None = None) -> str:
    """The hierarchical description d^(0): every node's description merged bottom-up into the root.

    With `max_words`, the finest regions are left out until d^(0) has at most that many words.
    """
    text = _merge(tree, left_out=set())
    if max_words is None or word_count(text) <= max_words:
        return text
    finest_first = sorted(
        tree.nodes[1:], key=lambda n: (-n.depth, n.score, box_area(n.bbox), -n.node_id)
    )
    left_out: set[int] = set()
    for node in finest_first:
        left_out.add(node.node_id)  # deeper nodes went first, so its whole subtree is out
        text = _merge(tree, left_out)
        if word_count(text) <= max_words:
            return text
    return _first_words(text, max_words)


def _merge(tree: RegionTree, left_out: set[int]) -> str:
    merged = {node.node_id: node.description for node in tree.nodes}
    for level in reversed(tree.levels()[:-1]):
        for node in level:
            children = [
                (child, merged[child.node_id])
                for child in tree.children(node)
                if child.node_id not in left_out
            ]
            merged[node.node_id] = (
                merge_children(merged[node.node_id], node, children)
                if children
                else _new_sentences(merged[node.node_id], set())
            )
    if len(tree.nodes) == 1:
        return _new_sentences(merged[tree.root.node_id], set())
    return merged[tree.root.node_id]


def _first_words(text: str, max_words: int) -> str:
    """Whole sentences up to `max_words`; a first sentence longer than that is cut at a word."""
    kept: list[str] = []
    count = 0
    for sentence in split_sentences(text):
        n = word_count(sentence)
        if count + n > max_words:
            break
        kept.append(sentence)
        count += n
    return " ".join(kept) if kept else " ".join(text.split()[:max_words])
