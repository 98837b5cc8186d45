"""InfographicVQA: questions about infographics.

Layout from the dataset card of `lmms-lab/DocVQA`, config `InfographicVQA` (README `dataset_info`,
read 2026-12-04; tests/builders/layouts/infovqa.json): questionId (string), question, answers
(list of string; empty on test), answer_type (list), image (Image), image_url (string),
operation/reasoning (list), ocr (string), data_split. Files `InfographicVQA/<split>-*.parquet`;
the card's `configs:` lists validation and test, and comments out train (23,946 questions), whose
files are in the repo. lmms-eval's `infovqa/utils.py` reads image, question and questionId.

No column identifies the image: `image_url` is the web page the infographic came from, and its
file stem (`infographic`, `img`, `Infographic-1024x2048`) repeats across different infographics,
two of them in a row at times; the original data's image id (`image_local_name`) is not in this
copy. Questions are therefore grouped by a hash of the image bytes, and a row's id is
`infovqa/<hash>`: the same for every copy of the same image, different for different ones.
"""

from __future__ import annotations

from typing import Any

from ouro_toolkit.builders.base import Normalised, OuroSourceBuilder, SourceSpec, image_digest
from ouro_toolkit.data.catalog import INFOVQA

SPEC = SourceSpec(
    name="infovqa",
    task="document",
    repo_id=INFOVQA.repo_id,
    splits=("validation", "test", "train"),
    not_in_card=("train",),
    hub_config=INFOVQA.config,
    license="Apache-2.0",
    homepage="https://www.docvqa.org/datasets/infographicvqa",
    description="InfographicVQA: 30k questions on 5k infographics.",
    citation="@inproceedings{mathew2022infographicvqa, title={InfographicVQA}, "
    "author={Mathew, Minesh and others}, booktitle={WACV}, year={2022}}",
    data_files="InfographicVQA/{split}-*.parquet",
    columns=("questionId", "question", "answers", "image"),
)


class InfoVQA(OuroSourceBuilder):
    SPEC = SPEC

    def normalise(self, raw: dict[str, Any]) -> Normalised:
        image = raw["image"]
        row = Normalised(
            source_id=str(raw["questionId"]), image=image, image_key=image_digest(image)
        )
        row.add_qa(raw["question"], raw["answers"])
        return row
