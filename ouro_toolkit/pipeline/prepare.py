"""`prepare_row`: a source row decoded and split into its region tree, the CPU half of the map step.

It is what proposal workers run, so it imports neither `datasets` nor the model side: a worker
forked before the parent has imported them starts in a fraction of a second.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.images import ImageLoadError, image_field, load_image
from ouro_toolkit.proposers.base import RegionProposer
from ouro_toolkit.proposers.guard import failures, guarded
from ouro_toolkit.regions.tree import RegionTree


@dataclass
class Prepared:
    source_row: dict[str, Any]
    image: Image.Image | None = None
    tree: RegionTree | None = None
    error: str = ""  # why the row has no tree (its image is unusable)
    note: str = ""  # a proposer that failed on this (usable) image: the tree lacks its regions
    proposal_cpu_s: float = 0.0  # CPU seconds spent decoding and proposing (in whichever process)


def prepare_row(
    source_row: dict[str, Any], proposers: Sequence[RegionProposer], recipe: TreeRecipe
) -> Prepared:
    """One source row decoded and split into its region tree; failures stay with the row."""
    start = time.process_time()
    prepared = _prepare(source_row, proposers, recipe)
    prepared.proposal_cpu_s = time.process_time() - start
    return prepared


def _prepare(
    source_row: dict[str, Any], proposers: Sequence[RegionProposer], recipe: TreeRecipe
) -> Prepared:
    try:
        source_row = dict(source_row, image=image_field(source_row.get("image")))
    except ImageLoadError as exc:
        return Prepared(dict(source_row, image=None), error=f"unreadable image: {exc}")
    row_id = str(source_row.get("id"))
    data = (source_row["image"] or {}).get("bytes")
    if data is None and source_row.get("error"):
        return Prepared(source_row)  # the source has said why there is no image (its `error`)
    try:
        image = load_image(data if data is not None else b"", name=row_id)
    except ImageLoadError as exc:
        return Prepared(source_row, error=f"unreadable image: {exc}")
    guarded_proposers = guarded(proposers)
    try:
        tree = recipe.tree(image, guarded_proposers)
    except Exception as exc:  # a bug in the tree code on one image must not sink the shard
        return Prepared(source_row, error=f"regions of {row_id}: {type(exc).__name__}: {exc}")
    note = "; ".join(f"proposals: {f}" for f in failures(guarded_proposers))
    return Prepared(source_row, image, tree, note=note)
