"""Bottom-up merge of child descriptions into their parents: d^(t) = Merge(d^(t), {d^(t+1)}).

A child whose label matches an object named in its parent's description is woven in right after
the sentence that names it; an unmatched child is appended with where it sits in the parent
("In the upper left, ..."). Deepest level first, so each parent absorbs already-merged children.
"""

from __future__ import annotations

from ouro_toolkit.annotate.labels import mentioning_sentence, split_sentences
from ouro_toolkit.regions.tree import RegionNode, RegionTree


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


def merge_children(
    parent_text: str, parent: RegionNode, children: list[tuple[RegionNode, str]]
) -> str:
    """Weave each child's (already merged) text into the parent's text."""
    sentences = split_sentences(parent_text)
    woven: dict[int, list[str]] = {}
    unmatched: list[str] = []
    for child, text in children:
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


def merge_tree(tree: RegionTree) -> str:
    """The hierarchical description d^(0): every node's description merged bottom-up into the root."""
    merged = {node.node_id: node.description for node in tree.nodes}
    for level in reversed(tree.levels()[:-1]):
        for node in level:
            children = [(child, merged[child.node_id]) for child in tree.children(node)]
            if children:
                merged[node.node_id] = merge_children(merged[node.node_id], node, children)
    return merged[tree.root.node_id]
