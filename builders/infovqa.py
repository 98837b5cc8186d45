"""InfographicVQA: questions about infographics.

Layout from the dataset card of `lmms-lab/DocVQA`, config `InfographicVQA` (README
`dataset_info`): questionId (string), question, answers (list of string; empty on test),
answer_type (list), image (Image), image_url (string), operation/reasoning (list), ocr (string),
data_split. Splits validation, test; files `InfographicVQA/<split>-*.parquet`. Questions on the same
infographic (same image_url) follow each other and are merged into one row.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from builders.base import Normalised, OuroSourceBuilder, SourceSpec
from ouro_toolkit.data.catalog import INFOVQA

SPEC = SourceSpec(
    name="infovqa",
    task="document",
    repo_id=INFOVQA.repo_id,
    splits=("validation", "test"),
    hub_config=INFOVQA.config,
    license="Apache-2.0",
    homepage="https://www.docvqa.org/datasets/infographicvqa",
    description="InfographicVQA: 30k questions on 5k infographics.",
    citation="@inproceedings{mathew2022infographicvqa, title={InfographicVQA}, "
    "author={Mathew, Minesh and others}, booktitle={WACV}, year={2022}}",
    data_files="InfographicVQA/{split}-*.parquet",
    columns=("questionId", "question", "answers", "image", "image_url"),
)


class InfoVQA(OuroSourceBuilder):
    SPEC = SPEC

    def normalise(self, raw: dict[str, Any]) -> Normalised:
        url = raw.get("image_url") or ""
        key = PurePosixPath(url).stem if url else None
        row = Normalised(source_id=str(raw["questionId"]), image=raw["image"], image_key=key)
        row.add_qa(raw["question"], raw["answers"])
        return row
