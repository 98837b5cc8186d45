"""The description scorer on scenes built by hand, each figure worked out against the truth:
a mention with no colour or the wrong colour names its object but not its colour, and two
objects of one name are told apart by colour before position, whatever order the text takes."""

from __future__ import annotations

from dataclasses import replace

from ouro_toolkit.scenes.matching import DescriptionScore, score_description
from ouro_toolkit.scenes.truth import Scene, SceneObject
from ouro_toolkit.scenes.vocab import POSITIONS

CELL = 100  # a 300x300 image, one 100-pixel cell per 3x3 position word
CELL_OF = {word: cell for cell, word in POSITIONS.items()}


def _object(id_: int, name: str, colour: str, position: str, kind: str = "shape") -> SceneObject:
    row, col = CELL_OF[position]
    box = (col * CELL + 20, row * CELL + 20, col * CELL + 80, row * CELL + 80)
    return SceneObject(
        id=id_,
        parent=0,
        depth=1,
        kind=kind,
        name=name,
        shape="group" if kind == "composite" else name,
        colour=colour,
        size="small",
        bbox=box,
        position=position,
        position_in_parent=position,
    )


def _scene(*objects: tuple[str, str, str]) -> Scene:
    """Top-level shapes from (name, colour, position), ids 1, 2, ... in the order given."""
    return Scene(
        seed=0,
        width=3 * CELL,
        height=3 * CELL,
        background="beige",
        background_kind="flat",
        objects=[_object(i, *spec) for i, spec in enumerate(objects, start=1)],
    )


def _figures(score: DescriptionScore) -> tuple[int, int, int, int, list[int]]:
    """(mentions, named, right colour, right position, matched object ids in text order)."""
    return (
        score.mentions,
        score.named,
        score.right_colour,
        score.right_position,
        [i for i, _ in score.matched],
    )


TWO_CIRCLES = _scene(("circle", "orange", "top left"), ("circle", "brown", "bottom right"))


def test_a_mention_without_a_colour_names_the_object_but_not_its_colour():
    scene = _scene(("circle", "red", "center"))
    score = score_description(scene, "A circle.")
    assert _figures(score) == (1, 1, 0, 0, [1])
    assert score.recall == 1.0 and score.colour_recall == 0.0


def test_a_wrong_colour_names_the_object_but_not_its_colour():
    scene = _scene(("circle", "red", "center"))
    score = score_description(scene, "A green circle in the center.")
    assert _figures(score) == (1, 1, 0, 1, [1])
    assert score.precision == 1.0 and score.colour_recall == 0.0
    assert _figures(score_description(scene, "A red circle.")) == (1, 1, 1, 0, [1])


def test_a_house_is_coloured_by_any_colour_of_its_sentence_but_not_without_one():
    scene = _scene(("house", "red", "left", "composite"))
    assert _figures(score_description(scene, "A house with a red wall.")) == (1, 1, 1, 0, [1])
    assert _figures(score_description(scene, "A house.")) == (1, 1, 0, 0, [1])
    assert _figures(score_description(scene, "A house with a blue door.")) == (1, 1, 0, 0, [1])


def test_a_part_is_neither_an_object_to_find_nor_a_mention():
    house = _object(1, "house", "red", "left", "composite")
    door = replace(_object(2, "door", "blue", "left", "part"), parent=1, depth=2)
    scene = replace(_scene(), objects=[house, door])
    score = score_description(scene, "A red house with a blue door.")
    assert (score.objects, *_figures(score)) == (1, 1, 1, 1, 0, [1])


def test_two_circles_named_in_the_other_order_each_get_their_own_colour():
    # The later object (id 2, brown) is named first: colour, not id order, picks it.
    score = score_description(TWO_CIRCLES, "A brown circle. An orange circle.")
    assert _figures(score) == (2, 2, 2, 0, [2, 1])
    assert score.colour_recall == 1.0


def test_colour_outranks_position_and_position_breaks_a_colourless_tie():
    # With no colour the text's position picks the brown circle; with a colour, the colour
    # picks it even where the text places the orange one.
    assert _figures(score_description(TWO_CIRCLES, "A circle at the bottom right.")) == (
        1,
        1,
        0,
        1,
        [2],
    )
    assert _figures(score_description(TWO_CIRCLES, "A brown circle in the top left.")) == (
        1,
        1,
        1,
        0,
        [2],
    )


def test_three_objects_out_of_order_with_positions():
    scene = _scene(
        ("circle", "red", "top left"), ("circle", "blue", "bottom right"), ("star", "yellow", "top")
    )
    text = "A blue circle at the bottom right. A yellow star. A red circle in the top left."
    score = score_description(scene, text)
    assert _figures(score) == (3, 3, 3, 2, [2, 3, 1])
    # One circle too many, in a colour the scene lacks: a mention with no object left.
    extra = score_description(scene, text + " A green circle.")
    assert _figures(extra) == (4, 3, 3, 2, [2, 3, 1])
    assert extra.precision == 0.75 and extra.recall == 1.0
