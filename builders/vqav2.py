"""VQAv2: open-ended questions about COCO images, ten human answers each.

Layout from the dataset card of `lmms-lab/VQAv2` (README `dataset_info`): question_type,
multiple_choice_answer, answers (list of {answer, answer_confidence, answer_id}), image_id (int64),
answer_type, question_id (int64), question, image (Image). Splits validation, testdev, test (the
test splits carry no answers); files `data/<split>-*.parquet`. Questions on the same image follow
each other, so they are merged into one row per image. multiple_choice_answer is only a fallback
for a row without answers, read when present. Read 2026-12-04: tests/builders/layouts/vqav2.json.
"""

from __future__ import annotations

from typing import Any

from ouro_toolkit.builders.base import Normalised, OuroSourceBuilder, SourceSpec
from ouro_toolkit.data.catalog import VQAV2

SPEC = SourceSpec(
    name="vqav2",
    task="vqa",
    repo_id=VQAV2.repo_id,
    splits=("validation", "testdev", "test"),
    license="CC BY 4.0",
    homepage="https://visualqa.org",
    description="VQAv2: 1.1M questions on COCO images with ten answers each.",
    citation="@inproceedings{goyal2017making, title={Making the V in VQA Matter}, "
    "author={Goyal, Yash and others}, booktitle={CVPR}, year={2017}}",
    columns=("question_id", "question", "image_id", "image", "answers"),
    optional=("multiple_choice_answer",),
)


class VQAv2(OuroSourceBuilder):
    SPEC = SPEC

    def normalise(self, raw: dict[str, Any]) -> Normalised:
        row = Normalised(
            source_id=str(raw["question_id"]), image=raw["image"], image_key=str(raw["image_id"])
        )
        answers = raw["answers"]
        if isinstance(answers, list):
            # [{answer, answer_confidence, answer_id}] -> the ten answer strings (duplicates kept:
            # VQA accuracy counts them).
            answers = [a.get("answer") if isinstance(a, dict) else a for a in answers]
        if not answers and raw.get("multiple_choice_answer"):
            answers = [raw["multiple_choice_answer"]]
        row.add_qa(raw["question"], answers)
        return row
