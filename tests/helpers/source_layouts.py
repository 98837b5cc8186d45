"""Fixture Parquet files in each source's own column layout, and what the builder must make of them.

Each `Case` declares the source's columns exactly as its dataset card's `dataset_info` does (the
same `datasets.Features`, so the Parquet written by `Dataset.to_parquet` has the Hub copy's
schema), the file path the Hub repo uses, a few rows with real (small) photographs from
`skimage.data`, and the rows expected after normalisation.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from datasets import Dataset, Features, Image, List, Value

from tests.helpers.images import photo

S = Value("string")
I64 = Value("int64")
I32 = Value("int32")


@cache
def image_bytes(name: str) -> bytes:
    """A real photo, shrunk to 40x30 so fixtures stay tiny; JPEG for coffee, PNG for the rest."""
    fmt = "JPEG" if name == "coffee" else "PNG"
    buffer = io.BytesIO()
    photo(name, (40, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


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

    def write(self, root: Path) -> Path:
        for relative, (features, columns) in self.files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            Dataset.from_dict(columns, features=features).to_parquet(str(path))
        return root


def expect(id: str, image: str | None, captions=(), qas=(), error: str = "") -> dict[str, Any]:
    return {"id": id, "image": image, "captions": list(captions), "qa": list(qas), "error": error}


def _coco() -> Case:
    features = Features(
        {"question_id": S, "image": Image(), "question": S, "answer": List(S), "id": I64,
         "license": Value("int8"), "file_name": S, "coco_url": S, "height": I64, "width": I64,
         "date_captured": S}
    )  # fmt: skip
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
        {"data/val-00000-of-00001.parquet": (features, columns)},
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
    features = Features(
        {"question_id": S, "question": S, "image": Image(), "image_id": S, "image_classes": List(S),
         "flickr_original_url": S, "flickr_300k_url": S, "image_width": I64, "image_height": I64,
         "set_name": S, "image_name": S, "image_path": S, "caption_id": List(I64),
         "caption_str": List(S), "reference_strs": List(S)}
    )  # fmt: skip
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
        {"data/val-00000-of-00001.parquet": (features, columns)},
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
    answer = {"answer": S, "answer_confidence": S, "answer_id": I64}
    features = Features(
        {"question_type": S, "multiple_choice_answer": S, "answers": List(answer), "image_id": I64,
         "answer_type": S, "question_id": I64, "question": S, "image": Image()}
    )  # fmt: skip

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
        {"data/validation-00000-of-00001.parquet": (features, columns)},
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
    features = Features(
        {"question_id": S, "image": Image(), "question": S, "answers": List(S), "question_type": S,
         "answer_type": S}
    )  # fmt: skip
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
        {"data/val2014-00000-of-00001.parquet": (features, columns)},
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
    questions = Features(
        {
            "id": S,
            "imageId": S,
            "question": S,
            "answer": S,
            "fullAnswer": S,
            "isBalanced": Value("bool"),
        }
    )
    images = Features({"id": S, "image": Image()})
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
        "fullAnswer": ["No, it is outdoors.", "The woman wears the suit.", "A cup.", "Yes."],
        "isBalanced": [True, True, True, True],
    }
    i_columns = {
        "id": ["n161313", "n235859", "n500000"],
        "image": [img("astronaut"), img("coffee"), img("chelsea")],
    }
    return Case(
        "gqa",
        "testdev",
        {
            "testdev_balanced_instructions/testdev-00000-of-00001.parquet": (questions, q_columns),
            "testdev_balanced_images/testdev-00000-of-00001.parquet": (images, i_columns),
        },
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
    features = Features(
        {"image": Image(), "question": S, "choices": List(S), "answer": Value("int8"), "hint": S,
         "task": S, "grade": S, "subject": S, "topic": S, "category": S, "skill": S, "lecture": S,
         "solution": S}
    )  # fmt: skip
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
        {"ScienceQA-IMG/test-00000-of-00001.parquet": (features, columns)},
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
    features = Features(
        {"question_id": S, "image": Image(), "question": S, "answers": List(S), "category": S}
    )
    columns = {
        "question_id": ["VizWiz_val_00000000.jpg", "VizWiz_val_00000001.jpg"],
        "image": [img("coffee"), img("page")],
        "question": ["What is in this cup?", "What does this say?"],
        "answers": [["coffee"] * 10, ["unanswerable"] * 10],
        "category": ["other", "unanswerable"],
    }
    return Case(
        "vizwiz",
        "val",
        {"data/val-00000-of-00001.parquet": (features, columns)},
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


TEXTVQA_FEATURES = Features(
    {"image_id": S, "question_id": I32, "question": S, "question_tokens": List(S), "image": Image(),
     "image_width": I32, "image_height": I32, "flickr_original_url": S, "flickr_300k_url": S,
     "answers": List(S), "image_classes": List(S), "set_name": S, "ocr_tokens": List(S)}
)  # fmt: skip


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
        {"data/validation-00000-of-00001.parquet": (TEXTVQA_FEATURES, columns)},
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
    box = {
        "width": Value("float64"),
        "height": Value("float64"),
        "top_left_x": Value("float64"),
        "top_left_y": Value("float64"),
    }
    features = Features(
        {"image": Image(), "image_id": S, "questions": List(S), "answers": List(S),
         "ocr_tokens": List(S), "ocr_info": List({"word": S, "bounding_box": box}), "title": S,
         "authorName": S, "genre": S, "image_width": I64, "image_height": I64, "image_url": S,
         "set_name": S}
    )  # fmt: skip
    columns = {
        "image": [img("page")],
        "image_id": ["1931914471"],
        "questions": [["Who wrote this book?", "What is the genre of this book?"]],
        "answers": [["Jane Doe", "Science"]],
        "ocr_tokens": [["Jane", "Doe"]],
        "ocr_info": [
            [
                {
                    "word": "Jane",
                    "bounding_box": {
                        "width": 0.1,
                        "height": 0.05,
                        "top_left_x": 0.2,
                        "top_left_y": 0.8,
                    },
                }
            ]
        ],
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
        {"data/train-00000-of-00001.parquet": (features, columns)},
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
    features = Features({"question": S, "options": List(S), "answer": S, "image": Image()})
    columns = {
        "question": ["Which stage comes after the egg?", "What eats the grass?"],
        "options": [["larva", "adult", "pupa", "egg"], ["cow", "sun"]],
        "answer": ["0", "0"],
        "image": [img("page"), img("chelsea")],
    }
    return Case(
        "ai2d",
        "test",
        {"data/test-00000-of-00001.parquet": (features, columns)},
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
    features = Features(
        {"questionId": S, "question": S, "question_types": List(S), "image": Image(), "docId": I64,
         "ucsf_document_id": S, "ucsf_document_page_no": S, "answers": List(S), "data_split": S}
    )  # fmt: skip
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
        {"DocVQA/validation-00000-of-00001.parquet": (features, columns)},
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
    features = Features({"type": S, "question": S, "answer": S, "image": Image()})
    columns = {
        "type": ["human_test", "augmented_test"],
        "question": ["What is the highest value?", "How many bars are there?"],
        "answer": ["62.5", "4"],
        "image": [img("camera"), img("text")],
    }
    return Case(
        "chartqa",
        "test",
        {"data/test-00000-of-00001.parquet": (features, columns)},
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


def _infovqa() -> Case:
    features = Features(
        {"questionId": S, "question": S, "answers": List(S), "answer_type": List(S), "image": Image(),
         "image_url": S, "operation/reasoning": List(S), "ocr": S, "data_split": S}
    )  # fmt: skip
    columns = {
        "questionId": ["98313", "98314"],
        "question": ["What percentage use phones?", "Which year is shown?"],
        "answers": [["45%", "45"], ["2019"]],
        "answer_type": [["single span"], ["single span"]],
        "image": [img("page"), img("page")],
        "image_url": ["https://infographics.example/38257.jpeg"] * 2,
        "operation/reasoning": [[], ["counting"]],
        "ocr": ['{"WORD": []}', '{"WORD": []}'],
        "data_split": ["val", "val"],
    }
    return Case(
        "infovqa",
        "validation",
        {"InfographicVQA/validation-00000-of-00001.parquet": (features, columns)},
        [
            expect(
                "infovqa/38257",
                "page",
                qas=[
                    qa("What percentage use phones?", ["45%", "45"]),
                    qa("Which year is shown?", ["2019"]),
                ],
            )
        ],
    )


CASES: dict[str, Case] = {
    case.source: case
    for case in (
        _coco(), _textcaps(), _vqav2(), _okvqa(), _gqa(), _scienceqa(), _vizwiz(), _textvqa(),
        _ocrvqa(), _ai2d(), _docvqa(), _chartqa(), _infovqa(),
    )
}  # fmt: skip
