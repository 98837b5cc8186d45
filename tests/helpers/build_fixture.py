"""Fixture build folders in the `ouro build` layout, written from hand-made OURO rows with real
photographs from `skimage.data` (until the real build writes them, and to keep tests fast)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from datasets import Dataset
from PIL import Image
from skimage import data as skdata

from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.decomposition.decompose import DecomposeConfig
from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.pipeline.config import BuildConfig
from ouro_toolkit.regions.tree import RegionTree
from ouro_toolkit.schema import OURO_FEATURES

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera", "cat")
# The config exactly as `ouro build` records it, plus a credential-like key a card must never show.
BUILD_CONFIG = {
    **BuildConfig(
        source="local",
        backend=BackendSpec("Qwen/Qwen2-VL-7B-Instruct"),
        out="/home/someone/private/out",
        data_dir="/home/someone/private/photos",
        tree=TreeRecipe(decompose=DecomposeConfig(threshold=0.5, max_depth=2)),
    ).to_dict(),
    "server_api_key": "must-never-reach-a-card",
}
PROVENANCE = {
    "model": BUILD_CONFIG["backend"]["model"],
    "backend": "transformers",
    "prompt_version": "v1",
    "toolkit_version": "0.1.0",
    "config_hash": "abc123",
}
ERROR_MESSAGE = "ImageLoadError: cannot identify image file 'broken.jpg'"


def photo_bytes(name: str, side: int = 96) -> bytes:
    array = getattr(skdata, name)()
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    image = Image.fromarray(array).convert("RGB")
    image.thumbnail((side, side))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def ok_row(index: int, photo: str) -> dict[str, Any]:
    """A row with a 3-level tree: root, two regions, one sub-region under the first."""
    image = Image.open(io.BytesIO(photo_bytes(photo)))
    tree = RegionTree.with_root(*image.size)
    w, h = image.size
    left = tree.add(tree.root, (0.0, 0.0, w / 2, h / 2), 0.91, "rpn")
    tree.add(tree.root, (w / 2, h / 2, float(w), float(h)), 0.77, "ocr", ocr_text=f"TEXT {index}")
    tree.add(left, (0.0, 0.0, w / 4, h / 4), 0.66, "rpn")
    for node, label in zip(tree.nodes, ("scene", "person", "sign", "helmet"), strict=True):
        node.label = f"{label}"
        node.description = f"{photo} {label} description {index}."
    aspects = ("object details", "spatial relationships", "style", "scene context", "interactions")
    qa = [
        {"question": f"Q{k} about {photo}?", "answer": f"A{k}.", "aspect": aspects[k]}
        for k in range(2 + index % 4)
    ]
    return {
        "id": f"local/{photo}-{index}",
        "source": "local",
        "task": "caption",
        "image": {"bytes": photo_bytes(photo), "path": None},
        "original": {"captions": [f"a photo of {photo}"], "qa": []},
        "regions": tree.to_rows(),
        "description": f"A {photo} scene with a person wearing a helmet, and a sign. ({index})",
        "qa": qa,
        "provenance": dict(PROVENANCE),
        "status": "ok",
        "error": "",
    }


def error_row(index: int) -> dict[str, Any]:
    return {
        "id": f"local/broken-{index}",
        "source": "local",
        "task": "caption",
        "image": None,
        "original": {"captions": [], "qa": []},
        "regions": [],
        "description": "",
        "qa": [],
        "provenance": dict(PROVENANCE),
        "status": "error",
        "error": ERROR_MESSAGE,
    }


def shard_rows(index: int, rows_per_shard: int) -> list[dict[str, Any]]:
    """`rows_per_shard - 1` annotated rows and one error row per shard."""
    rows = [
        ok_row(index * 10 + k, PHOTOS[(index * rows_per_shard + k) % len(PHOTOS)])
        for k in range(rows_per_shard - 1)
    ]
    return rows + [error_row(index)]


def write_build(
    root: Path, num_shards: int = 2, rows_per_shard: int = 3, complete: list[int] | None = None
) -> Path:
    """Write a build folder; shards in `complete` (default: all) get their `.done` marker."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "markers").mkdir(exist_ok=True)
    (root / "build_config.json").write_text(json.dumps({**BUILD_CONFIG, "num_shards": num_shards}))
    complete = list(range(num_shards)) if complete is None else complete
    for index in range(num_shards):
        name = f"train-{index:05d}-of-{num_shards:05d}"
        rows = shard_rows(index, rows_per_shard)
        Dataset.from_list(rows, features=OURO_FEATURES).to_parquet(
            str(root / "data" / f"{name}.parquet")
        )
        if index in complete:
            (root / "markers" / f"{name}.done").write_text(
                json.dumps({"rows": len(rows), "errors": 1})
            )
    return root


def all_rows(num_shards: int = 2, rows_per_shard: int = 3) -> list[dict[str, Any]]:
    return [row for i in range(num_shards) for row in shard_rows(i, rows_per_shard)]
