"""Fixture Parquet files in each source's real Hub layout, and what the builder must make of them.

Each source's layout -- the features of its dataset card's `dataset_info`, the globs of its
`configs:` and the file names seen in the repo -- is recorded in `tests/builders/layouts/<source>.json`
with where and when it was read. A `Case` takes its features and file path from that record (so the
Parquet written by `Dataset.to_parquet` has the Hub copy's schema and name), adds a few rows with
real (small) photographs from `skimage.data`, and states the rows expected after normalisation. Row
values are made up; only the layout is read.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from datasets import Dataset, Features

from ouro_toolkit.data import glob_match
from tests.helpers.images import photo

LAYOUTS = Path(__file__).resolve().parents[1] / "builders" / "layouts"


@cache
def layout(source: str) -> dict[str, Any]:
    """The recorded Hub layout of `source` (see tests/builders/layouts/)."""
    return json.loads((LAYOUTS / f"{source}.json").read_text(encoding="utf-8"))


def _config(source: str, config: str | None) -> dict[str, Any]:
    configs = layout(source)["configs"]
    return configs[config] if config else next(iter(configs.values()))


def card_features(source: str, config: str | None = None) -> Features:
    """The features of the card's `dataset_info` (of `config`, else the source's only config)."""
    return Features._from_yaml_list(_config(source, config)["features"])


def card_file(source: str, split: str, config: str | None = None) -> str:
    """A file name of `split` as the repo has it: the first one seen, else one made up in the
    card's glob (`data/val-*` -> `data/val-00000-of-00001.parquet`)."""
    record = _config(source, config)
    glob = record["data_files"][split]
    seen = [f for f in record["files_seen"] if glob_match(f, glob + ".parquet")]
    return seen[0] if seen else glob.replace("*", "00000-of-00001.parquet")


def card_table(
    source: str, split: str, columns: dict[str, list[Any]], config: str | None = None
) -> dict[str, tuple[Features, dict[str, list[Any]]]]:
    """`{file: (features, columns)}` for one fixture file; its columns must be the card's, all of them."""
    features = card_features(source, config)
    assert list(columns) == list(features), (source, config, list(columns), list(features))
    return {card_file(source, split, config): (features, columns)}


