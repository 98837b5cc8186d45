"""`OuroMapStep`: source rows in, OURO rows out — the unit both `ouro build` and `datasets.map` use.

    step = OuroMapStep.create(backend, proposers=build_proposers(["objects", "ocr"]))
    ouro = source.map(step, batched=True, batch_size=8, remove_columns=source.column_names,
                      features=OURO_FEATURES)

`prepare` (decode + region tree) is CPU work and thread-safe to run ahead of the model;
`annotate` does the model calls. `__call__` chains them for `datasets.map`, which keeps no progress
across a crash: for long runs prefer `ouro build`, which adds shards, the replay cache and resume.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image

import ouro_toolkit
from ouro_toolkit.annotate.annotator import RecursiveAnnotator
from ouro_toolkit.annotate.prompts import PromptSet, load_prompts
from ouro_toolkit.backends.base import VLMBackend
from ouro_toolkit.decomposition.decompose import DecomposeConfig, build_region_tree
from ouro_toolkit.images import ImageLoadError, load_image
from ouro_toolkit.pipeline.rows import Provenance, ouro_row
from ouro_toolkit.proposers.base import RegionProposer
from ouro_toolkit.regions.tree import RegionTree


@dataclass
class Prepared:
    source_row: dict[str, Any]
    image: Image.Image | None = None
    tree: RegionTree | None = None
    error: str = ""
    proposal_cpu_s: float = 0.0  # CPU seconds spent decoding and proposing (in whichever process)


@dataclass
class OuroMapStep:
    annotator: RecursiveAnnotator
    proposers: Sequence[RegionProposer]
    decompose: DecomposeConfig
    provenance: Provenance

    @classmethod
    def create(
        cls,
        backend: VLMBackend,
        proposers: Sequence[RegionProposer],
        decompose: DecomposeConfig | None = None,
        prompts: PromptSet | None = None,
        config_hash: str = "",
        max_description_words: int | None = None,
    ) -> OuroMapStep:
        prompts = prompts or load_prompts()
        provenance = Provenance(
            backend.model, backend.name, prompts.version, ouro_toolkit.__version__, config_hash
        )
        return cls(
            RecursiveAnnotator(backend, prompts, max_description_words),
            list(proposers),
            decompose or DecomposeConfig(),
            provenance,
        )

    def prepare(self, source_row: dict[str, Any]) -> Prepared:
        """Decode the image and split it into its region tree; an unreadable image is kept as an error."""
        return prepare_row(source_row, self.proposers, self.decompose)

    async def annotate(self, batch: Sequence[Prepared]) -> list[dict[str, Any]]:
        """OURO rows for a prepared batch, in order; all of the batch's nodes go to the model together."""
        good = [p for p in batch if p.tree is not None]
        annotations = iter(
            await self.annotator.annotate(
                [(p.image, p.tree) for p in good], [str(p.source_row.get("id", "")) for p in good]
            )
        )
        return [
            ouro_row(
                p.source_row,
                next(annotations) if p.tree is not None else None,
                self.provenance,
                error=p.error,
            )
            for p in batch
        ]

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        """`datasets.map(batched=True)` entry point: a columnar batch of source rows -> OURO columns."""
        rows = [
            dict(zip(batch, values, strict=True)) for values in zip(*batch.values(), strict=True)
        ]
        out = asyncio.run(self.annotate([self.prepare(row) for row in rows]))
        return {key: [row[key] for row in out] for key in out[0]} if out else {}


def prepare_row(
    source_row: dict[str, Any], proposers: Sequence[RegionProposer], decompose: DecomposeConfig
) -> Prepared:
    """One source row decoded and split into its region tree; failures stay with the row."""
    start = time.process_time()
    prepared = _prepare(source_row, proposers, decompose)
    prepared.proposal_cpu_s = time.process_time() - start
    return prepared


def _prepare(
    source_row: dict[str, Any], proposers: Sequence[RegionProposer], decompose: DecomposeConfig
) -> Prepared:
    source_row = dict(source_row, image=_as_image_field(source_row.get("image")))
    data = (source_row["image"] or {}).get("bytes")
    try:
        if not data:
            raise ImageLoadError("row has no image bytes")
        image = load_image(data)
    except ImageLoadError as exc:
        return Prepared(source_row, error=f"image of {source_row.get('id')} unreadable: {exc}")
    try:
        tree = build_region_tree(image, proposers, decompose)
    except Exception as exc:  # a proposer failing on one image must not sink the shard
        return Prepared(
            source_row, error=f"regions of {source_row.get('id')}: {type(exc).__name__}: {exc}"
        )
    return Prepared(source_row, image, tree)


def _as_image_field(image: Any) -> dict[str, Any] | None:
    """Source images arrive as {"bytes", "path"} (decode=False) or as PIL images (decoded)."""
    if image is None or isinstance(image, dict):
        return image
    if isinstance(image, Image.Image):
        buffer = io.BytesIO()
        image.save(buffer, format=image.format or "PNG")
        return {"bytes": buffer.getvalue(), "path": None}
    raise TypeError(f"unsupported image value of type {type(image).__name__}")
