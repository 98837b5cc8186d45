"""Painting a scene: its background, then its pieces in order (later pieces cover earlier ones)."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from ouro_toolkit.scenes.pieces import Piece, font
from ouro_toolkit.scenes.vocab import PART_COLOURS, RGB


def background(
    kind: str, colour: RGB, width: int, height: int, rng: np.random.Generator
) -> Image.Image:
    base = np.array(colour, dtype=np.float32)
    if kind == "flat":
        return Image.new("RGB", (width, height), colour)
    if kind == "gradient":
        shift = rng.uniform(-22, 22)
        vertical = rng.random() < 0.5
        n = height if vertical else width
        ramp = np.linspace(-shift, shift, n, dtype=np.float32)
        line = np.clip(base[None, :] + ramp[:, None], 0, 255).astype(np.uint8)
        if vertical:
            arr = np.broadcast_to(line[:, None, :], (height, width, 3))
        else:
            arr = np.broadcast_to(line[None, :, :], (height, width, 3))
        return Image.fromarray(np.ascontiguousarray(arr))
    # Light texture: low-resolution noise, smoothed up to full size.
    noise = rng.uniform(-9, 9, size=(max(2, height // 6), max(2, width // 6), 1)).astype(np.float32)
    small = np.clip(base + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(small).resize((width, height), Image.BILINEAR)


def _darker(rgb: RGB) -> RGB:
    return tuple(int(v * 0.62) for v in rgb)  # type: ignore[return-value]


def _star(box: tuple[int, int, int, int]) -> list[tuple[float, float]]:
    x0, y0, x1, _ = box
    r_out = (x1 - x0) / (2 * math.sin(math.radians(72)))
    r_in = r_out * 0.45
    cx, cy = (x0 + x1) / 2, y0 + r_out
    points = []
    for i in range(10):
        r = r_out if i % 2 == 0 else r_in
        a = math.radians(-90 + 36 * i)
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return points


def draw_piece(draw: ImageDraw.ImageDraw, piece: Piece) -> None:
    if piece.shape == "group":
        return
    x0, y0, x1, y1 = piece.box
    fill = PART_COLOURS[piece.colour]
    if piece.shape == "text":
        left, top, _, _ = font(piece.font_size).getbbox(piece.text)
        draw.text((x0 - left, y0 - top), piece.text, fill=fill, font=font(piece.font_size))
        return
    outline = _darker(fill)
    width = max(1, min(x1 - x0, y1 - y0) // 24)
    # PIL boxes are inclusive; ours are exclusive at the right and bottom.
    inclusive = (x0, y0, x1 - 1, y1 - 1)
    if piece.shape == "circle":
        draw.ellipse(inclusive, fill=fill, outline=outline, width=width)
    elif piece.shape in ("square", "rectangle"):
        draw.rectangle(inclusive, fill=fill, outline=outline, width=width)
    elif piece.shape == "triangle":
        draw.polygon(
            [(x0, y1 - 1), (x1 - 1, y1 - 1), ((x0 + x1 - 1) / 2, y0)],
            fill=fill,
            outline=outline,
            width=width,
        )
    elif piece.shape == "diamond":
        cx, cy = (x0 + x1 - 1) / 2, (y0 + y1 - 1) / 2
        draw.polygon(
            [(cx, y0), (x1 - 1, cy), (cx, y1 - 1), (x0, cy)],
            fill=fill,
            outline=outline,
            width=width,
        )
    elif piece.shape == "star":
        draw.polygon(_star((x0, y0, x1 - 1, y1 - 1)), fill=fill, outline=outline, width=width)
    else:
        raise ValueError(f"cannot draw shape {piece.shape!r}")
