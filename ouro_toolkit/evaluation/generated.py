"""Rows of benchmarks made here rather than downloaded: the `scenes` benchmark.

Each scene of the `scenes` source's split (the same rows `ouro build --source scenes` reads)
becomes one description row and up to four exact-question rows of different kinds; the truth
to score them is made again from the row id. `scene_rows(bench, first_seed=..., scenes=...)`
scores other scenes of the test split than its first ones (`ouro experiment --test-seed-start`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any, Protocol

from ouro_toolkit.scenes.generate import scene_from_id
from ouro_toolkit.scenes.language import sample_qa


class _Split(Protocol):  # a `Benchmark`, without importing the registry that imports this
    split: str


QA_PER_SCENE = 4
DESCRIBE = "describe"


def split_seeds(split: str) -> range:
    """The seeds of one split of the `scenes` source (test: 2000000-2000999)."""
    from ouro_toolkit.builders.scenes import SPLIT_SEEDS

    return SPLIT_SEEDS[split]


def scene_rows(
    bench: _Split, first_seed: int | None = None, scenes: int | None = None
) -> Iterator[dict[str, Any]]:
    """The benchmark's rows for `scenes` scenes (all when None) from `first_seed` (None: the
    split's first seed) on; a seed outside the split is refused by the source."""
    from ouro_toolkit.builders.registry import iter_source

    options = {} if first_seed is None else {"first_seed": first_seed}
    for row in iter_source("scenes", split=bench.split, limit=scenes, **options):
        scene = scene_from_id(row["id"], render=False)
        if scene is None:  # the source writes only scene ids: a failure here is a bug
            raise ValueError(f"scenes benchmark: row id {row['id']!r} names no scene")
        base = {"image": row["image"], "scene": row["id"]}
        yield {
            **base,
            "id": f"{scene.id}#{DESCRIBE}",
            "question": "",
            "answers": [],
            "kind": DESCRIBE,
        }
        pairs = sample_qa(scene, QA_PER_SCENE, random.Random(scene.seed))
        for i, pair in enumerate(pairs):
            yield {
                **base,
                "id": f"{scene.id}#qa{i}",
                "question": pair["question"],
                "answers": [pair["answer"]],
                "kind": pair["kind"],
            }
