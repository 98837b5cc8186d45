"""TextCaps: captions that mention the text in the image.

Layout from the dataset card of `lmms-lab/TextCaps` (README `dataset_info`): question_id, question,
image (Image), image_id, image_classes (list), flickr_original_url, flickr_300k_url, image_width,
image_height, set_name, image_name, image_path, caption_id (list of int), caption_str (list of
string), reference_strs (list of string). One row per image. lmms-eval's
`lmms_eval/tasks/textcaps/utils.py` uses doc["caption_str"] as the reference list and
doc["image_id"], never reference_strs: it is read when a file has it (its captions are added,
duplicates skipped) and a copy without it still streams. Splits train, val, test (test has no
captions); files `data/<split>-*.parquet`. Read 2026-12-04: tests/builders/layouts/textcaps.json.
"""

from __future__ import annotations

from typing import Any

from ouro_toolkit.builders.base import Normalised, OuroSourceBuilder, SourceSpec
from ouro_toolkit.data.catalog import TEXTCAPS

SPEC = SourceSpec(
    name="textcaps",
    task="caption",
    repo_id=TEXTCAPS.repo_id,
    splits=("train", "val", "test"),
    license="CC BY 4.0",
    homepage="https://textvqa.org/textcaps",
    description="TextCaps: 145k captions on 28k OpenImages photos that require reading text.",
    citation="@inproceedings{sidorov2020textcaps, title={TextCaps: a Dataset for Image Captioning "
    "with Reading Comprehension}, author={Sidorov, Oleksii and others}, booktitle={ECCV}, year={2020}}",
    columns=("image_id", "image", "caption_str"),
    optional=("reference_strs",),
)


class TextCaps(OuroSourceBuilder):
    SPEC = SPEC

    def normalise(self, raw: dict[str, Any]) -> Normalised:
        row = Normalised(
            source_id=str(raw["image_id"]), image=raw["image"], image_key=raw["image_id"]
        )
        row.add_captions(raw["caption_str"])
        row.add_captions(raw.get("reference_strs"))  # duplicates of caption_str are skipped
        return row
