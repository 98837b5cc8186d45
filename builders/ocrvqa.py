"""OCR-VQA: questions about book covers (title, author, genre, ...).

Layout from the dataset card of `howard-hou/OCR-VQA` (README `dataset_info`; lmms-lab has no
copy): image (Image), image_id (string), questions (list of string), answers (list of string, one
per question), ocr_tokens (list), ocr_info (list of {word, bounding_box}), title, authorName, genre,
image_width, image_height, image_url, set_name. One row per cover. Splits train, validation, test;
files `data/<split>-*.parquet`.
"""

from __future__ import annotations

from typing import Any

from ouro_toolkit.builders.base import Normalised, OuroSourceBuilder, SourceSpec

SPEC = SourceSpec(
    name="ocrvqa",
    task="scene-text",
    repo_id="howard-hou/OCR-VQA",
    splits=("train", "validation", "test"),
    license="unspecified",
    homepage="https://ocr-vqa.github.io",
    description="OCR-VQA: 1M questions about 207k book-cover images.",
    citation="@inproceedings{mishra2019ocr, title={OCR-VQA: Visual Question Answering by Reading "
    "Text in Images}, author={Mishra, Anand and others}, booktitle={ICDAR}, year={2019}}",
    columns=("image", "image_id", "questions", "answers"),
)


class OCRVQA(OuroSourceBuilder):
    SPEC = SPEC

    def normalise(self, raw: dict[str, Any]) -> Normalised:
        row = Normalised(source_id=str(raw["image_id"]), image=raw["image"])
        questions = raw["questions"] if isinstance(raw["questions"], list) else [raw["questions"]]
        answers = raw["answers"] if isinstance(raw["answers"], list) else [raw["answers"]]
        if len(questions) != len(answers):
            row.problem("bad answers", f"{len(questions)} questions but {len(answers)} answers")
        for index, question in enumerate(questions):
            row.add_qa(question, answers[index] if index < len(answers) else None)
        return row
