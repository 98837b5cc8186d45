"""Words from the truth: referring expressions, object descriptions, captions and exact QA.

- `describe_object(scene, obj)`: what a perfect describer would say about the object's crop
  (no image position: a crop does not show where it sits);
- `describe_scene(scene)`: the full true description, with sizes and positions;
- `caption(scene)`: one short sentence, like a captioning benchmark's;
- `qa_pairs(scene)`: every question with one exact, unambiguous answer.
"""

from __future__ import annotations

import random

from ouro_toolkit.regions.tree import NO_PARENT, ROOT_ID, RegionNode, RegionTree
from ouro_toolkit.scenes.truth import Scene, SceneObject
from ouro_toolkit.scenes.vocab import position_phrase

QA_KINDS = ("colour", "count", "text", "left_of", "above", "inside")
# Where each kind sits among the paper's five QA aspects (`ouro_toolkit.schema.QA_ASPECTS`).
QA_KIND_ASPECT = {
    "colour": "object details",
    "text": "object details",
    "count": "scene context",
    "left_of": "spatial relationships",
    "above": "spatial relationships",
    "inside": "spatial relationships",
}
# Parts a colour question may ask about (petals, heads and words have obvious or no colour).
COLOURED_PARTS = ("roof", "wall", "door", "window", "board", "post", "centre", "cabin", "body")
NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
)


def with_article(phrase: str) -> str:
    return ("an " if phrase[:1] in "aeiou" else "a ") + phrase


def join_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(name: str) -> str:
    return (
        name[:-1] + "ies"
        if name.endswith("y")
        else name + ("es" if name.endswith(("s", "x", "ch")) else "s")
    )


def _count_phrase(n: int, colour: str, name: str) -> str:
    return f"{NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else n} {colour} {plural(name) if n != 1 else name}"


def short_label(obj: SceneObject) -> str:
    """'red circle', 'house', 'sign', 'pink flower', 'blue car': how a caption names it."""
    if obj.name == "house":
        return "house"
    if obj.name == "sign":
        return f'sign that says "{obj.text}"'
    return f"{obj.colour} {obj.name}"


def describe_object(scene: Scene, obj: SceneObject) -> str:
    """A crop-level description of `obj`: its colour, its parts, its text; one or two sentences."""
    kids = scene.children(obj.id)
    by_name: dict[str, list[SceneObject]] = {}
    for kid in kids:
        by_name.setdefault(kid.name, []).append(kid)
    if obj.name == "house":
        roof, wall = by_name["roof"][0], by_name["wall"][0]
        return (
            f"A house with {with_article(wall.colour)} wall and {with_article(roof.colour)} roof. "
            + describe_object(scene, wall)
        )
    if obj.name == "wall":
        door = by_name["door"][0]
        windows = by_name.get("window", [])
        return f"A {obj.colour} wall with {with_article(door.colour)} door and {_count_phrase(len(windows), windows[0].colour, 'window')}."
    if obj.name == "sign":
        post = by_name["post"][0]
        return f'A {obj.colour} sign on {with_article(post.colour)} post. It says "{obj.text}".'
    if obj.name == "board":
        return f'A {obj.colour} board with the word "{obj.text}" on it.'
    if obj.name == "text":
        return f'The word "{obj.text}" in {obj.colour} letters.'
    if obj.name == "flower":
        head = by_name["head"][0]
        return f"A {obj.colour} flower on a green stem. " + describe_object(scene, head)
    if obj.name == "head":
        petals = by_name["petal"]
        centre = by_name["centre"][0]
        # Without its stem it still looks like a flower, and a describer would say so.
        return f"A {obj.colour} flower of {_count_phrase(len(petals), obj.colour, 'petal')} around {with_article(centre.colour)} centre."
    if obj.name == "car":
        wheels = by_name.get("wheel", [])
        return f"A {obj.colour} car with a white window and {_count_phrase(len(wheels), 'black', 'wheel')}."
    if obj.name == "cabin":
        return f"A {obj.colour} cabin with a white window."
    if obj.name == "body":
        return f"A {obj.colour} car body."
    text = f"{with_article(obj.colour + ' ' + obj.name).capitalize()}."
    if kids and obj.kind == "shape":
        inner = kids[0]
        text = f"{with_article(obj.colour + ' ' + obj.name).capitalize()} with {with_article(inner.colour + ' ' + inner.name)} inside it."
    return text


