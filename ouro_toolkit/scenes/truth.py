"""The ground truth of one scene: its objects and parts, and the true region tree they form.

Node 0 is the whole image; top-level objects are its children (depth 1); parts of a composite
object or a shape drawn inside another are deeper (depth 2-3). Boxes are integer pixels
`(x0, y0, x1, y1)` of the full image, exclusive at the right and bottom like `Image.crop`.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field

from PIL import Image

from ouro_toolkit.regions.box import box_area
from ouro_toolkit.scenes.vocab import POSITIONS, SIZE_LIMITS, SIZES

IntBox = tuple[int, int, int, int]


@dataclass
class SceneObject:
    """One object or part. `kind` is "shape" (a free geometric shape), "composite" (an object
    made of parts: house, sign, flower, car) or "part" (a piece of a composite)."""

    id: int  # node id in the true tree; 0 is the image
    parent: int  # 0 for top-level objects
    depth: int  # 1 for top-level objects
    kind: str
    name: str  # "circle", "house", "door", "text", ...
    shape: str  # the geometric shape drawn: "circle", "rectangle", "text", "group", ...
    colour: str  # a vocabulary colour; composites take their main part's colour
    size: str  # "small" | "medium" | "large", from the box and the image size
    bbox: IntBox
    position: str  # where the box centre is in the image: "top left", ..., "center"
    position_in_parent: str  # the same, within the parent's box (the image for depth 1)
    text: str = ""  # the word a sign (and its board and text part) carries
    occluded_by: list[int] = field(default_factory=list)  # ids drawn over part of this box

    @property
    def label(self) -> str:
        """'large red circle', 'blue door', 'sign'."""
        if self.kind == "composite":
            return self.name
        if self.name == "text":
            return f"word {self.text}"
        if self.kind == "part":
            return f"{self.colour} {self.name}"
        return f"{self.size} {self.colour} {self.name}"

    def to_dict(self) -> dict:
        row = asdict(self)
        row["bbox"] = list(self.bbox)
        return row

    @classmethod
    def from_dict(cls, row: dict) -> SceneObject:
        values = dict(row)
        values["bbox"] = tuple(int(v) for v in row["bbox"])
        values["occluded_by"] = list(row.get("occluded_by") or [])
        return cls(**values)


@dataclass
class Scene:
    seed: int
    width: int
    height: int
    background: str  # a BACKGROUNDS name
    background_kind: str  # "flat" | "gradient" | "textured"
    objects: list[SceneObject]  # by id: objects[i].id == i + 1
    preset: str = "scene"  # the named SceneConfig it was made with ("custom" for any other)
    image: Image.Image | None = None

    @property
    def id(self) -> str:
        return scene_id(self.seed, self.preset)

    def object(self, object_id: int) -> SceneObject:
        return self.objects[object_id - 1]

    def top_level(self) -> list[SceneObject]:
        return [o for o in self.objects if o.depth == 1]

    def children(self, object_id: int) -> list[SceneObject]:
        return [o for o in self.objects if o.parent == object_id]

    def descendants(self, object_id: int) -> list[SceneObject]:
        out: list[SceneObject] = []
        for child in self.children(object_id):
            out += [child, *self.descendants(child.id)]
        return out

    @property
    def depth(self) -> int:
        """Depth of the true tree (0 for an empty scene)."""
        return max((o.depth for o in self.objects), default=0)

    def crop(self, obj: SceneObject | int, pad: int = 0) -> Image.Image:
        """The image cut to an object's box, `pad` pixels wider on each side (clipped)."""
        if self.image is None:
            raise ValueError(f"{self.id}: scene has no image (generate it with render=True)")
        obj = self.object(obj) if isinstance(obj, int) else obj
        x0, y0, x1, y1 = obj.bbox
        box = (
            max(0, x0 - pad),
            max(0, y0 - pad),
            min(self.width, x1 + pad),
            min(self.height, y1 + pad),
        )
        return self.image.crop(box)

    def to_dict(self) -> dict:
        """The ground truth as plain JSON-able data (no image)."""
        return {
            "id": self.id,
            "preset": self.preset,
            "seed": self.seed,
            "width": self.width,
            "height": self.height,
            "background": self.background,
            "background_kind": self.background_kind,
            "depth": self.depth,
            "objects": [o.to_dict() for o in self.objects],
        }

    @classmethod
    def from_dict(cls, row: dict, image: Image.Image | None = None) -> Scene:
        return cls(
            seed=int(row["seed"]),
            width=int(row["width"]),
            height=int(row["height"]),
            background=row["background"],
            background_kind=row["background_kind"],
            objects=[SceneObject.from_dict(o) for o in row["objects"]],
            preset=row.get("preset", "scene"),
            image=image,
        )

    def png_bytes(self) -> bytes:
        if self.image is None:
            raise ValueError(f"{self.id}: scene has no image")
        buffer = io.BytesIO()
        self.image.save(buffer, format="PNG")
        return buffer.getvalue()


def scene_id(seed: int, preset: str = "scene") -> str:
    """'scene-0000042': the preset and the seed, which is all it takes to make the scene again."""
    return f"{preset}-{seed:07d}"


def parse_scene_id(text: str) -> tuple[str, int] | None:
    """(preset, seed) from a scene id or any id ending in one ('scenes/simple-0000042'); else None."""
    preset, _, seed = text.rsplit("/", 1)[-1].rpartition("-")
    return (preset, int(seed)) if preset and seed.isdigit() else None


def position_word(box: IntBox | tuple[float, ...], frame: tuple[float, ...]) -> str:
    """Where `box`'s centre falls in a 3x3 grid over `frame` (both (x0, y0, x1, y1))."""
    cx = ((box[0] + box[2]) / 2 - frame[0]) / max(1e-9, frame[2] - frame[0])
    cy = ((box[1] + box[3]) / 2 - frame[1]) / max(1e-9, frame[3] - frame[1])
    col = 0 if cx < 1 / 3 else (2 if cx > 2 / 3 else 1)
    row = 0 if cy < 1 / 3 else (2 if cy > 2 / 3 else 1)
    return POSITIONS[(row, col)]


def size_class(box: IntBox | tuple[float, ...], width: int, height: int) -> str:
    scale = box_area(box) ** 0.5 / min(width, height)
    for limit, name in zip(SIZE_LIMITS, SIZES, strict=False):
        if scale < limit:
            return name
    return SIZES[-1]
