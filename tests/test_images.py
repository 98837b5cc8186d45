import io

import numpy as np
import pytest
from PIL import Image

from ouro_toolkit.images import ImageLoadError, image_to_png_bytes, load_image
from tests.helpers.images import photo


def _png(image: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kw)
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["L", "RGBA", "CMYK", "P", "LA", "1", "I;16"])
def test_every_mode_becomes_rgb(mode, tmp_path):
    base = photo("coffee", (64, 48))
    if mode == "I;16":
        converted = Image.fromarray(np.asarray(base.convert("L"), dtype=np.uint16) * 257)
    else:
        converted = base.convert(mode)
    fmt = "JPEG" if mode == "CMYK" else ("TIFF" if mode == "I;16" else "PNG")
    path = tmp_path / f"img.{fmt.lower()}"
    converted.save(path, format=fmt)
    loaded = load_image(path)
    assert loaded.mode == "RGB" and loaded.size == (64, 48)
    pixels = np.asarray(loaded, dtype=np.int16)
    if mode == "CMYK":  # JPEG is lossy: close to the photo, not equal
        assert np.abs(pixels - np.asarray(base, dtype=np.int16)).mean() < 8
        return
    if mode == "I;16":  # stretched to 8 bits by its maximum (253 * 257 here, so 253 -> 255)
        grey = np.asarray(base.convert("L"), dtype=np.float64)
        assert grey.max() < 255
        converted = Image.fromarray((grey / grey.max() * 255).astype(np.uint8))
    # Lossless files, opaque alpha: exactly the pixels the file holds.
    assert np.array_equal(pixels, np.asarray(converted.convert("RGB")))
    assert pixels.std() > 0  # not a blank image


def test_rgba_alpha_composited_on_white():
    transparent = Image.new("RGBA", (8, 8), (255, 0, 0, 0))
    assert load_image(transparent).getpixel((0, 0)) == (255, 255, 255)


def test_exif_orientation_applied(tmp_path):
    image = photo("astronaut", (80, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    path = tmp_path / "rotated.jpg"
    image.save(path, exif=exif)
    assert load_image(path).size == (40, 80)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p, "no such file"),
        (lambda p: (p.write_text("not an image at all"), p)[1], "not an image"),
        (lambda p: (p.write_bytes(_png(photo("coffee"), "JPEG")[:300]), p)[1], "cannot decode"),
        (lambda p: (Image.new("RGB", (1, 1)).save(p, format="PNG"), p)[1], "smaller than"),
    ],
    ids=["missing", "text-file", "truncated", "1x1"],
)
def test_bad_files_raise_one_line_error_naming_file(tmp_path, make, message):
    path = make(tmp_path / "bad.png")
    with pytest.raises(ImageLoadError) as info:
        load_image(path)
    assert str(path) in str(info.value) and message in str(info.value)
    assert "\n" not in str(info.value)


def test_decompression_bomb_refused(tmp_path):
    # A 1-bit PNG of 20000x20000 is a few KB on disk and 400M pixels decoded.
    path = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000)).save(path)
    assert path.stat().st_size < 200_000
    with pytest.raises(ImageLoadError, match="bomb"):
        load_image(path)


def test_every_image_value_a_row_may_hold_is_read_in_one_place(tmp_path):
    from ouro_toolkit.images import image_field, image_parts, open_image_value

    picture = Image.new("RGB", (8, 6), "red")
    png = image_to_png_bytes(picture)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(png)
    assert image_parts({"bytes": png, "path": "a.png"}) == (png, "a.png")
    assert image_parts(png) == (png, None) and image_parts("a.png") == (None, "a.png")
    assert image_field(None) is None and image_field(picture)["bytes"] is not None
    for value in (picture, png, {"bytes": png, "path": None}, {"bytes": None, "path": "a.png"}):
        assert open_image_value(value, tmp_path).size == (8, 6)
    with pytest.raises(ImageLoadError, match="row has no image"):
        open_image_value({"bytes": None, "path": None})
    with pytest.raises(ImageLoadError, match="unsupported image value of type int"):
        image_parts(3)
    with pytest.raises(ImageLoadError, match="no such file"):
        open_image_value("missing.png", tmp_path)