def true_tree(scene: Scene) -> RegionTree:
    """The scene's true region tree, breadth-first like a built one; labels and descriptions
    filled from the truth, proposer "truth"."""
    root = RegionNode(
        ROOT_ID, NO_PARENT, 0, (0.0, 0.0, float(scene.width), float(scene.height)), 1.0, "root"
    )
    nodes, index = [root], {0: 0}
    frontier = [0]
    while frontier:
        nxt = []
        for parent in frontier:
            for obj in scene.top_level() if parent == 0 else scene.children(parent):
                index[obj.id] = len(nodes)
                nodes.append(
                    RegionNode(
                        len(nodes),
                        index[parent],
                        obj.depth,
                        tuple(float(v) for v in obj.bbox),  # type: ignore[arg-type]
                        1.0,
                        "truth",
                        label=obj.label,
                        description=describe_object(scene, obj),
                        ocr_text=obj.text if obj.name == "text" else "",
                    )
                )
                nxt.append(obj.id)
        frontier = nxt
    return RegionTree(nodes)


def describe_scene(scene: Scene) -> str:
    """The full true description: background, then each top-level object with size and place."""
    sentences = [f"A picture on a {scene.background} {scene.background_kind} background."]
    for obj in scene.top_level():
        first, _, rest = describe_object(scene, obj).partition(". ")
        lead = first.rstrip(".")
        if obj.kind == "shape":
            # "A red circle ..." -> "A large red circle ...": re-article after adding the size.
            lead = with_article(obj.size + " " + lead.split(" ", 1)[1]).capitalize()
        sentences.append(f"{lead} {position_phrase(obj.position)}." + (f" {rest}" if rest else ""))
    return " ".join(sentences)


def caption(scene: Scene) -> str:
    """'A red circle, a house and a sign that says "OPEN" on a beige background.'"""
    labels = [short_label(o) for o in scene.top_level()]
    counts = {label: labels.count(label) for label in labels}
    items = [
        with_article(label) if n == 1 else f"{NUMBER_WORDS[n]} {plural(label)}"
        for label, n in counts.items()
    ]
    return (
        f"{join_list(items)[:1].upper()}{join_list(items)[1:]} on a {scene.background} background."
    )


def salient_caption(scene: Scene) -> str:
    """'A red circle on a beige background.': the biggest top-level object only, as alt-text
    names a photo's main subject and leaves the rest out (the captions a real VLM learns from)."""
    objects = scene.top_level()
    if not objects:
        return f"A picture of a {scene.background} background."
    main = max(objects, key=lambda o: ((o.bbox[2] - o.bbox[0]) * (o.bbox[3] - o.bbox[1]), -o.id))
    named = with_article(short_label(main))
    return f"{named[:1].upper()}{named[1:]} on a {scene.background} background."


def refer(scene: Scene, obj: SceneObject, *, with_colour: bool = True) -> str | None:
    """The shortest phrase that picks out `obj` alone ('red circle', 'door of the house'), or None."""
    same = [o for o in scene.objects if o.name == obj.name and o.id != obj.id]
    if obj.kind == "part":
        if not same:
            return obj.name
        parent = scene.object(obj.parent)
        siblings = [o for o in scene.children(parent.id) if o.name == obj.name and o.id != obj.id]
        owner = (
            parent
            if parent.kind == "composite"
            else scene.object(parent.parent)
            if parent.parent
            else None
        )
        # Without colour: the owner's colour is often the part's ('wall of the red house').
        owner_ref = refer(scene, owner, with_colour=False) if owner else None
        if siblings or owner_ref is None:
            return None
        return f"{obj.name} of the {owner_ref}"
    options = [
        ((), obj.name),
        (("colour",), f"{obj.colour} {obj.name}"),
        (("size", "colour"), f"{obj.size} {obj.colour} {obj.name}"),
        (("size",), f"{obj.size} {obj.name}"),
        (("position",), f"{obj.name} {position_phrase(obj.position)}"),
        (("colour", "position"), f"{obj.colour} {obj.name} {position_phrase(obj.position)}"),
    ]
    if obj.depth > 1:
        return None if same and not with_colour else _first_unique(options, obj, same, with_colour)
    return _first_unique(options, obj, same, with_colour)


