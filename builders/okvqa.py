"""OK-VQA: questions that need outside knowledge, on COCO images.

Layout from the dataset card of `lmms-lab/OK-VQA` (README `dataset_info`): question_id (string),
image (Image), question, answers (list of string), question_type, answer_type. One split,
`val2014` (files `data/val2014-*.parquet`). lmms-eval's `lmms_eval/tasks/ok_vqa/utils.py` reads
doc["question"], doc["answers"], doc["question_id"], doc["image"]. There is no image id column,
so rows are not merged per image.
"""

from __future__ import annotations

from typing import Any

from ouro_toolkit.builders.base import Normalised, OuroSourceBuilder, SourceSpec
from ouro_toolkit.data.catalog import OKVQA

SPEC = SourceSpec(
    name="okvqa",
    task="vqa",
    repo_id=OKVQA.repo_id,
    splits=("val2014",),
    license="unspecified",
    homepage="https://okvqa.allenai.org",
    description="OK-VQA: 14k questions on COCO images that need outside knowledge.",
    citation="@inproceedings{marino2019ok, title={OK-VQA: A Visual Question Answering Benchmark "
    "Requiring External Knowledge}, author={Marino, Kenneth and others}, booktitle={CVPR}, year={2019}}",
    columns=("question_id", "image", "question", "answers"),
)


class OKVQA(OuroSourceBuilder):
    SPEC = SPEC

    def normalise(self, raw: dict[str, Any]) -> Normalised:
        row = Normalised(source_id=str(raw["question_id"]), image=raw["image"])
        row.add_qa(raw["question"], raw["answers"])
        return row