@cache
def image_bytes(name: str) -> bytes:
    """A real photo, shrunk to 40x30 so fixtures stay tiny; JPEG for coffee, PNG for the rest."""
    fmt = "JPEG" if name == "coffee" else "PNG"
    buffer = io.BytesIO()
    photo(name, (40, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def digest(name: str) -> str:
    """The id part of an image keyed by its bytes (InfographicVQA): sha256, 16 hex digits."""
    return hashlib.sha256(image_bytes(name)).hexdigest()[:16]


def img(name: str | None) -> dict[str, Any] | None:
    return None if name is None else {"bytes": image_bytes(name), "path": None}


def qa(question: str, answers: list[str], choices: list[str] | None = None) -> dict[str, Any]:
    return {"question": question, "answers": answers, "choices": choices or []}


@dataclass
class Case:
    source: str
    split: str
    # relative path in the Hub repo -> (features as on the card, columns as lists)
    files: dict[str, tuple[Features, dict[str, list[Any]]]]
    expected: list[dict[str, Any]]  # id, image (photo name or None), captions, qa, error

    def write(self, root: Path, drop: tuple[str, ...] = ()) -> Path:
        """Write the fixture files under `root`, without the columns in `drop`."""
        for relative, (features, columns) in self.files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            kept = Features({k: v for k, v in features.items() if k not in drop})
            rows = {k: v for k, v in columns.items() if k not in drop}
            Dataset.from_dict(rows, features=kept).to_parquet(str(path))
        return root


def expect(id: str, image: str | None, captions=(), qas=(), error: str = "") -> dict[str, Any]:
    return {"id": id, "image": image, "captions": list(captions), "qa": list(qas), "error": error}


def _coco() -> Case:
    prompt = "Provide a one-sentence caption for the provided image."
    columns = {
        "question_id": ["000000397133.jpg", "000000037777.jpg"],
        "image": [img("astronaut"), img("coffee")],
        "question": [prompt, prompt],
        "answer": [["An astronaut in a suit.", "A woman smiling."], ["A cup of coffee."]],
        "id": [397133, 37777],
        "license": [4, 1],
        "file_name": ["000000397133.jpg", "000000037777.jpg"],
        "coco_url": ["http://images.cocodataset.org/val2017/000000397133.jpg"] * 2,
        "height": [427, 230],
        "width": [640, 352],
        "date_captured": ["2013-11-14 17:02:52"] * 2,
    }
    return Case(
        "coco_caption",
        "val",
        card_table("coco_caption", "val", columns),
        [
            expect(
                "coco_caption/000000397133",
                "astronaut",
                ["An astronaut in a suit.", "A woman smiling."],
            ),
            expect("coco_caption/000000037777", "coffee", ["A cup of coffee."]),
        ],
    )


def _textcaps() -> Case:
    columns = {
        "question_id": ["0", "1"],
        "question": ["Provide a one-sentence caption for the provided image."] * 2,
        "image": [img("rocket"), img("chelsea")],
        "image_id": ["011e7e629fb9ae7b", "0a2b3c4d5e6f7a8b"],
        "image_classes": [["Rocket"], ["Cat"]],
        "flickr_original_url": ["https://farm.example/1.jpg", "https://farm.example/2.jpg"],
        "flickr_300k_url": ["", ""],
        "image_width": [1024, 800],
        "image_height": [768, 600],
        "set_name": ["val", "val"],
        "image_name": ["011e7e629fb9ae7b", "0a2b3c4d5e6f7a8b"],
        "image_path": ["train/011e7e629fb9ae7b.jpg", "train/0a2b3c4d5e6f7a8b.jpg"],
        "caption_id": [[1, 2], []],
        "caption_str": [["A rocket labelled SATURN V.", "The rocket says USA."], []],
        "reference_strs": [["A rocket labelled SATURN V.", "A tall rocket on a pad."], []],
    }
    return Case(
        "textcaps",
        "val",
        card_table("textcaps", "val", columns),
        [
            expect(
                "textcaps/011e7e629fb9ae7b",
                "rocket",
                ["A rocket labelled SATURN V.", "The rocket says USA.", "A tall rocket on a pad."],
            ),
            expect("textcaps/0a2b3c4d5e6f7a8b", "chelsea"),  # test-like row: no captions, no error
        ],
    )


def _vqav2() -> Case:
    def answers(*texts: str) -> list[dict[str, Any]]:
        return [
            {"answer": t, "answer_confidence": "yes", "answer_id": i + 1}
            for i, t in enumerate(texts)
        ]

    columns = {
        "question_type": ["is the", "what color", "what"],
        "multiple_choice_answer": ["yes", "white", "coffee"],
        "answers": [answers("yes", "yes", "no"), answers("white", "white"), []],
        "image_id": [262148, 262148, 393225],
        "answer_type": ["yes/no", "other", "other"],
        "question_id": [262148000, 262148001, 393225000],
        "question": [
            "Is the person wearing a suit?",
            "What color is the suit?",
            "What drink is this?",
        ],
        "image": [img("astronaut"), img("astronaut"), img("coffee")],
    }
    return Case(
        "vqav2",
        "validation",
        card_table("vqav2", "validation", columns),
        [
            expect(
                "vqav2/262148",
                "astronaut",
                qas=[
                    qa("Is the person wearing a suit?", ["yes", "yes", "no"]),
                    qa("What color is the suit?", ["white", "white"]),
                ],
            ),
            # no answers list: falls back to multiple_choice_answer
            expect("vqav2/393225", "coffee", qas=[qa("What drink is this?", ["coffee"])]),
        ],
    )


def _okvqa() -> Case:
    columns = {
        "question_id": ["2971475", "3005145"],
        "image": [img("chelsea"), img("rocket")],
        "question": ["What breed is this animal?", "Which agency launched this?"],
        "answers": [["tabby"] * 5 + ["tiger cat"] * 5, ["nasa"] * 10],
        "question_type": ["four", "one"],
        "answer_type": ["other", "other"],
    }
    return Case(
        "okvqa",
        "val2014",
        card_table("okvqa", "val2014", columns),
        [
            expect(
                "okvqa/2971475",
                "chelsea",
                qas=[qa("What breed is this animal?", ["tabby"] * 5 + ["tiger cat"] * 5)],
            ),
            expect(
                "okvqa/3005145", "rocket", qas=[qa("Which agency launched this?", ["nasa"] * 10)]
            ),
        ],
    )


def _gqa() -> Case:
    q_columns = {
        "id": ["201307251", "201640614", "20968379", "20999999"],
        "imageId": ["n161313", "n161313", "n235859", "n404"],
        "question": [
            "Is it indoors?",
            "Who wears the suit?",
            "What is on the table?",
            "Is the sky blue?",
        ],
        "answer": ["no", "woman", "cup", "yes"],
    }
    i_columns = {
        "id": ["n161313", "n235859", "n500000"],
        "image": [img("astronaut"), img("coffee"), img("chelsea")],
    }
    return Case(
        "gqa",
        "testdev",
        card_table("gqa", "testdev", q_columns, "testdev_balanced_instructions")
        | card_table("gqa", "testdev", i_columns, "testdev_balanced_images"),
        [
            expect(
                "gqa/n161313",
                "astronaut",
                qas=[qa("Is it indoors?", ["no"]), qa("Who wears the suit?", ["woman"])],
            ),
            expect("gqa/n235859", "coffee", qas=[qa("What is on the table?", ["cup"])]),
            expect("gqa/n500000", "chelsea"),  # an image nobody asked about: kept, no error
            expect(
                "gqa/n404",
                None,
                qas=[qa("Is the sky blue?", ["yes"])],
                error="missing image: no image in this row",
            ),
        ],
    )


def _scienceqa() -> Case:
    columns = {
        "image": [img("rocket"), img("coffee")],
        "question": ["Which force moves the rocket up?", "Which is a liquid?"],
        "choices": [["gravity", "thrust"], ["cup", "coffee", "spoon"]],
        "answer": [1, 1],
        "hint": ["The engines push gas down.", ""],
        "task": ["closed choice"] * 2,
        "grade": ["grade5"] * 2,
        "subject": ["natural science"] * 2,
        "topic": ["physics", "chemistry"],
        "category": ["Forces", "Matter"],
        "skill": ["Identify forces", "Identify liquids"],
        "lecture": ["", ""],
        "solution": ["", ""],
    }
    return Case(
        "scienceqa",
        "test",
        card_table("scienceqa", "test", columns),
        [
            expect(
                "scienceqa/test/test-00000-of-00001#0",
                "rocket",
                qas=[
                    qa(
                        "Context: The engines push gas down.\nWhich force moves the rocket up?",
                        ["thrust"],
                        ["gravity", "thrust"],
                    )
                ],
            ),
            expect(
                "scienceqa/test/test-00000-of-00001#1",
                "coffee",
                qas=[qa("Which is a liquid?", ["coffee"], ["cup", "coffee", "spoon"])],
            ),
        ],
    )


def _vizwiz() -> Case:
    columns = {
        # lmms-eval appends ".jpg" to question_id, so the Hub's ids lack it; one with it is accepted.
        "question_id": ["VizWiz_val_00000000", "VizWiz_val_00000001.jpg"],
        "image": [img("coffee"), img("page")],
        "question": ["What is in this cup?", "What does this say?"],
        "answers": [["coffee"] * 10, ["unanswerable"] * 10],
        "category": ["other", "unanswerable"],
    }
    return Case(
        "vizwiz",
        "val",
        card_table("vizwiz", "val", columns),
        [
            expect(
                "vizwiz/VizWiz_val_00000000",
                "coffee",
                qas=[qa("What is in this cup?", ["coffee"] * 10)],
            ),
            expect(
                "vizwiz/VizWiz_val_00000001",
                "page",
                qas=[qa("What does this say?", ["unanswerable"] * 10)],
            ),
        ],
    )


TEXTVQA_FEATURES = card_features("textvqa")


def textvqa_columns(
    image_ids: list[str], questions: list[str], images: list[Any], answers: list[Any]
) -> dict[str, list[Any]]:
    n = len(image_ids)
    return {
        "image_id": image_ids,
        "question_id": list(range(34602, 34602 + n)),
        "question": questions,
        "question_tokens": [q.lower().split() for q in questions],
        "image": images,
        "image_width": [1024] * n,
        "image_height": [768] * n,
        "flickr_original_url": ["https://farm.example/x.jpg"] * n,
        "flickr_300k_url": ["https://farm.example/x_z.jpg"] * n,
        "answers": answers,
        "image_classes": [["Text"]] * n,
        "set_name": ["val"] * n,
        "ocr_tokens": [["stop"]] * n,
    }


def _textvqa() -> Case:
    columns = textvqa_columns(
        ["003a8ae2ef43b901", "003a8ae2ef43b901", "00685bc495504d61"],
        ["What does the sign say?", "What color is the sign?", "What is written here?"],
        [img("text"), img("text"), img("page")],
        [["stop"] * 10, ["red"] * 9 + ["orange"], [""] * 10],  # test-like row: ten empty answers
    )
    return Case(
        "textvqa",
        "validation",
        card_table("textvqa", "validation", columns),
        [
            expect(
                "textvqa/003a8ae2ef43b901",
                "text",
                qas=[
                    qa("What does the sign say?", ["stop"] * 10),
                    qa("What color is the sign?", ["red"] * 9 + ["orange"]),
                ],
            ),
            expect("textvqa/00685bc495504d61", "page", qas=[qa("What is written here?", [])]),
        ],
    )


def _ocrvqa() -> Case:
    box = {"width": 0.1, "height": 0.05, "top_left_x": 0.2, "top_left_y": 0.8}
    columns = {
        "image": [img("page")],
        "image_id": ["1931914471"],
        "questions": [["Who wrote this book?", "What is the genre of this book?"]],
        "answers": [["Jane Doe", "Science"]],
        "ocr_tokens": [["Jane", "Doe"]],
        "ocr_info": [[{"word": "Jane", "bounding_box": box}]],
        "title": ["Rocks"],
        "authorName": ["Jane Doe"],
        "genre": ["Science"],
        "image_width": [40],
        "image_height": [30],
        "image_url": ["http://ecx.images-amazon.com/images/I/1.jpg"],
        "set_name": ["train"],
    }
    return Case(
        "ocrvqa",
        "train",
        card_table("ocrvqa", "train", columns),
        [
            expect(
                "ocrvqa/1931914471",
                "page",
                qas=[
                    qa("Who wrote this book?", ["Jane Doe"]),
                    qa("What is the genre of this book?", ["Science"]),
                ],
            )
        ],
    )


def _ai2d() -> Case:
    columns = {
        "question": ["Which stage comes after the egg?", "What eats the grass?"],
        "options": [["larva", "adult", "pupa", "egg"], ["cow", "sun"]],
        "answer": ["0", "0"],
        "image": [img("page"), img("chelsea")],
    }
    return Case(
        "ai2d",
        "test",
        card_table("ai2d", "test", columns),
        [
            expect(
                "ai2d/test/test-00000-of-00001#0",
                "page",
                qas=[
                    qa(
                        "Which stage comes after the egg?",
                        ["larva"],
                        ["larva", "adult", "pupa", "egg"],
                    )
                ],
            ),
            expect(
                "ai2d/test/test-00000-of-00001#1",
                "chelsea",
                qas=[qa("What eats the grass?", ["cow"], ["cow", "sun"])],
            ),
        ],
    )


def _docvqa() -> Case:
    columns = {
        "questionId": ["337", "338", "339"],
        "question": ["What is the date?", "Who signed it?", "What is the title?"],
        "question_types": [["others"], ["handwritten"], ["layout"]],
        "image": [img("page"), img("page"), img("text")],
        "docId": [279, 279, 280],
        "ucsf_document_id": ["mxcj0037", "mxcj0037", "nkbl0226"],
        "ucsf_document_page_no": ["1", "1", "1"],
        "answers": [["1/8/93", "January 8, 1993"], ["R. Smith"], ["Annual report"]],
        "data_split": ["val"] * 3,
    }
    return Case(
        "docvqa",
        "validation",
        card_table("docvqa", "validation", columns),
        [
            expect(
                "docvqa/279",
                "page",
                qas=[
                    qa("What is the date?", ["1/8/93", "January 8, 1993"]),
                    qa("Who signed it?", ["R. Smith"]),
                ],
            ),
            expect("docvqa/280", "text", qas=[qa("What is the title?", ["Annual report"])]),
        ],
    )


def _chartqa() -> Case:
    columns = {
        "type": ["human_test", "augmented_test"],
        "question": ["What is the highest value?", "How many bars are there?"],
        "answer": ["62.5", "4"],
        "image": [img("camera"), img("text")],
    }
    return Case(
        "chartqa",
        "test",
        card_table("chartqa", "test", columns),
        [
            expect(
                "chartqa/test/test-00000-of-00001#0",
                "camera",
                qas=[qa("What is the highest value?", ["62.5"])],
            ),
            expect(
                "chartqa/test/test-00000-of-00001#1",
                "text",
                qas=[qa("How many bars are there?", ["4"])],
            ),
        ],
    )


# InfographicVQA's image_url is the page an infographic came from; its stem repeats across
# different images (issue 24 reports `infographic`, `img`, `Infographic-1024x2048`). These URLs are
# made up in that shape: two different images in a row share the stem `infographic`, two more the
# stem `img`, and the first image comes back after the others.
INFOVQA_ROWS = [
    ("98313", "What percentage use phones?", ["45%", "45"], "page", "https://www.example.org/2019/06/phones/infographic"),
    ("98314", "Which year is shown?", ["2019"], "page", "https://www.example.org/2019/06/phones/infographic"),
    ("98401", "How many cups a day?", ["3"], "coffee", "https://blog.example.com/health/infographic"),
    ("98402", "What is the title?", ["Space race"], "rocket", "https://cdn.example.net/uploads/2018/03/Infographic-1024x2048.jpg"),
    ("98503", "Which animal is shown?", ["cat"], "chelsea", "https://news.example.org/pets/img"),
    ("98504", "What is written at the top?", ["Read me"], "text", "https://data.example.com/img"),
    ("98315", "Which share is smallest?", ["5%"], "page", "https://www.example.org/2019/06/phones/infographic"),
]  # fmt: skip


def _infovqa() -> Case:
    n = len(INFOVQA_ROWS)
    qids, questions, answers, photos, urls = (list(c) for c in zip(*INFOVQA_ROWS, strict=True))
    columns = {
        "questionId": qids,
        "question": questions,
        "answers": answers,
        "answer_type": [["single span"]] * n,
        "image": [img(name) for name in photos],
        "image_url": urls,
        "operation/reasoning": [[]] * n,
        "ocr": ['{"WORD": []}'] * n,
        "data_split": ["val"] * n,
    }
    return Case(
        "infovqa",
        "validation",
        card_table("infovqa", "validation", columns),
        [
            expect(
                f"infovqa/{digest('page')}",
                "page",
                qas=[
                    qa("What percentage use phones?", ["45%", "45"]),
                    qa("Which year is shown?", ["2019"]),
                ],
            ),
            expect(f"infovqa/{digest('coffee')}", "coffee", qas=[qa("How many cups a day?", ["3"])]),
            expect(f"infovqa/{digest('rocket')}", "rocket", qas=[qa("What is the title?", ["Space race"])]),
            expect(f"infovqa/{digest('chelsea')}", "chelsea", qas=[qa("Which animal is shown?", ["cat"])]),
            expect(f"infovqa/{digest('text')}", "text", qas=[qa("What is written at the top?", ["Read me"])]),
            # the same image later in the stream: its own row, a unique id
            expect(f"infovqa/{digest('page')}~2", "page", qas=[qa("Which share is smallest?", ["5%"])]),
        ],
    )  # fmt: skip


CASES: dict[str, Case] = {
    case.source: case
    for case in (
        _coco(), _textcaps(), _vqav2(), _okvqa(), _gqa(), _scienceqa(), _vizwiz(), _textvqa(),
        _ocrvqa(), _ai2d(), _docvqa(), _chartqa(), _infovqa(),
    )
}  # fmt: skip
