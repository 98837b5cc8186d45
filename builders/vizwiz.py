"""VizWiz-VQA: questions blind people asked about photos they took.

Layout from the dataset card of `lmms-lab/VizWiz-VQA` (README `dataset_info`): question_id (string,
the image file name, e.g. "VizWiz_val_00000000.jpg"), image (Image), question, answers (list of
string), category. Splits val, test (test answers are empty); files `data/<split>-*.parquet`.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from builders.base import Normalised, OuroSourceBuilder, SourceSpec
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
        source_id = PurePosixPath(str(raw["question_id"])).stem or raw["__row__"]
        row = Normalised(source_id=source_id, image=raw["image"])
        row.add_qa(raw["question"], raw["answers"])
        return row
