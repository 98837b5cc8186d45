"""Loading images safely: one place that turns any file or bytes into an RGB PIL image.

Every caller (proposers, the annotator, builders, the pipeline, evaluation, training, the CLI)
goes through `load_image` (a row's image field through `image_parts` / `open_image_value`), so bad
input fails the same way everywhere: an `ImageLoadError` whose message names the input and the
problem, never a PIL traceback.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ouro_toolkit.errors import OuroError

# PIL's own default (~89M pixels) only warns; we refuse instead, at the same order of size.
MAX_IMAGE_PIXELS = 89_478_485
MIN_SIDE = 2


class ImageLoadError(OuroError, ValueError):
    """An image could not be turned into a usable RGB picture; the message says why."""


def _describe(source: str | Path | bytes) -> str:
    if isinstance(source, (bytes, bytearray)):
        return f"<{len(source)} bytes>"
    return str(source)


def load_image(
    source: str | Path | bytes | Image.Image, *, min_side: int = MIN_SIDE, name: str | None = None
) -> Image.Image:
    """Open `source` as an RGB image with its EXIF orientation applied.

    Accepts a path, raw bytes or a PIL image. 16-bit, palette, CMYK, grayscale and alpha images
    are converted to 8-bit RGB (alpha composited on white); an animated image gives its first
    frame. Raises `ImageLoadError` for missing, empty, truncated or non-image files, directories,
    decompression bombs and images smaller than `min_side`. Messages start with `name` (default:
    the path, or the size of the bytes).
    """
    if name is None:
        name = _describe(source) if not isinstance(source, Image.Image) else "<PIL image>"
    try:
        image = source if isinstance(source, Image.Image) else _open(source, name)
        image = ImageOps.exif_transpose(image) or image
        image = to_rgb(image)
    except ImageLoadError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageLoadError(f"{name}: refused as a decompression bomb ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageLoadError(f"{name}: cannot decode image ({exc})") from None
    if min(image.size) < min_side:
        raise ImageLoadError(
            f"{name}: image is {image.width}x{image.height}, smaller than {min_side}px on a side"
        )
    return image


def _open(source: str | Path | bytes, name: str) -> Image.Image:
    if isinstance(source, (bytes, bytearray)):
        fp: io.BytesIO | Path = io.BytesIO(source)
        size = len(source)
    else:
        fp = Path(source)
        if not fp.exists():
            raise ImageLoadError(f"{name}: no such file")
        if fp.is_dir():
            raise ImageLoadError(f"{name}: is a directory, not an image")
        size = fp.stat().st_size
    if size == 0:  # PIL would call it an unrecognised format: it is simply empty
        raise ImageLoadError(f"{name}: the file is empty (0 bytes)")
    with warnings.catch_warnings():
        # Make PIL's bomb *warning* an error too: we never want a 100M-pixel decode.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(fp)
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise ImageLoadError(
                    f"{name}: {image.width}x{image.height} exceeds the {MAX_IMAGE_PIXELS}-pixel limit "
                    "(decompression bomb guard)"
                )
            image.load()
        except UnidentifiedImageError:
            raise ImageLoadError(f"{name}: not an image file (unrecognised format)") from None
        except Image.DecompressionBombWarning as exc:
            raise ImageLoadError(f"{name}: refused as a decompression bomb ({exc})") from None
    return image


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any PIL mode to 8-bit RGB; alpha is composited on white."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        high = array.max() or 1.0
        image = Image.fromarray((array / high * 255.0).astype(np.uint8), mode="L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def image_to_png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def image_parts(value: Any) -> tuple[bytes | None, str | None]:
    """The bytes and path of any image value a row may hold: `{"bytes", "path"}` (a `datasets`
    Image column read with decode=False), raw bytes, a path, a PIL image (encoded in its own
    format, PNG when it has none) or None. Another type is an `ImageLoadError` naming it."""
    if value is None:
        return None, None
    if isinstance(value, dict):
        path = value.get("path")
        return value.get("bytes"), str(path) if path else None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value), None
    if isinstance(value, (str, Path)):
        return None, str(value) or None
    if isinstance(value, Image.Image):
        buffer = io.BytesIO()
        value.save(buffer, format=value.format or "PNG")
        return buffer.getvalue(), None
    raise ImageLoadError(f"unsupported image value of type {type(value).__name__}")


def image_field(value: Any) -> dict[str, Any] | None:
    """Any image value as the `{"bytes", "path"}` field an OURO row stores (None stays None)."""
    if value is None:
        return None
    data, path = image_parts(value)
    return {"bytes": data, "path": path}


def open_image_value(value: Any, base_dir: str | Path | None = None) -> Image.Image:
    """Any image value as RGB: its bytes when it has them, else its path (a relative one tried
    under `base_dir` and `base_dir/images` first). Every failure is an `ImageLoadError`."""
    if isinstance(value, Image.Image):
        return load_image(value)
    data, path = image_parts(value)
    if data:
        return load_image(data)
    if not path:
        raise ImageLoadError("row has no image (its `image` column is empty)")
    if base_dir and not Path(path).is_absolute():
        for candidate in (Path(base_dir) / path, Path(base_dir) / "images" / path):
            if candidate.is_file():
                return load_image(candidate)
    return load_image(path)
