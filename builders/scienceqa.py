"""ScienceQA, image subset: multiple-choice science questions that come with a picture.

Layout from the dataset card of `lmms-lab/ScienceQA`, config `ScienceQA-IMG` (README
`dataset_info`): image (Image), question, choices (list of string), answer (int8: index of the
right choice), hint, task, grade, subject, topic, category, skill, lecture, solution. Files
`ScienceQA-IMG/<split>-*.parquet` for test, validation and train: the card comments train out of
its `configs:`, but `ScienceQA-IMG/train-00000-of-00001.parquet` is in the repo (read 2026-12-04:
tests/builders/layouts/scienceqa.json). No id column: ids are `<split>/<file>#<row>`. The hint is
the question's context (lmms-eval puts it before the question as "Context: ..."), so it is kept
the same way when the file has it.
"""

from __future__ import annotations

from typing import Any

from ouro_toolkit.builders.ai2d import choice_answer
from ouro_toolkit.builders.base import Normalised, OuroSourceBuilder, SourceSpec, as_texts
from ouro_toolkit.data.catalog import SCIENCEQA

SPEC = SourceSpec(
    name="scienceqa",
    task="vqa",
    repo_id=SCIENCEQA.repo_id,
    splits=("test", "validation", "train"),
    not_in_card=("train",),
    hub_config=SCIENCEQA.config,
    license="CC BY-NC-SA 4.0",
    homepage="https://scienceqa.github.io",
    description="ScienceQA (image subset): multiple-choice science questions with a picture.",
    citation="@inproceedings{lu2022learn, title={Learn to Explain: Multimodal Reasoning via Thought "
    "Chains for Science Question Answering}, author={Lu, Pan and others}, booktitle={NeurIPS}, year={2022}}",
    data_files="ScienceQA-IMG/{split}-*.parquet",
    columns=("image", "question", "choices", "answer"),
    optional=("hint",),
)


class ScienceQA(OuroSourceBuilder):
    SPEC = SPEC

    def normalise(self, raw: dict[str, Any]) -> Normalised:
        row = Normalised(source_id=raw["__row__"], image=raw["image"])
        question = raw["question"]
        hint = (raw.get("hint") or "").strip()
        if hint and question and str(question).strip():
            question = f"Context: {hint}\n{question}"
        choices, _ = as_texts(raw["choices"])
        row.add_qa(question, choice_answer(row, choices, raw["answer"]), raw["choices"])
        return row
