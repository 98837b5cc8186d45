"""What a perfect describer would say, from the truth: the ground-truth oracle's two answers.

- `describe_region(scene, box)`: the label and description of the true object that best matches
  the box by IoU; a box matching none well gets the objects that lie mostly inside it, or the
  object it is a fragment of, or "background". The whole image gets its background only, so
  every object a d0 names has come through the region tree.
- `qa_about(scene, d0)`: what a perfect QA writer given the image, the prompt and d0 writes
  (`QA = VLM(I, P, d0)`): exact questions of the kinds the `scenes` benchmark scores (colour,
  count, sign text, left of, above, inside), one per kind first, only about objects d0 names,
  answered from the image (the truth) in the benchmark's answer forms. The oracle backend's QA.
- `qa_from_description(d0)`: question-answer pairs written from d0 alone (never the truth), so
  their correctness measures what d0 carries (`scene_quality` uses it).
"""

from __future__ import annotations

import random
import re

from ouro_toolkit.regions.box import box_area, intersection, iou
from ouro_toolkit.scenes.language import (
    NUMBER_WORDS,
    QA_KIND_ASPECT,
    describe_object,
    join_list,
    pick_qa,
    plural,
    qa_pairs,
    with_article,
)
from ouro_toolkit.scenes.matching import mentions
from ouro_toolkit.scenes.truth import Scene, SceneObject

MIN_IOU = 0.5  # a box at least this close to an object is that object's crop
MOSTLY_INSIDE = 0.5  # share of an object's box inside a crop for the crop to show it
MAX_QA = 5


def _phrase(obj: SceneObject) -> str:
    if obj.name == "sign":
        return f'a sign that says "{obj.text}"'
    if obj.name == "text":
        return f'the word "{obj.text}"'
    if obj.name == "house":
        return f"a house with {with_article(obj.colour)} wall"
    return with_article(f"{obj.colour} {obj.name}")


def describe_region(
    scene: Scene, box: tuple[float, ...], min_iou: float = MIN_IOU
) -> tuple[str, str]:
    """(label, description) for the crop `box` (full-image pixels) of `scene`."""
    whole = (0, 0, scene.width, scene.height)
    if iou(box, whole) >= 0.95:
        return "scene", f"A picture on a {scene.background} {scene.background_kind} background."
    scored = [(iou(box, o.bbox), o) for o in scene.objects]
    best_iou, best = max(scored, key=lambda pair: (pair[0], -pair[1].depth), default=(0.0, None))
    if best is not None and best_iou >= min_iou:
        return _label(best), describe_object(scene, best)
    inside = [
        o for o in scene.objects if intersection(o.bbox, box) >= MOSTLY_INSIDE * box_area(o.bbox)
    ]
    shown = {o.id for o in inside}
    # An object stands for its parts: list a part only when its owner is not listed.
    tops = [o for o in inside if not _has_ancestor_in(scene, o, shown)]
    if tops:
        tops.sort(key=lambda o: -box_area(o.bbox))
        text = join_list([_phrase(o) for o in tops])
        return tops[0].name, text[:1].upper() + text[1:] + "."
    holders = [
        o for o in scene.objects if intersection(o.bbox, box) >= MOSTLY_INSIDE * box_area(box)
    ]
    if holders:
        deepest = max(holders, key=lambda o: o.depth)
        return deepest.name, f"Part of {_phrase(deepest)}."
    return "background", "Plain background."


def _label(obj: SceneObject) -> str:
    # A flower's head, seen alone, is a flower; the text part is read as a word.
    return {"head": "flower", "text": "word"}.get(obj.name, obj.name)


def _has_ancestor_in(scene: Scene, obj: SceneObject, ids: set[int]) -> bool:
    parent = obj.parent
    while parent:
        if parent in ids:
            return True
        parent = scene.object(parent).parent
    return False


def qa_about(
    scene: Scene, description: str, k: int = MAX_QA, rng: random.Random | None = None
) -> list[dict[str, str]]:
    """Up to `k` exact pairs about the objects `description` names, one per kind first:
    {question, answer, aspect, kind}, the answer as the benchmark scores it ('red', '3', 'OPEN',
    'blue circle', 'sign'). `rng` picks among them (default: seeded by the scene)."""
    named = {m.name for m in mentions(description)}
    pool = []
    for pair in qa_pairs(scene):
        asked = {m.name for m in mentions(pair["question"])}
        if pair["kind"] in ("left_of", "above", "inside"):
            asked |= {m.name for m in mentions(pair["answer"])}
        if asked and asked <= named:
            pool.append(pair)
    chosen = pick_qa(pool, k, rng or random.Random(scene.seed))
    return [
        {
            "question": p["question"],
            "answer": p["answer"],
            "aspect": QA_KIND_ASPECT[p["kind"]],
            "kind": p["kind"],
        }
        for p in chosen
    ]


def qa_from_description(description: str) -> list[dict[str, str]]:
    """Up to five exact QA pairs read off d0: colours, counts, the sign's word, positions."""
    found = mentions(description)
    by_name: dict[str, list] = {}
    for m in found:
        by_name.setdefault(m.name, []).append(m)
    pairs: list[dict[str, str]] = []
    for name, said in by_name.items():
        coloured = {m.colour for m in said if m.colour}
        if len(coloured) == 1 and name not in ("house", "sign"):
            pairs.append(_qa(f"What colour is the {name}?", coloured.pop(), "object details"))
    for name, said in by_name.items():
        if name not in ("house", "sign", "flower", "car"):
            # Distinct (colour, position) namings: a repeat of one is the same object.
            n = len({(m.colour, m.position) for m in said})
            word = NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else str(n)
            pairs.append(_qa(f"How many {plural(name)} are there?", word, "object details"))
    quoted = _quoted_words(description)
    if "sign" in by_name and len(quoted) == 1:
        pairs.append(_qa("What does the sign say?", quoted[0], "scene context"))
    for name, said in by_name.items():
        placed = {m.position for m in said if m.position}
        if len(said) == 1 and len(placed) == 1:
            pairs.append(_qa(f"Where is the {name}?", placed.pop(), "spatial relationships"))
    return pairs[:MAX_QA]


def _quoted_words(text: str) -> list[str]:
    return sorted(set(re.findall(r'"([A-Za-z]+)"', text)))


def _qa(question: str, answer: str, aspect: str) -> dict[str, str]:
    return {"question": question, "answer": answer, "aspect": aspect}
