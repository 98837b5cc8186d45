"""ChartQA: questions about charts, written by people (human) or generated (augmented).

Layout from the dataset card of `lmms-lab/ChartQA` (README `dataset_info`): type (string,
"human_test" / "augmented_test"), question, answer (string), image (Image). One split, `test`
(files `data/test-*.parquet`). No id column: ids are `<split>/<file>#<row>`. `type` is not read.
Read 2026-12-04: tests/builders/layouts/chartqa.json.
"""

from __future__ import annotations

from typing import Any

from ouro_toolkit.builders.base import Normalised, OuroSourceBuilder, SourceSpec
from ouro_toolkit.data.catalog import CHARTQA

SPEC = SourceSpec(
    name="chartqa",
    task="document",
    repo_id=CHARTQA.repo_id,
    splits=("test",),
    license="GPL-3.0",
    homepage="https://github.com/vis-nlp/ChartQA",
    description="ChartQA: 2.5k test questions on charts needing visual and logical reasoning.",
    citation="@inproceedings{masry2022chartqa, title={ChartQA: A Benchmark for Question Answering "
    "about Charts with Visual and Logical Reasoning}, author={Masry, Ahmed and others}, "
    "booktitle={Findings of ACL}, year={2022}}",
    columns=("question", "answer", "image"),
)


class ChartQA(OuroSourceBuilder):
    SPEC = SPEC

    def normalise(self, raw: dict[str, Any]) -> Normalised:
        row = Normalised(source_id=raw["__row__"], image=raw["image"])
        row.add_qa(raw["question"], raw["answer"])
        return row
