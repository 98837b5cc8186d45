"""`OuroMapStep`: source rows in, OURO rows out — the unit both `ouro build` and `datasets.map` use.

    step = OuroMapStep.create(backend, recipe=TreeRecipe(proposers=("objects", "ocr")))
    ouro = source.map(step, batched=True, batch_size=8, remove_columns=source.column_names,
                      features=OURO_FEATURES)

`prepare` (decode + region tree) is CPU work and thread-safe to run ahead of the model;
`annotate` does the model calls. `__call__` chains them for `datasets.map`, which keeps no progress
across a crash: for long runs prefer `ouro build`, which adds shards, the replay cache and resume.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ouro_toolkit
from ouro_toolkit.annotate.annotator import RecursiveAnnotator
from ouro_toolkit.annotate.model_settings import model_settings
from ouro_toolkit.annotate.prompts import PromptSet, load_prompts
from ouro_toolkit.backends.base import VLMBackend
from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.pipeline.prepare import Prepared, prepare_row
from ouro_toolkit.pipeline.rows import Provenance, ouro_row
from ouro_toolkit.proposers.base import RegionProposer


@dataclass
class OuroMapStep:
    annotator: RecursiveAnnotator
    proposers: Sequence[RegionProposer]
    recipe: TreeRecipe
    provenance: Provenance

    @classmethod
    def create(
        cls,
        backend: VLMBackend,
        proposers: Sequence[RegionProposer] | None = None,
        recipe: TreeRecipe | None = None,
        prompts: PromptSet | None = None,
        config_hash: str = "",
        max_description_words: int | None = None,
        crop_border: int | None = None,
    ) -> OuroMapStep:
        """`proposers` default to the recipe's own (built here); give them when they are built
        already, e.g. in proposal workers or as stand-ins in a test. `crop_border` None: what
        the model's folder asks (`annotate.model_settings`)."""
        prompts = prompts or load_prompts()
        recipe = recipe or TreeRecipe()
        if crop_border is None:
            crop_border = model_settings(backend.model).crop_border
        provenance = Provenance(
            backend.model, backend.name, prompts.version, ouro_toolkit.__version__, config_hash
        )
        return cls(
            RecursiveAnnotator(backend, prompts, max_description_words, crop_border),
            recipe.build_proposers() if proposers is None else list(proposers),
            recipe,
            provenance,
        )

    def prepare(self, source_row: dict[str, Any]) -> Prepared:
        """Decode the image and split it into its region tree; an unreadable image is kept as an error."""
        return prepare_row(source_row, self.proposers, self.recipe)

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
                # A note (a proposer that failed on a usable image) keeps the row "ok".
                error=p.error or p.note,
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
