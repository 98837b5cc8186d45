"""AI2D: multiple-choice questions about grade-school science diagrams.

Layout from the dataset card of `lmms-lab/ai2d` (README `dataset_info`): question, options (list
of string), answer (string: the index of the right option, "0".."3"), image (Image). One split,
`test` (files `data/test-*.parquet`). No id column: ids are `<split>/<file>#<row>`.
"""

from __future__ import annotations

from typing import Any

from ouro_toolkit.builders.base import Normalised, OuroSourceBuilder, SourceSpec, as_texts
from ouro_toolkit.data.catalog import AI2D

SPEC = SourceSpec(
    name="ai2d",
    task="scene-text",
    repo_id=AI2D.repo_id,
    splits=("test",),
    license="unspecified",
    homepage="https://allenai.org/data/diagrams",
    description="AI2D: 5k grade-school science diagrams with multiple-choice questions.",
    citation="@inproceedings{kembhavi2016diagram, title={A Diagram Is Worth A Dozen Images}, "
    "author={Kembhavi, Aniruddha and others}, booktitle={ECCV}, year={2016}}",
    columns=("question", "options", "answer", "image"),
)


def choice_answer(row: Normalised, choices: list[str], answer: Any) -> list[str]:
    """The text of the right choice from an index (int or "2"); a bad index is recorded on `row`."""
    try:
        index = int(answer)
    except (TypeError, ValueError):
        row.problem("bad answers", f"answer index {answer!r} is not an integer")
        return []
    if not 0 <= index < len(choices):
        row.problem("bad answers", f"answer index {index} outside the {len(choices)} choices")
        return []
    return [choices[index]]


class AI2D(OuroSourceBuilder):
    SPEC = SPEC

    def normalise(self, raw: dict[str, Any]) -> Normalised:
        row = Normalised(source_id=raw["__row__"], image=raw["image"])
        choices, _ = as_texts(raw["options"])
        row.add_qa(raw["question"], choice_answer(row, choices, raw["answer"]), raw["options"])
        return row
