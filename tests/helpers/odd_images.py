"""A corpus of odd and bad image files, made on the spot: what users' folders really hold.

`write_odd_images(folder)` writes every file and returns, for each name, `None` when the file is
a usable image, or the words its one-line error must contain.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from tests.helpers.images import photo

# 6000x4500 = 27M pixels: big, but under the decompression-bomb guard (89M).
HUGE = (6000, 4500)
BOMB = (10000, 9000)  # 90M pixels: refused


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_odd_images(folder: Path) -> dict[str, str | None]:
    folder.mkdir(parents=True, exist_ok=True)
    base = photo("coffee", (96, 64))
    expected: dict[str, str | None] = {}

    def save(name: str, image: Image.Image, error: str | None = None, **kw) -> None:
        image.save(folder / name, **kw)
        expected[name] = error

    save("thin_3000x4.png", photo("astronaut", (3000, 4)))
    save("thin_1x5000.png", photo("astronaut", (1, 5000)), "1x5000, smaller than 2px")
    save("huge.png", photo("rocket", HUGE))
    save("bomb.png", Image.new("L", BOMB, 128), "decompression bomb")
    gray = np.asarray(base.convert("L"), dtype=np.uint16) * 257
    save("sixteen_bit.png", Image.fromarray(gray))
    save("cmyk.jpg", base.convert("CMYK"))
    palette = base.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    save("palette_transparent.png", palette, transparency=0)
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90 degrees clockwise
    save("exif_rotated.jpg", photo("astronaut", (80, 40)), exif=exif)
    frames = [photo(name, (64, 48)) for name in ("coffee", "chelsea", "rocket")]
    frames[0].save(
        folder / "animated.gif", save_all=True, append_images=frames[1:], duration=100, loop=0
    )
    expected["animated.gif"] = None
    (folder / "truncated.png").write_bytes(_png(base)[:600])
    expected["truncated.png"] = "truncated"
    (folder / "empty.png").write_bytes(b"")
    expected["empty.png"] = "is empty (0 bytes)"
    (folder / "png_named.jpg").write_bytes(_png(base))  # a wrong extension, a good image
    expected["png_named.jpg"] = None
    (folder / "text_named.png").write_text("this is a note, not a picture\n")
    expected["text_named.png"] = "not an image file"
    (folder / "folder.png").mkdir()
    expected["folder.png"] = "is a directory"
    return expected
