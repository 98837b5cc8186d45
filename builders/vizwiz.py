"""VizWiz-VQA: questions blind people asked about photos they took.

Layout from the dataset card of `lmms-lab/VizWiz-VQA` (README `dataset_info`, read 2026-12-04:
tests/builders/layouts/vizwiz.json): question_id (string), image (Image), question, answers (list
of string), category. question_id is the image's file name without `.jpg` (e.g.
"VizWiz_val_00000000"): lmms-eval's `vizwiz_vqa/utils.py` appends ".jpg" to it for the
submission file. No value was seen, so a `.jpg` suffix is accepted too and dropped from the id.
Splits val, test (test answers are empty); files `data/<split>-*.parquet` (with a hash suffix).
"""

from __future__ import annotations

from typing import Any

from ouro_toolkit.builders.base import Normalised, OuroSourceBuilder, SourceSpec
from ouro_toolkit.data.catalog import VIZWIZ

SPEC = SourceSpec(
    name="vizwiz",
    task="vqa",
    repo_id=VIZWIZ.repo_id,
    splits=("val", "test"),
    license="CC BY 4.0",
    homepage="https://vizwiz.org/tasks-and-datasets/vqa/",
    description="VizWiz-VQA: questions from blind people about their own photos, ten answers each.",
    citation="@inproceedings{gurari2018vizwiz, title={VizWiz Grand Challenge: Answering Visual "
    "Questions from Blind People}, author={Gurari, Danna and others}, booktitle={CVPR}, year={2018}}",
    columns=("question_id", "image", "question", "answers"),
)


class VizWiz(OuroSourceBuilder):
    SPEC = SPEC

    def normalise(self, raw: dict[str, Any]) -> Normalised:
        source_id = str(raw["question_id"] or "").removesuffix(".jpg") or raw["__row__"]
        row = Normalised(source_id=source_id, image=raw["image"])
        row.add_qa(raw["question"], raw["answers"])
        return row
