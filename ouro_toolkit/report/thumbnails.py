"""A row's image as a small JPEG for the page, and its full size (the boxes' coordinate frame)."""

from __future__ import annotations

import base64
import io

from ouro_toolkit.images import load_image


def thumbnail(image_bytes: bytes, side: int, quality: int) -> tuple[str, int, int]:
    """(base64 JPEG no larger than `side` on its longest side, full width, full height).

    Decoded by the build's own loader (EXIF orientation applied), so boxes land where they were
    found. Raises `ImageLoadError` for bytes that are no image.
    """
    image = load_image(image_bytes)
    width, height = image.size
    small = image.copy()
    small.thumbnail((side, side))
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=quality, optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii"), width, height


def file_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
