"""`scenes`: procedural scenes whose truth is known, made here from seeds (no download).

Each split is a range of seeds, so the splits never share a scene and any row can be made again
from its id (`scenes/<preset>-<seed>`). The `original` annotations look like a small benchmark's:
one short caption and one or two exact QA pairs (colour, count, sign text, left of, above,
inside). The full truth (boxes, names, colours, positions, the true tree) is
`ouro_toolkit.scenes.scene_from_id(row["id"])`. Options: `preset` ("scene": 2-8 objects with
overlaps and nesting; "simple": 2-4 separate objects on flat ground), `first_seed` (start later
within the split), `num_qa` (pairs per row, 1-2 chosen per scene by default).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import datasets

from ouro_toolkit.builders.base import (
    Normalised,
    OuroSourceBuilder,
    OuroSourceConfig,
    SourceError,
    SourceSpec,
)
from ouro_toolkit.scenes import PRESETS, caption, generate_scene
from ouro_toolkit.scenes.language import sample_qa

SPEC = SourceSpec(
    name="scenes",
    task="vqa",
    repo_id="-",
    splits=("train", "validation", "test"),
    license="Apache-2.0",
    description="Procedural scenes with known truth: shapes, houses, signs, flowers, cars; "
    "generated from seeds (train 0-999999, validation 1000000-1000999, test 2000000-2000999).",
    citation="",
)

SPLIT_SEEDS: dict[str, range] = {
    "train": range(0, 1_000_000),
    "validation": range(1_000_000, 1_001_000),
    "test": range(2_000_000, 2_001_000),
}


@dataclass
class ScenesConfig(OuroSourceConfig):
    preset: str = "scene"
    first_seed: int | None = None  # None: the split's first seed
    num_qa: int = 0  # 0: one or two per scene, chosen by its seed


class Scenes(OuroSourceBuilder):
    SPEC = SPEC
    BUILDER_CONFIG_CLASS = ScenesConfig
    config: ScenesConfig

    def _split_generators(self, dl_manager: Any) -> list[datasets.SplitGenerator]:
        if self.config.preset not in PRESETS:
            raise SourceError(
                f"source 'scenes': unknown preset {self.config.preset!r}; choose from {', '.join(PRESETS)}"
            )
        return [
            datasets.SplitGenerator(name=split, gen_kwargs={"split": split})
            for split in SPLIT_SEEDS
        ]

    def _generate_examples(self, split: str) -> Iterator[tuple[Any, dict]]:
        seeds = SPLIT_SEEDS[split]
        start = seeds.start if self.config.first_seed is None else self.config.first_seed
        if start not in seeds:
            raise SourceError(
                f"source 'scenes': first_seed={start} is outside split {split!r} (seeds {seeds.start}-{seeds.stop - 1})"
            )
        for index, seed in enumerate(range(start, seeds.stop)):
            yield datasets.builder.Key(0, index), self.scene_row(seed)

    def scene_row(self, seed: int) -> dict[str, Any]:
        scene = generate_scene(seed, self.config.preset)
        row = Normalised(
            source_id=scene.id, image={"bytes": scene.png_bytes(), "path": f"{scene.id}.png"}
        )
        row.add_captions([caption(scene)])
        rng = random.Random(seed)
        for pair in sample_qa(scene, self.config.num_qa or rng.choice((1, 2)), rng):
            row.add_qa(pair["question"], [pair["answer"]])
        finished = self.complete(row, None)
        finished.pop("__image_key__", None)
        return finished
