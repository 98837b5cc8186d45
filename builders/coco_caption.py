"""COCO Caption (2017 val/test images, five reference captions each).

Layout: lmms-eval's `lmms_eval/tasks/coco_cap/utils.py` (dataset `lmms-lab/COCO-Caption2017`,
split `val`) reads doc["question_id"] -- "the question id in our dataset is the image file itself",
e.g. "000000397133.jpg" -- doc["answer"] (the list of reference captions), doc["id"] and
doc["image"]; the card's other columns (question, license, file_name, coco_url, height, width,
date_captured) are not needed here. Files `data/<split>-*.parquet`.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from ouro_toolkit.builders.base import Normalised, OuroSourceBuilder, SourceSpec
from ouro_toolkit.data.catalog import COCO_CAPTION

SPEC = SourceSpec(
    name="coco_caption",
    task="caption",
    repo_id=COCO_CAPTION.repo_id,
    splits=("val", "test"),
    license="CC BY 4.0",
    homepage="https://cocodataset.org",
    description="MS COCO 2017 captions: five human captions per image.",
    citation="@inproceedings{lin2014microsoft, title={Microsoft COCO: Common Objects in Context}, "
    "author={Lin, Tsung-Yi and others}, booktitle={ECCV}, year={2014}}",
    columns=("question_id", "image", "answer"),
)


class COCOCaption(OuroSourceBuilder):
    SPEC = SPEC

    def normalise(self, raw: dict[str, Any]) -> Normalised:
        # "000000397133.jpg" -> "000000397133": the COCO image id, zero-padded as in the file name.
        image_id = PurePosixPath(str(raw["question_id"])).stem or raw["__row__"]
        row = Normalised(source_id=image_id, image=raw["image"])
        row.add_captions(raw["answer"])
        return row
