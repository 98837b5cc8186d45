"""Reading free text against the truth: which scene objects a description names, with which
colour and position, and whether an answer is right.

Only objects count ("shape" and "composite" kinds); parts (door, petal, ...) may be named
freely without being scored. A repeat of an already matched name and colour (the merge weaves a
child's sentence in after its parent's, which often names it again) is neither right nor wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ouro_toolkit.scenes.language import NUMBER_WORDS, plural, qa_pairs
from ouro_toolkit.scenes.truth import Scene, SceneObject
from ouro_toolkit.scenes.vocab import COMPOSITES, NAME_SYNONYMS, PART_COLOURS, SHAPES

OBJECT_NAMES = (*SHAPES, *COMPOSITES)
_WORD = re.compile(r"[a-z]+|\d+|[.!?;:]")
_NAMES: dict[str, str] = {}
for _name, _words in NAME_SYNONYMS.items():
    for _word in _words:
        _NAMES.setdefault(_word, _name)
        _NAMES.setdefault(plural(_word), _name)
_COLOURS = {c: c for c in PART_COLOURS} | {"grey": "gray", "violet": "purple", "golden": "yellow"}
_NUMBERS = {w: i for i, w in enumerate(NUMBER_WORDS)} | {"a": 1, "an": 1, "single": 1}

# (pattern, canonical 3x3 word); tried in order, so corners before edges.
_POSITIONS = [
    (re.compile(r"\b(?:top|upper)[\s-]+left\b"), "top left"),
    (re.compile(r"\b(?:top|upper)[\s-]+right\b"), "top right"),
    (re.compile(r"\b(?:bottom|lower)[\s-]+left\b"), "bottom left"),
    (re.compile(r"\b(?:bottom|lower)[\s-]+right\b"), "bottom right"),
    (re.compile(r"\b(?:at the top|upper part|upper half|top part|top half|top edge)\b"), "top"),
    (
        re.compile(
            r"\b(?:at the bottom|lower part|lower half|bottom part|bottom half|bottom edge)\b"
        ),
        "bottom",
    ),
    (
        re.compile(
            r"\b(?:in the (?:center|centre|middle)|at the (?:center|centre)|center of the)\b"
        ),
        "center",
    ),
    (
        re.compile(
            r"\b(?:on the left|left side|left part|left half|in the left|to the left side)\b"
        ),
        "left",
    ),
    (
        re.compile(
            r"\b(?:on the right|right side|right part|right half|in the right|to the right side)\b"
        ),
        "right",
    ),
]


@dataclass
class Mention:
    name: str  # canonical object name
    colour: str | None
    position: str | None  # a 3x3 position word, when the sentence gives one
    count: int = 1
    sentence_colours: frozenset[str] = frozenset()  # every colour its sentence names


def sentence_position(sentence: str) -> str | None:
    lowered = sentence.lower()
    for pattern, word in _POSITIONS:
        if pattern.search(lowered):
            return word
    return None


def mentions(text: str, names: tuple[str, ...] = OBJECT_NAMES) -> list[Mention]:
    """Every naming of an object in `text`: its name, the colour just before it, the sentence's
    position phrase, and a count for plurals ('three red circles')."""
    out: list[Mention] = []
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", text):
        position = sentence_position(sentence)
        tokens = _WORD.findall(sentence.lower())
        colours = frozenset(_COLOURS[t] for t in tokens if t in _COLOURS)
        for i, token in enumerate(tokens):
            name = _NAMES.get(token)
            if name is None or name not in names:
                continue
            if i + 1 < len(tokens) and tokens[i + 1] in _NAMES:
                continue  # a modifier: 'flower head', 'car window'
            colour, count = None, 1
            for back in reversed(tokens[max(0, i - 4) : i]):
                if back in _NAMES or back in ".!?;:":
                    break
                if colour is None and back in _COLOURS:
                    colour = _COLOURS[back]
                if back in _NUMBERS:
                    count = _NUMBERS[back]
                elif back.isdigit():
                    count = int(back)
            out.append(Mention(name, colour, position, max(1, count), colours))
    return out


def scored_objects(scene: Scene) -> list[SceneObject]:
    """The objects a description is scored on: free shapes (nested ones too) and composites."""
    return [o for o in scene.objects if o.kind != "part"]


@dataclass
class DescriptionScore:
    objects: int  # ground-truth objects
    mentions: int  # object namings in the text, repeats left out
    named: int  # objects matched by name
    right_colour: int  # ... whose mention gave their colour
    right_position: int  # ... whose mention gave their position (in the image or the parent)
    repeats: int = 0
    matched: list[tuple[int, Mention]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.named / self.mentions if self.mentions else 0.0

    @property
    def recall(self) -> float:
        return self.named / self.objects if self.objects else 0.0

    @property
    def colour_recall(self) -> float:
        return self.right_colour / self.objects if self.objects else 0.0

    @property
    def position_recall(self) -> float:
        return self.right_position / self.objects if self.objects else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_description(scene: Scene, text: str) -> DescriptionScore:
    """Match the text's object mentions to the scene's objects: same name, preferring the same
    colour, then the same position; each object and each mention is used once."""
    objects = scored_objects(scene)
    free = {o.id: o for o in objects}
    matched: list[tuple[int, Mention]] = []
    mentioned = repeats = 0
    previous: Mention | None = None
    for said in mentions(text):
        if said.count == 1 and _repeat(said, previous, [m for _, m in matched], free):
            repeats += 1
            previous = said
            continue
        previous = said
        for _ in range(said.count):
            mentioned += 1
            candidates = [o for o in free.values() if o.name == said.name]
            if candidates:
                best = max(
                    candidates,
                    key=lambda o: (o.colour == said.colour, _position_right(o, said, scene), -o.id),
                )
                matched.append((best.id, said))
                del free[best.id]
    by_id = {o.id: o for o in objects}
    return DescriptionScore(
        objects=len(objects),
        mentions=mentioned,
        named=len(matched),
        right_colour=sum(_colour_right(by_id[i], m) for i, m in matched),
        right_position=sum(_position_right(by_id[i], m, scene) for i, m in matched),
        repeats=repeats,
        matched=matched,
    )


def _repeat(
    said: Mention, previous: Mention | None, matched: list[Mention], free: dict[int, SceneObject]
) -> bool:
    """The same object named again: right after itself ('A pink flower. A pink flower of five
    petals'); without a colour after a matched mention of its name ('the circle'); or with a
    colour that only an already matched object of its name has (a part's crop describing its
    owner again, from another place in the tree)."""
    if said.colour is not None and any(
        m.name == said.name and m.colour == said.colour for m in matched
    ):
        if not any(o.name == said.name and o.colour == said.colour for o in free.values()):
            return True

    def same(other: Mention) -> bool:
        return (
            other.name == said.name
            and said.colour in (None, other.colour)
            and said.position in (None, other.position)
        )

    if previous is not None and same(previous):
        return True
    return said.colour is None and any(same(m) for m in matched)


def _colour_right(obj: SceneObject, mention: Mention) -> bool:
    # A house or sign is named by its parts' colours ('a house with a red wall'): any colour of
    # the sentence may carry it. A shape's colour is the word just before its name.
    if obj.kind == "composite" and mention.colour is None:
        return obj.colour in mention.sentence_colours
    return mention.colour == obj.colour


def _position_right(obj: SceneObject, mention: Mention, scene: Scene | None = None) -> bool:
    # Right in the image or in the parent; a shape inside another may also share its place.
    places = {obj.position, obj.position_in_parent}
    if scene is not None and obj.parent:
        places.add(scene.object(obj.parent).position)
    return mention.position in places


# --- answers -----------------------------------------------------------------------------------


def first_number(text: str) -> int | None:
    for token in _WORD.findall(text.lower()):
        if token.isdigit():
            return int(token)
        if token in _NUMBERS and token not in ("a", "an", "single"):
            return _NUMBERS[token]
    return None


def colours_in(text: str) -> set[str]:
    return {_COLOURS[t] for t in _WORD.findall(text.lower()) if t in _COLOURS}


_TEXT_FILLER = {
    "the",
    "sign",
    "says",
    "say",
    "it",
    "reads",
    "word",
    "text",
    "is",
    "a",
    "written",
    "on",
}


def answer_is_right(kind: str, expected: str, prediction: str) -> bool:
    """Exact scoring of one answer of `qa_pairs` kind `kind` (first line of the prediction)."""
    line = next((ln.strip() for ln in prediction.splitlines() if ln.strip()), "")
    if kind == "colour":
        return colours_in(line) == {expected}
    if kind == "count":
        return first_number(line) == int(expected)
    if kind == "text":
        words = [w for w in re.findall(r"[a-z0-9]+", line.lower()) if w not in _TEXT_FILLER]
        return words == [expected.lower()]
    # An object answer: the right name (and colour, when one is said), and no other object.
    name = expected.split()[-1]
    colour = expected.split()[0] if " " in expected else None
    said = mentions(line, tuple(NAME_SYNONYMS))
    if not said or {m.name for m in said} != {name}:
        return False
    return all(m.colour in (None, colour) for m in said)


# --- judging free QA against the truth --------------------------------------------------------

_COLOUR_Q = re.compile(r"what colou?r is the (?P<x>.+?)\??$")
_COUNT_Q = re.compile(
    r"how many (?P<x>.+?)(?: are there| can you see| do you see)?(?: in the (?:image|picture))?\??$"
)
_TEXT_Q = re.compile(
    r"what (?:does|do) the (?P<x>.+?) (?:say|read)|what is written on the (?P<y>.+?)\??$"
)
_WHERE_Q = re.compile(r"where is the (?P<x>.+?)\??$")


@dataclass(frozen=True)
class Judgement:
    judged: bool  # an exact question of the scene, or a form read here (colour, count, text, where)
    answerable: bool  # ... and the truth gives it exactly one answer
    correct: bool


def judge_qa(scene: Scene, question: str, answer: str) -> Judgement:
    """Is a free QA pair answerable from this scene's truth, and is its answer right?

    One of the scene's exact questions (`qa_pairs`, every kind the benchmark asks: left of,
    above and inside too) is judged as the benchmark scores it; other questions by their form.
    """
    q = " ".join(question.lower().strip().split())
    exact = {" ".join(p["question"].lower().split()): p for p in qa_pairs(scene)}
    if q in exact:
        pair = exact[q]
        return Judgement(True, True, answer_is_right(pair["kind"], pair["answer"], answer))
    if m := _COLOUR_Q.match(q):
        said = mentions(m["x"], tuple(NAME_SYNONYMS))
        fitting = {o.colour for o in scene.objects if said and _fits(o, said[0])}
        if len(fitting) != 1:  # no such object, or several of different colours
            return Judgement(True, False, False)
        return Judgement(True, True, colours_in(answer) == fitting)
    if m := _COUNT_Q.match(q):
        said = mentions(m["x"], tuple(NAME_SYNONYMS))
        if len(said) != 1:
            return Judgement(True, False, False)
        want = sum(_fits(o, said[0]) for o in scene.objects)
        return Judgement(True, True, first_number(answer) == want)
    if m := _TEXT_Q.match(q):
        target = _unique(scene, m["x"] or m["y"] or "")
        if target is None or not target.text:
            return Judgement(True, False, False)
        return Judgement(True, True, answer_is_right("text", target.text, answer))
    if m := _WHERE_Q.match(q):
        target = _unique(scene, m["x"])
        if target is None:
            return Judgement(True, False, False)
        place = sentence_position(f"at the {answer}") or sentence_position(answer)
        return Judgement(True, True, place in (target.position, target.position_in_parent))
    return Judgement(False, False, False)


def _fits(obj: SceneObject, mention: Mention) -> bool:
    return obj.name == mention.name and mention.colour in (None, obj.colour)


def _unique(scene: Scene, phrase: str) -> SceneObject | None:
    said = mentions(phrase, tuple(NAME_SYNONYMS))
    if not said:
        return None
    head = said[0]  # 'door of the house': the first noun is the one asked about
    found = [o for o in scene.objects if _fits(o, head)]
    return found[0] if len(found) == 1 else None