def _first_unique(
    options, obj: SceneObject, same: list[SceneObject], with_colour: bool
) -> str | None:
    for keys, phrase in options:
        if "colour" in keys and not with_colour:
            continue
        if "position" in keys and obj.depth > 1:
            continue
        if not any(all(getattr(o, k) == getattr(obj, k) for k in keys) for o in same):
            return phrase
    return None


def answer_label(obj: SceneObject) -> str:
    """How an answer names an object: 'red circle', 'pink flower', 'sign'."""
    return "sign" if obj.name == "sign" else f"{obj.colour} {obj.name}"


def qa_pairs(scene: Scene) -> list[dict[str, str]]:
    """Every exact question this scene supports: {question, answer, kind, object}, kind in QA_KINDS."""
    pairs: list[dict[str, str]] = []

    def add(kind: str, question: str, answer: str, obj: SceneObject | None) -> None:
        pairs.append(
            {
                "question": question,
                "answer": answer,
                "kind": kind,
                "object": str(obj.id if obj else 0),
            }
        )

    for obj in scene.objects:
        if obj.kind == "shape" or obj.name in COLOURED_PARTS:
            ref = refer(scene, obj, with_colour=False)
            if ref:
                add("colour", f"What colour is the {ref}?", obj.colour, obj)
    shapes = [o for o in scene.objects if o.kind == "shape"]
    for name in sorted({o.name for o in shapes}):
        add(
            "count",
            f"How many {plural(name)} are there?",
            str(sum(o.name == name for o in shapes)),
            None,
        )
    for sign in (o for o in scene.objects if o.name == "sign"):
        ref = refer(scene, sign)
        if ref:
            add("text", f"What does the {ref} say?", sign.text, sign)
    tops = scene.top_level()
    for obj in tops:
        ref = refer(scene, obj)
        if not ref:
            continue
        left = [
            o for o in tops if o.bbox[2] <= obj.bbox[0] and _overlaps(o.bbox[1::2], obj.bbox[1::2])
        ]
        if len(left) == 1:
            add("left_of", f"What is to the left of the {ref}?", answer_label(left[0]), left[0])
        above = [
            o for o in tops if o.bbox[3] <= obj.bbox[1] and _overlaps(o.bbox[0::2], obj.bbox[0::2])
        ]
        if len(above) == 1:
            add("above", f"What is above the {ref}?", answer_label(above[0]), above[0])
        inner = scene.children(obj.id)
        if obj.kind == "shape" and len(inner) == 1:
            add("inside", f"What is inside the {ref}?", answer_label(inner[0]), inner[0])
    return pairs


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return min(a[1], b[1]) > max(a[0], b[0])


def sample_qa(scene: Scene, k: int, rng: random.Random) -> list[dict[str, str]]:
    """Up to `k` pairs of different kinds where possible, chosen with `rng`."""
    return pick_qa(qa_pairs(scene), k, rng)


def pick_qa(pool: list[dict[str, str]], k: int, rng: random.Random) -> list[dict[str, str]]:
    """Up to `k` of `pool`'s pairs (shuffled in place with `rng`), one per kind first."""
    rng.shuffle(pool)
    chosen: list[dict[str, str]] = []
    for pair in pool:
        if len(chosen) < k and pair["kind"] not in {c["kind"] for c in chosen}:
            chosen.append(pair)
    for pair in pool:
        if len(chosen) < k and pair not in chosen:
            chosen.append(pair)
    return chosen
