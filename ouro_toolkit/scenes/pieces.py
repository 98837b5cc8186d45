"""Pieces: what the generator lays out and draws, before they become ground-truth objects.

A piece is a shape with a colour and an integer box; a composite object (house, sign, flower,
car) is a tree of pieces built at the origin, then moved into place. The builders here decide
the parts and their proportions; `generate` decides where objects go.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import ImageFont

from ouro_toolkit.scenes.vocab import COLOURS, SIGN_WORDS

IntBox = tuple[int, int, int, int]


@dataclass
class Piece:
    name: str
    kind: str  # "shape" | "composite" | "part"
    shape: str  # what is drawn; "group" draws nothing (its box is its children's union)
    colour: str
    box: IntBox  # exclusive right/bottom
    text: str = ""
    font_size: int = 0
    children: list[Piece] = field(default_factory=list)

    def moved(self, dx: int, dy: int) -> Piece:
        x0, y0, x1, y1 = self.box
        return Piece(
            self.name,
            self.kind,
            self.shape,
            self.colour,
            (x0 + dx, y0 + dy, x1 + dx, y1 + dy),
            self.text,
            self.font_size,
            [c.moved(dx, dy) for c in self.children],
        )

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def _box(x0: float, y0: float, x1: float, y1: float) -> IntBox:
    return (round(x0), round(y0), max(round(x1), round(x0) + 1), max(round(y1), round(y0) + 1))


def union(boxes: list[IntBox]) -> IntBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _other(rng: random.Random, choices: tuple[str, ...], *avoid: str) -> str:
    return rng.choice([c for c in choices if c not in avoid])


@lru_cache(maxsize=64)
def font(size: int) -> ImageFont.FreeTypeFont:
    # Pillow's bundled scalable font: the same glyphs on every machine, no system fonts needed.
    return ImageFont.load_default(size=size)  # type: ignore[return-value]


STAR_HEIGHT = 0.951  # a 5-point star as wide as its box is this tall (R(1+cos 36°) / 2R sin 72°)


def shape_piece(shape: str, colour: str, side: int, rng: random.Random) -> Piece:
    """A free shape about `side` px across, at the origin."""
    if shape == "rectangle":
        aspect = rng.uniform(1.5, 2.2)
        w, h = (side, side / aspect) if rng.random() < 0.6 else (side / aspect, side)
    elif shape == "star":
        w, h = side, side * STAR_HEIGHT
    elif shape == "triangle":
        w, h = side, side * 0.87
    else:
        w, h = side, side
    return Piece(shape, "shape", shape, colour, _box(0, 0, w, h))


def house(rng: random.Random, w: int) -> Piece:
    roof_h, wall_h, eave = 0.42 * w, 0.62 * w, 0.07 * w
    wall_colour = rng.choice(tuple(COLOURS))
    roof = Piece(
        "roof", "part", "triangle", _other(rng, tuple(COLOURS), wall_colour), _box(0, 0, w, roof_h)
    )
    wx0, wx1, wy0 = eave, w - eave, roof_h
    ww = wx1 - wx0
    door_col = rng.randrange(3)
    dw, dh = 0.26 * ww, 0.5 * wall_h
    dx = wx0 + ww * (door_col + 0.5) / 3 - dw / 2
    door = Piece(
        "door",
        "part",
        "rectangle",
        _other(rng, tuple(COLOURS), wall_colour),
        _box(dx, wy0 + wall_h - dh, dx + dw, wy0 + wall_h),
    )
    win_side = 0.22 * ww
    cols = [0, 2] if rng.random() < 0.5 else [rng.choice([c for c in range(3) if c != door_col])]
    window_colour = _other(rng, ("white", "blue", "yellow"), wall_colour)
    windows = [
        Piece(
            "window",
            "part",
            "square",
            window_colour,
            _box(
                wx0 + ww * (c + 0.5) / 3 - win_side / 2,
                wy0 + 0.14 * wall_h,
                wx0 + ww * (c + 0.5) / 3 + win_side / 2,
                wy0 + 0.14 * wall_h + win_side,
            ),
        )
        for c in cols
    ]
    wall = Piece(
        "wall",
        "part",
        "rectangle",
        wall_colour,
        _box(wx0, wy0, wx1, wy0 + wall_h),
        children=[door, *windows],
    )
    return Piece(
        "house",
        "composite",
        "group",
        wall_colour,
        union([roof.box, wall.box]),
        children=[roof, wall],
    )


SIGN_BOARDS = {
    "yellow": "black",
    "white": "black",
    "orange": "black",
    "blue": "white",
    "green": "white",
    "red": "white",
}


def sign(rng: random.Random, font_size: int) -> Piece:
    word = rng.choice(SIGN_WORDS)
    board_colour = rng.choice(tuple(SIGN_BOARDS))
    left, top, right, bottom = font(font_size).getbbox(word)
    pad = 0.45 * font_size
    bw, bh = right - left + 2 * pad, bottom - top + 2 * pad
    # The text part's box is the ink box, found when drawn at (pad - left, pad - top).
    text = Piece(
        "text",
        "part",
        "text",
        SIGN_BOARDS[board_colour],
        _box(pad, pad, pad + right - left, pad + bottom - top),
        text=word,
        font_size=font_size,
    )
    board = Piece(
        "board", "part", "rectangle", board_colour, _box(0, 0, bw, bh), text=word, children=[text]
    )
    pw = max(6.0, 0.09 * bw)
    post = Piece(
        "post",
        "part",
        "rectangle",
        rng.choice(("brown", "gray", "black")),
        _box(bw / 2 - pw / 2, bh, bw / 2 + pw / 2, bh + 0.9 * bh),
    )
    return Piece(
        "sign",
        "composite",
        "group",
        board_colour,
        union([board.box, post.box]),
        text=word,
        children=[board, post],
    )


def flower(rng: random.Random, h: int) -> Piece:
    petal_colour = rng.choice(("red", "orange", "yellow", "blue", "purple", "pink"))
    centre_colour = _other(rng, ("yellow", "orange", "brown"), petal_colour)
    pr, cr, d = 0.15 * h, 0.11 * h, 0.2 * h
    hx = hy = d + pr
    n = rng.choice((5, 6))
    start = rng.uniform(0, 2 * math.pi)
    petals = []
    for i in range(n):
        a = start + 2 * math.pi * i / n
        px, py = hx + d * math.cos(a), hy + d * math.sin(a)
        petals.append(
            Piece("petal", "part", "circle", petal_colour, _box(px - pr, py - pr, px + pr, py + pr))
        )
    centre = Piece(
        "centre", "part", "circle", centre_colour, _box(hx - cr, hy - cr, hx + cr, hy + cr)
    )
    head_box = union([p.box for p in petals])
    head = Piece("head", "part", "group", petal_colour, head_box, children=[*petals, centre])
    sw = max(4.0, 0.07 * h)
    stem = Piece("stem", "part", "rectangle", "green", _box(hx - sw / 2, hy + cr, hx + sw / 2, h))
    return Piece(
        "flower",
        "composite",
        "group",
        petal_colour,
        union([head.box, stem.box]),
        children=[stem, head],
    )


def car(rng: random.Random, w: int) -> Piece:
    colour = _other(rng, tuple(COLOURS), "black", "gray")
    cabin = Piece("cabin", "part", "rectangle", colour, _box(0.2 * w, 0, 0.76 * w, 0.26 * w))
    cabin.children.append(
        Piece("window", "part", "rectangle", "white", _box(0.27 * w, 0.05 * w, 0.69 * w, 0.2 * w))
    )
    body = Piece("body", "part", "rectangle", colour, _box(0, 0.24 * w, w, 0.5 * w))
    r = 0.11 * w
    wheels = [
        Piece("wheel", "part", "circle", "black", _box(cx - r, 0.5 * w - r, cx + r, 0.5 * w + r))
        for cx in (0.22 * w, 0.78 * w)
    ]
    return Piece(
        "car",
        "composite",
        "group",
        colour,
        union([cabin.box, body.box, *[x.box for x in wheels]]),
        children=[cabin, body, *wheels],
    )
