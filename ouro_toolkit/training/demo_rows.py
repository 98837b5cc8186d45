"""A few hand-annotated OURO rows on real photographs, for smoke runs, tests and benchmarks.

The photos come from `skimage.data` (shipped inside scikit-image, no download); the region trees,
descriptions and QA were written by hand in the shape the annotator produces, so the training
path can run before (or without) a real `ouro build`. `write_demo_build` lays them out like a
build folder (`data/train-00000-of-00001.parquet`) so the same loading path is exercised.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from ouro_toolkit.images import image_to_png_bytes
from ouro_toolkit.regions.tree import RegionTree

# name -> (skimage loader, d0, [(parent index, bbox, label, description)], QA, original captions, original QA)
# Parent index refers to the order of nodes in the list (0 = root), so trees are at least two deep.
_DEMO: dict[str, dict] = {
    "astronaut": {
        "description": (
            "An astronaut in a white spacesuit smiles at the camera in front of an American flag. "
            "She holds a white helmet at the lower left; a mission patch is on her chest."
        ),
        "regions": [
            (
                0,
                (0, 0, 180, 260),
                "flag",
                "An American flag hangs in the background, stars on blue.",
            ),
            (0, (170, 20, 340, 240), "face", "A smiling woman with short brown hair."),
            (0, (0, 320, 220, 512), "helmet", "A white space helmet held at the lower left."),
            (0, (150, 240, 512, 512), "spacesuit", "A white spacesuit with patches and a zipper."),
            (2, (210, 90, 310, 140), "eyes", "Two brown eyes looking straight at the camera."),
            (2, (220, 150, 300, 210), "mouth", "A wide smile showing teeth."),
            (4, (300, 300, 420, 420), "patch", "A round embroidered mission patch."),
            (3, (40, 360, 180, 480), "visor", "The helmet's reflective gold visor."),
        ],
        "qa": [
            ("What is the person holding?", "A white space helmet.", "object details"),
            (
                "Where is the flag relative to the person?",
                "Behind her, on the left.",
                "spatial relationships",
            ),
            ("Is this a candid or a posed photo?", "A posed official portrait.", "style"),
            ("What is the occasion?", "An official astronaut portrait.", "scene context"),
            ("What is the person doing?", "Smiling at the camera.", "interactions"),
        ],
        "captions": [
            "An astronaut posing with a helmet.",
            "A woman in a spacesuit in front of a flag.",
        ],
        "original_qa": [("What is she wearing?", ["a spacesuit", "spacesuit", "a spacesuit"], [])],
    },
    "coffee": {
        "description": (
            "A cup of coffee with latte art sits on a white saucer on a wooden table, a spoon beside it."
        ),
        "regions": [
            (0, (120, 60, 480, 340), "cup", "A white cup filled with coffee and foam art."),
            (0, (60, 220, 560, 400), "saucer", "A white saucer under the cup."),
            (0, (400, 250, 600, 380), "spoon", "A metal spoon resting on the saucer."),
            (1, (200, 90, 400, 220), "foam", "Light foam shaped like a leaf on dark coffee."),
        ],
        "qa": [
            ("What is in the cup?", "Coffee with milk foam.", "object details"),
            ("Where is the spoon?", "On the saucer, right of the cup.", "spatial relationships"),
            ("What is the mood of the picture?", "Warm and calm.", "style"),
            ("Where might this be?", "A cafe table.", "scene context"),
            ("Is anyone drinking?", "No, the cup is untouched.", "interactions"),
        ],
        "captions": ["A cup of coffee on a saucer."],
        "original_qa": [
            ("What drink is this?", ["coffee", "latte", "coffee"], ["coffee", "tea", "juice"])
        ],
    },
    "chelsea": {
        "description": "A ginger tabby cat lies on a surface and looks to the left with green eyes.",
        "regions": [
            (
                0,
                (100, 20, 360, 260),
                "cat head",
                "The head of a ginger tabby cat with pointed ears.",
            ),
            (0, (0, 150, 451, 300), "body", "The striped body of the cat lying down."),
            (1, (170, 90, 300, 160), "eyes", "Two green eyes looking sideways."),
        ],
        "qa": [
            ("What animal is this?", "A tabby cat.", "object details"),
            ("Where is the cat looking?", "To the left.", "spatial relationships"),
            ("What colour is its fur?", "Ginger with darker stripes.", "style"),
        ],
        "captions": ["A cat looking to the side."],
        "original_qa": [],
    },
    "rocket": {
        "description": "A rocket stands on its launch pad beside a service tower under a clear sky.",
        "regions": [
            (0, (250, 30, 400, 427), "rocket", "A tall white rocket with boosters."),
            (0, (380, 60, 560, 427), "tower", "A steel launch tower next to the rocket."),
            (1, (280, 40, 370, 160), "nose", "The pointed nose cone of the rocket."),
            (2, (400, 300, 540, 420), "base", "The base of the tower with pipes."),
        ],
        "qa": [
            ("What stands next to the rocket?", "A launch tower.", "spatial relationships"),
            ("What is the weather?", "Clear and sunny.", "scene context"),
        ],
        "captions": ["A rocket on a launch pad."],
        "original_qa": [("Is it daytime?", ["yes", "yes", "no"], [])],
    },
}


def demo_image(name: str) -> Image.Image:
    import skimage.data

    array = getattr(skimage.data, name)()
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    return Image.fromarray(array).convert("RGB")


def demo_row(name: str) -> dict:
    """One OURO row (the `OURO_FEATURES` shape) for the photo `skimage.data.<name>`."""
    spec = _DEMO[name]
    image = demo_image(name)
    tree = RegionTree.with_root(image.width, image.height)
    for parent, bbox, label, description in spec["regions"]:
        node = tree.add(tree.nodes[parent], tuple(float(v) for v in bbox), 0.9, "rpn")
        node.label, node.description = label, description
    tree.root.description = spec["description"]
    return {
        "id": f"demo/{name}",
        "source": "demo",
        "task": "caption",
        "image": {"bytes": image_to_png_bytes(image), "path": None},
        "original": {
            "captions": spec["captions"],
            "qa": [{"question": q, "answers": a, "choices": c} for q, a, c in spec["original_qa"]],
        },
        "regions": tree.to_rows(),
        "description": spec["description"],
        "qa": [{"question": q, "answer": a, "aspect": aspect} for q, a, aspect in spec["qa"]],
        "provenance": {
            "model": "hand-written",
            "backend": "none",
            "prompt_version": "demo",
            "toolkit_version": "0",
            "config_hash": "",
        },
        "status": "ok",
        "error": "",
    }


def failed_row(name: str = "broken") -> dict:
    """A row whose annotation failed: kept in the data with its error, never trained on."""
    row = demo_row("chelsea")
    row.update(
        id=f"demo/{name}",
        regions=[],
        description="",
        qa=[],
        status="error",
        error="model call timed out",
    )
    return row


DEMO_NAMES = tuple(_DEMO)


def demo_rows(include_failed: bool = False) -> list[dict]:
    rows = [demo_row(name) for name in DEMO_NAMES]
    return rows + [failed_row()] if include_failed else rows


def write_demo_build(out_dir: str | Path, rows: list[dict] | None = None) -> Path:
    """Write rows as a build-shaped folder: `data/train-00000-of-00001.parquet` + `build_config.json`."""
    from datasets import Dataset

    from ouro_toolkit.schema import OURO_FEATURES

    out = Path(out_dir)
    (out / "data").mkdir(parents=True, exist_ok=True)
    dataset = Dataset.from_list(
        rows if rows is not None else demo_rows(include_failed=True), features=OURO_FEATURES
    )
    dataset.to_parquet(str(out / "data" / "train-00000-of-00001.parquet"))
    (out / "build_config.json").write_text(
        json.dumps({"source": "demo", "num_shards": 1}, indent=2)
    )
    (out / "markers").mkdir(exist_ok=True)
    (out / "markers" / "train-00000-of-00001.done").write_text(json.dumps({"rows": len(dataset)}))
    return out
