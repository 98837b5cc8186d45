"""The scene vocabulary: colours, shapes, size classes, position words, sign words.

Everything a scene can contain is named here, so the generator, the captions and the scorers
agree on the words.
"""

from __future__ import annotations

RGB = tuple[int, int, int]

# Saturated, far-apart colours: a crop's colour has one obvious name.
COLOURS: dict[str, RGB] = {
    "red": (215, 38, 38),
    "orange": (245, 135, 25),
    "yellow": (240, 205, 30),
    "green": (40, 150, 60),
    "blue": (35, 85, 205),
    "purple": (125, 55, 175),
    "pink": (240, 115, 180),
    "brown": (125, 75, 35),
    "black": (25, 25, 25),
    "gray": (125, 125, 125),
}
# White is used for parts (windows, sign boards, letters), never for a free shape on a pale
# background.
PART_COLOURS: dict[str, RGB] = {**COLOURS, "white": (250, 250, 250)}

# Pale backgrounds, none of which is an object colour.
BACKGROUNDS: dict[str, RGB] = {
    "beige": (236, 228, 212),
    "light blue": (212, 228, 244),
    "light green": (220, 238, 214),
    "light gray": (226, 226, 226),
    "cream": (248, 242, 222),
}
BACKGROUND_KINDS = ("flat", "gradient", "textured")

SHAPES = ("circle", "square", "rectangle", "triangle", "star", "diamond")
# Shapes roomy enough to hold a smaller shape inside them.
CONTAINERS = ("circle", "square", "rectangle")
COMPOSITES = ("house", "sign", "flower", "car")

SIZES = ("small", "medium", "large")
# Size class from sqrt(box area) / the image's shorter side: below 0.18 small, below 0.32
# medium, else large. One rule for objects and parts alike.
SIZE_LIMITS = (0.18, 0.32)

# Short, common words in capitals: OCR reads them reliably at the sizes the signs use.
SIGN_WORDS = (
    "STOP",
    "OPEN",
    "SALE",
    "EXIT",
    "CAFE",
    "PARK",
    "SHOP",
    "BANK",
    "TAXI",
    "FOOD",
    "MILK",
    "HOTEL",
    "BOOKS",
    "PIZZA",
    "MUSIC",
    "TOYS",
)

# 3x3 grid of the box centre within a frame; (row, column) -> words.
POSITIONS: dict[tuple[int, int], str] = {
    (0, 0): "top left",
    (0, 1): "top",
    (0, 2): "top right",
    (1, 0): "left",
    (1, 1): "center",
    (1, 2): "right",
    (2, 0): "bottom left",
    (2, 1): "bottom",
    (2, 2): "bottom right",
}

# Words a description may use for a scene object's name; the first is the canonical one.
NAME_SYNONYMS: dict[str, tuple[str, ...]] = {
    "circle": ("circle", "disc", "disk", "ball", "dot"),
    "square": ("square",),
    "rectangle": ("rectangle", "bar", "block"),
    "triangle": ("triangle",),
    "star": ("star",),
    "diamond": ("diamond", "rhombus"),
    "house": ("house", "home", "cottage", "building"),
    "sign": ("sign", "signboard", "signpost"),
    "flower": ("flower", "blossom"),
    "car": ("car", "vehicle", "automobile"),
    "roof": ("roof",),
    "wall": ("wall", "facade"),
    "door": ("door",),
    "window": ("window",),
    "board": ("board", "panel", "plate"),
    "post": ("post", "pole"),
    "text": ("text", "word", "lettering", "writing"),
    "head": ("head", "bloom"),
    "petal": ("petal",),
    "centre": ("centre", "center"),
    "stem": ("stem", "stalk"),
    "body": ("body",),
    "cabin": ("cabin",),
    "wheel": ("wheel", "tyre", "tire"),
}


def position_phrase(position: str) -> str:
    """'top left' -> 'at the top left'; 'center' -> 'in the center'; 'left' -> 'on the left'."""
    if position == "center":
        return "in the center"
    if position in ("left", "right"):
        return f"on the {position}"
    return f"at the {position}"
