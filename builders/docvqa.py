"""DocVQA: questions about scanned industry documents (UCSF collection).

Layout from the dataset card of `lmms-lab/DocVQA`, config `DocVQA` (README `dataset_info`):
questionId (string), question, question_types (list), image (Image), docId (int64),
ucsf_document_id, ucsf_document_page_no, answers (list of string; empty on test), data_split.
Files `DocVQA/<split>-*.parquet` for validation, test and train: the card comments train (39,463
questions) out of its `configs:`, but `DocVQA/train-000NN-of-00012.parquet` are in the repo (read
2026-12-04: tests/builders/layouts/docvqa.json). lmms-eval's
`lmms_eval/tasks/docvqa/utils.py` reads doc["questionId"], doc["question"], doc["answers"].
Questions on the same page (same docId) follow each other and are merged into one row.
"""

from __future__ import annotations

from typing import Any

from ouro_toolkit.builders.base import Normalised, OuroSourceBuilder, SourceSpec
from ouro_toolkit.data.catalog import DOCVQA

SPEC = SourceSpec(
    name="docvqa",
    task="document",
    repo_id=DOCVQA.repo_id,
    splits=("validation", "test", "train"),
    not_in_card=("train",),
    hub_config=DOCVQA.config,
    license="Apache-2.0",
    homepage="https://www.docvqa.org",
    description="DocVQA: 50k questions on 12k scanned document pages.",
    citation="@inproceedings{mathew2021docvqa, title={DocVQA: A Dataset for VQA on Document Images}, "
    "author={Mathew, Minesh and others}, booktitle={WACV}, year={2021}}",
    data_files="DocVQA/{split}-*.parquet",
    columns=("questionId", "question", "image", "docId", "answers"),
)


class DocVQA(OuroSourceBuilder):
    SPEC = SPEC

    def normalise(self, raw: dict[str, Any]) -> Normalised:
        row = Normalised(
            source_id=str(raw["questionId"]), image=raw["image"], image_key=str(raw["docId"])
        )
        row.add_qa(raw["question"], raw["answers"])
        return row
