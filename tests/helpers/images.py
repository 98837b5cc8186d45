"""Real photographs (scikit-image ships them) and images with text drawn by the tests."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont
from skimage import data


def photo(name: str = "astronaut", size: tuple[int, int] | None = None) -> Image.Image:
    image = Image.fromarray(getattr(data, name)()).convert("RGB")
    return image.resize(size) if size else image


def text_image(
    lines: list[str], size: tuple[int, int] = (640, 240), font_size: int = 40
) -> Image.Image:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=font_size)
    for i, line in enumerate(lines):
        draw.text((30, 30 + i * int(font_size * 1.8)), line, fill="black", font=font)
    return image
