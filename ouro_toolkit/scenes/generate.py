"""`generate_scene(seed)`: one seeded, deterministic scene with its full ground truth.

Layout rules, so scenes are not trivial but stay answerable:
- every object lies inside the image, `margin` px from its edges;
- composite objects (house, sign, flower, car) touch nothing: their parts and words stay whole;
- free shapes may overlap each other, up to `max_overlap` of the smaller box, and the one
  drawn later hides part of the other (`occluded_by` records it); none contains another;
- a shape drawn inside a container shape (circle, square, rectangle) is its child in the true
  tree, and nothing else covers it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from PIL import ImageDraw

import ouro_toolkit.scenes.pieces as pieces
from ouro_toolkit.regions.box import intersection
from ouro_toolkit.scenes.draw import background, draw_piece
from ouro_toolkit.scenes.pieces import Piece
from ouro_toolkit.scenes.truth import Scene, SceneObject, parse_scene_id, position_word, size_class
from ouro_toolkit.scenes.vocab import (
    BACKGROUND_KINDS,
    BACKGROUNDS,
    COLOURS,
    COMPOSITES,
    CONTAINERS,
    SHAPES,
)

SIDES = (224, 252, 280, 308, 336, 364, 392, 420, 448)  # multiples of 28
# Target side of a free shape as a share of the image's shorter side, per size class.
SIDE_SHARES = {"small": (0.11, 0.16), "medium": (0.2, 0.28), "large": (0.34, 0.42)}


@dataclass(frozen=True)
class SceneConfig:
    min_objects: int = 2
    max_objects: int = 8
    composite_rate: float = 0.35  # chance that an object is a house, sign, flower or car
    nested_rate: float = 0.3  # chance that a medium/large container shape holds a small shape
    max_overlap: float = 0.2  # of the smaller box, between two free shapes
    sides: tuple[int, ...] = SIDES
    background_kinds: tuple[str, ...] = BACKGROUND_KINDS
    margin: int = 4
    gap: int = 6  # clear pixels around a composite object
    attempts: int = 40  # placements tried per object before it is shrunk, then dropped

    @classmethod
    def simple(cls) -> SceneConfig:
        """Few, separate objects on flat ground: the easy end, for sanity figures."""
        return cls(
            min_objects=2,
            max_objects=4,
            nested_rate=0.0,
            max_overlap=0.0,
            background_kinds=("flat",),
        )


PRESETS: dict[str, SceneConfig] = {"scene": SceneConfig(), "simple": SceneConfig.simple()}


def generate_scene(seed: int, config: SceneConfig | str = "scene", *, render: bool = True) -> Scene:
    """The scene for `seed`: the same seed and config always give the same pixels and truth.

    `config` is a preset name (see `PRESETS`) or a `SceneConfig`; the scene's id names the preset
    ("custom" for a config that is none of them), so `scene_from_id` can make it again.
    """
    if isinstance(config, str):
        if config not in PRESETS:
            raise ValueError(
                f"unknown scene preset {config!r}; known presets: {', '.join(PRESETS)}"
            )
        preset, config = config, PRESETS[config]
    else:
        preset = next((name for name, c in PRESETS.items() if c == config), "custom")
    rng = random.Random(seed)
    width, height = rng.choice(config.sides), rng.choice(config.sides)
    bg_name = rng.choice(tuple(BACKGROUNDS))
    bg_kind = rng.choice(config.background_kinds)
    wanted = rng.randint(config.min_objects, config.max_objects)
    candidates = [_new_object(rng, config, min(width, height)) for _ in range(wanted)]
    candidates.sort(key=lambda p: -p.width * p.height)  # big ones first: they are hardest to fit
    placed: list[Piece] = []
    for piece in candidates:
        spot = _place(rng, config, piece, placed, width, height)
        if spot is not None:
            placed.append(spot)
    # Free shapes in random order (later ones cover earlier ones), composites on top.
    shapes = [p for p in placed if p.kind == "shape"]
    rng.shuffle(shapes)
    order = shapes + [p for p in placed if p.kind == "composite"]
    scene = Scene(seed, width, height, bg_name, bg_kind, _truth(order, width, height), preset)
    if render:
        image = background(
            bg_kind, BACKGROUNDS[bg_name], width, height, np.random.default_rng(seed)
        )
        draw = ImageDraw.Draw(image)
        for top in order:
            for piece in top.walk():
                draw_piece(draw, piece)
        scene.image = image
    return scene


def generate_scenes(seeds: range | list[int], config: SceneConfig | str = "scene") -> list[Scene]:
    return [generate_scene(seed, config) for seed in seeds]


def scene_from_id(text: str, *, render: bool = True) -> Scene | None:
    """The scene a scene id (or a row id ending in one) names, made again; None if it names none."""
    parsed = parse_scene_id(text)
    if parsed is None or parsed[0] not in PRESETS:
        return None
    return generate_scene(parsed[1], parsed[0], render=render)


def _new_object(rng: random.Random, config: SceneConfig, short_side: int) -> Piece:
    if rng.random() < config.composite_rate:
        kind = rng.choice(COMPOSITES)
        if kind == "house":
            return pieces.house(rng, round(short_side * rng.uniform(0.3, 0.42)))
        if kind == "sign":
            return pieces.sign(rng, round(min(44, max(26, short_side * rng.uniform(0.09, 0.12)))))
        if kind == "flower":
            return pieces.flower(rng, round(short_side * rng.uniform(0.3, 0.42)))
        return pieces.car(rng, round(short_side * rng.uniform(0.34, 0.46)))
    size = rng.choice(tuple(SIDE_SHARES))
    side = round(short_side * rng.uniform(*SIDE_SHARES[size]))
    shape = rng.choice(SHAPES)
    piece = pieces.shape_piece(shape, rng.choice(tuple(COLOURS)), side, rng)
    if shape in CONTAINERS and size != "small" and rng.random() < config.nested_rate:
        piece.children.append(_inner_shape(rng, piece))
    return piece


def _inner_shape(rng: random.Random, container: Piece) -> Piece:
    """A shape 40% as wide as `container`, inside its inscribed square (circle) or its inner 80%."""
    w, h = container.width, container.height
    if container.shape == "circle":
        room = 0.7 * w
        rx0, ry0, rx1, ry1 = (w - room) / 2, (h - room) / 2, (w + room) / 2, (h + room) / 2
    else:
        rx0, ry0, rx1, ry1 = 0.1 * w, 0.1 * h, 0.9 * w, 0.9 * h
    colour = rng.choice([c for c in COLOURS if c != container.colour])
    inner = pieces.shape_piece(rng.choice(SHAPES), colour, round(min(w, h) * 0.4), rng)
    ox = rx0 + rng.uniform(0, max(0.0, rx1 - rx0 - inner.width))
    oy = ry0 + rng.uniform(0, max(0.0, ry1 - ry0 - inner.height))
    x0, y0 = container.box[0], container.box[1]
    return inner.moved(x0 + round(ox), y0 + round(oy))


def _place(
    rng: random.Random,
    config: SceneConfig,
    piece: Piece,
    placed: list[Piece],
    width: int,
    height: int,
) -> Piece | None:
    for scale in (1.0, 0.8, 0.64):
        candidate = piece if scale == 1.0 else _scaled(rng, piece, scale)
        room_x = width - 2 * config.margin - candidate.width
        room_y = height - 2 * config.margin - candidate.height
        if room_x < 0 or room_y < 0:
            continue
        for _ in range(config.attempts):
            x = config.margin + rng.randint(0, room_x) - candidate.box[0]
            y = config.margin + rng.randint(0, room_y) - candidate.box[1]
            moved = candidate.moved(x, y)
            if all(_compatible(config, moved, other) for other in placed):
                return moved
    return None


def _scaled(rng: random.Random, piece: Piece, scale: float) -> Piece:
    # Rebuilding keeps proportions exact; a fresh sub-stream keeps the outer stream unchanged.
    sub = random.Random(rng.random())
    if piece.kind == "shape":
        side = max(8, round(max(piece.width, piece.height) * scale))
        out = pieces.shape_piece(piece.shape, piece.colour, side, sub)
        if piece.children:
            out.children.append(_inner_shape(sub, out))
        return out
    if piece.name == "house":
        return pieces.house(sub, round(piece.width * scale))
    if piece.name == "sign":
        return pieces.sign(sub, max(26, round(piece.children[0].children[0].font_size * scale)))
    if piece.name == "flower":
        return pieces.flower(sub, round(piece.height * scale))
    return pieces.car(sub, round(piece.width * scale))


def _grown(box: tuple[int, int, int, int], by: int) -> tuple[int, int, int, int]:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def _compatible(config: SceneConfig, a: Piece, b: Piece) -> bool:
    if a.kind == "composite" or b.kind == "composite":
        return intersection(_grown(a.box, config.gap), b.box) == 0
    # Nothing covers a shape drawn inside another.
    for holder, other in ((a, b), (b, a)):
        if any(intersection(_grown(c.box, config.gap), other.box) > 0 for c in holder.children):
            return False
    inter = intersection(a.box, b.box)
    smaller = min(_area(a.box), _area(b.box))
    if inter > config.max_overlap * smaller:
        return False
    return inter < smaller  # neither contains the other


def _area(box: tuple[int, int, int, int]) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


def _truth(order: list[Piece], width: int, height: int) -> list[SceneObject]:
    objects: list[SceneObject] = []
    image_box = (0, 0, width, height)

    def add(piece: Piece, parent: SceneObject | None) -> None:
        frame = parent.bbox if parent else image_box
        obj = SceneObject(
            id=len(objects) + 1,
            parent=parent.id if parent else 0,
            depth=parent.depth + 1 if parent else 1,
            kind=piece.kind,
            name=piece.name,
            shape=piece.shape,
            colour=piece.colour,
            size=size_class(piece.box, width, height),
            bbox=piece.box,
            position=position_word(piece.box, image_box),
            position_in_parent=position_word(piece.box, frame),
            text=piece.text,
        )
        objects.append(obj)
        for child in piece.children:
            add(child, obj)

    for top in order:
        add(top, None)
    # A top-level shape is occluded by every later top-level object whose box meets its own.
    tops = [o for o in objects if o.depth == 1]
    for i, obj in enumerate(tops):
        obj.occluded_by = [o.id for o in tops[i + 1 :] if intersection(o.bbox, obj.bbox) > 0]
    return objects
