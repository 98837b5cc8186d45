"""TextVQA: questions that need reading the text in the image (scene text).

Layout from the dataset card of `lmms-lab/textvqa` (README `dataset_info`): image_id (string),
question_id (int32), question, question_tokens (list), image (Image), image_width, image_height,
flickr_original_url, flickr_300k_url, answers (list of 10 strings; the test split holds 10 empty
strings), image_classes (list), set_name, ocr_tokens (list). lmms-eval's
`lmms_eval/tasks/textvqa/utils.py` reads doc["question"], doc["answers"], doc["question_id"],
doc["image"]. Splits: train, validation, test (files `data/<split>-*.parquet`).
"""

from __future__ import annotations

from typing import Any

from ouro_toolkit.builders.base import Normalised, OuroSourceBuilder, SourceSpec
from ouro_toolkit.data.catalog import TEXTVQA

SPEC = SourceSpec(
    name="textvqa",
    task="scene-text",
    repo_id=TEXTVQA.repo_id,
    splits=("train", "validation", "test"),
    license="CC BY 4.0",
    homepage="https://textvqa.org",
    description="TextVQA: 45k questions on 28k OpenImages photos that need reading scene text.",
    citation="@inproceedings{singh2019towards, title={Towards VQA Models That Can Read}, "
    "author={Singh, Amanpreet and others}, booktitle={CVPR}, year={2019}}",
    columns=("image_id", "question_id", "question", "image", "answers"),
)


class TextVQA(OuroSourceBuilder):
    SPEC = SPEC

    def normalise(self, raw: dict[str, Any]) -> Normalised:
        row = Normalised(
            source_id=str(raw["question_id"]), image=raw["image"], image_key=raw["image_id"]
        )
        row.add_qa(raw["question"], raw["answers"])
        return row
