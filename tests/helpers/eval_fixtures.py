"""Fixture data for every benchmark, written in its real column layout (see the `source` of each
declaration in `ouro_toolkit/evaluation/tasks.py`), with small real photos from skimage.

`write_fixtures(root)` lays files out as the Hub repos do (`data/<split>-00000-of-00001.parquet`,
`<config>/<split>-...parquet`, DocOwl's `test/<Name>_test.jsonl` with image files beside it), so
`--data-dir root` exercises the same loading code as a downloaded snapshot.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from datasets import Dataset, Features, Image, List, Value
from PIL import Image as PILImage
from skimage import data as skdata

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera", "page", "text")
N = 3  # rows per benchmark


def photo(i: int, size: int = 64) -> PILImage.Image:
    array = getattr(skdata, PHOTOS[i % len(PHOTOS)])()
    return PILImage.fromarray(array).convert("RGB").resize((size, size))


def _parquet(path: Path, rows: dict[str, list[Any]], features: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Dataset.from_dict(rows, features=Features(features)).to_parquet(str(path))


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


S, INT, STRS = Value("string"), Value("int64"), List(Value("string"))
SHARD = "-00000-of-00001.parquet"


def write_fixtures(root: Path) -> Path:
    """Write fixtures for all 20 benchmarks under `root`; returns `root`."""
    root = Path(root)
    imgs = [photo(i) for i in range(N)]
    q = [f"What is shown in picture {i}?" for i in range(N)]
    ten = [["cat"] * 4 + ["kitten"] * 6, ["two"] * 10, ["red"] * 3 + ["blue"] * 7]

    # lmms-lab/OK-VQA, val2014
    _parquet(
        root / "okvqa/data" / f"val2014{SHARD}",
        {
            "question_id": ["1", "2", "3"],
            "question": q,
            "answers": ten,
            "question_type": ["one"] * N,
            "answer_type": ["other"] * N,
            "image": imgs,
        },
        {
            "question_id": S,
            "question": S,
            "answers": STRS,
            "question_type": S,
            "answer_type": S,
            "image": Image(),
        },
    )
    # lmms-lab/VQAv2, validation: answers are dicts
    vqa_answers = [
        [{"answer": a, "answer_confidence": "yes", "answer_id": j + 1} for j, a in enumerate(t)]
        for t in ten
    ]
    _parquet(
        root / "vqav2/data" / f"validation{SHARD}",
        {
            "question_type": ["what"] * N,
            "multiple_choice_answer": ["cat", "2", "blue"],
            "answers": vqa_answers,
            "image_id": [1, 2, 3],
            "answer_type": ["other"] * N,
            "question_id": [11, 12, 13],
            "question": q,
            "image": imgs,
        },
        {
            "question_type": S,
            "multiple_choice_answer": S,
            "answers": List({"answer": S, "answer_confidence": S, "answer_id": INT}),
            "image_id": INT,
            "answer_type": S,
            "question_id": INT,
            "question": S,
            "image": Image(),
        },
    )
    # lmms-lab/VizWiz-VQA, val
    _parquet(
        root / "vizwiz/data" / f"val{SHARD}",
        {
            "question_id": ["VizWiz_val_0.jpg", "VizWiz_val_1.jpg", "VizWiz_val_2.jpg"],
            "image": imgs,
            "question": [f"what is this {i}?" for i in range(N)],
            "answers": [["unanswerable"] * 10, ["soup"] * 10, ["blue"] * 10],
            "category": ["other"] * N,
        },
        {"question_id": S, "image": Image(), "question": S, "answers": STRS, "category": S},
    )
    # lmms-lab/GQA: questions and images in two configs, joined on imageId == id
    _parquet(
        root / "gqa/testdev_balanced_instructions" / f"testdev{SHARD}",
        {
            "id": ["q1", "q2", "q3"],
            "imageId": ["n1", "n2", "n1"],
            "question": q,
            "answer": ["yes", "left", "cat"],
            "fullAnswer": ["Yes, it is.", "It is on the left.", "A cat."],
        },
        {"id": S, "imageId": S, "question": S, "answer": S, "fullAnswer": S},
    )
    _parquet(
        root / "gqa/testdev_balanced_images" / f"testdev{SHARD}",
        {"id": ["n0", "n1", "n2"], "image": imgs},
        {"id": S, "image": Image()},
    )
    # the repo card declares the two configs, as lmms-lab/GQA's README does
    (root / "gqa/README.md").write_text(
        "---\nconfigs:\n"
        + "".join(
            f"- config_name: {c}\n  data_files:\n  - split: testdev\n    path: {c}/testdev-*\n"
            for c in ("testdev_balanced_images", "testdev_balanced_instructions")
        )
        + "---\n# GQA (fixture)\n"
    )
    # cambridgeltl/vsr_zeroshot: test.jsonl naming COCO files (kept under images/)
    vsr_rows = []
    for i in range(N):
        name = f"00000000{i}.jpg"
        (root / "vsr/images").mkdir(parents=True, exist_ok=True)
        imgs[i].save(root / "vsr/images" / name)
        vsr_rows.append(
            {
                "image": name,
                "image_link": f"http://images.cocodataset.org/val2017/{name}",
                "caption": f"The cat is left of the dog {i}.",
                "label": i % 2,
                "relation": "left of",
                "subj": "cat",
                "obj": "dog",
            }
        )
    _jsonl(root / "vsr/test.jsonl", vsr_rows)
    # lmms-lab/ScienceQA, config ScienceQA-IMG, test
    _parquet(
        root / "scienceqa/ScienceQA-IMG" / f"test{SHARD}",
        {
            "image": imgs,
            "question": q,
            "choices": [["cat", "dog"], ["sun", "moon", "star"], ["a", "b"]],
            "answer": [0, 2, 1],
            "hint": ["A pet.", "", ""],
            "task": ["closed choice"] * N,
            "grade": ["grade2"] * N,
            "subject": ["natural science"] * N,
            "topic": ["biology"] * N,
            "category": ["x"] * N,
            "skill": ["y"] * N,
            "lecture": [""] * N,
            "solution": [""] * N,
        },
        {
            "image": Image(),
            "question": S,
            "choices": STRS,
            "answer": Value("int8"),
            "hint": S,
            "task": S,
            "grade": S,
            "subject": S,
            "topic": S,
            "category": S,
            "skill": S,
            "lecture": S,
            "solution": S,
        },
    )
    # lmms-lab/ICON-QA, test: choices as one comma-separated string
    _parquet(
        root / "iconqa/data" / f"test{SHARD}",
        {
            "question_id": ["1", "2", "3"],
            "question": q,
            "choices": ["circle,square,triangle", "", ""],
            "answer": ["square", "1", "7"],
            "query_image": imgs,
            "choice_image_0": [None, imgs[0], None],
            "choice_image_1": [None, imgs[2], None],
            "ques_type": ["choose_txt", "choose_img", "fill_in_blank"],
            "label": [""] * N,
            "grade": ["prek"] * N,
            "skills": ["shape"] * N,
        },
        {
            "question_id": S,
            "question": S,
            "choices": S,
            "answer": S,
            "query_image": Image(),
            "choice_image_0": Image(),
            "choice_image_1": Image(),
            "ques_type": S,
            "label": S,
            "grade": S,
            "skills": S,
        },
    )
    # lmms-lab/DocVQA: configs DocVQA and InfographicVQA, validation
    for name, config in (("docvqa", "DocVQA"), ("infovqa", "InfographicVQA")):
        _parquet(
            root / name / config / f"validation{SHARD}",
            {
                "questionId": ["101", "102", "103"],
                "question": q,
                "question_types": [["form"]] * N,
                "image": imgs,
                "docId": [1, 2, 3],
                "answers": [["ITC Limited", "ITC"], ["1990"], ["$12.50"]],
                "data_split": ["val"] * N,
            },
            {
                "questionId": S,
                "question": S,
                "question_types": STRS,
                "image": Image(),
                "docId": INT,
                "answers": STRS,
                "data_split": S,
            },
        )
    # lmms-lab/ChartQA, test
    _parquet(
        root / "chartqa/data" / f"test{SHARD}",
        {
            "type": ["human_test", "augmented_test", "human_test"],
            "question": q,
            "answer": ["45", "Germany", "12%"],
            "image": imgs,
        },
        {"type": S, "question": S, "answer": S, "image": Image()},
    )
    # mPLUG/DocDownstream-1.0 test jsonl (DocOwl chat format) + image files
    docowl = {
        "deepform": (
            "DeepForm",
            ["advertiser", "gross_amount", "flight_from"],
            ["ACME Corp", "$1,200.00", "None"],
        ),
        "klc": (
            "KleisterCharity",
            ["charity_name", "charity_number", "report_date"],
            ["Good Cause", "123456", "2019-03-31"],
        ),
        "wtq": (
            "WikiTableQuestions",
            ["Which country won?", "How many games?", "Total points?"],
            ["Spain", "12", "101"],
        ),
    }
    for name, (task, asks, answers) in docowl.items():
        rows = []
        for i in range(N):
            rel = f"DUE_Benchmark/{task}/pngs/doc{i}.png"
            (root / name / rel).parent.mkdir(parents=True, exist_ok=True)
            imgs[i].save(root / name / rel)
            question = (
                asks[i]
                if task == "WikiTableQuestions"
                else f'What is the value for the "{asks[i]}"?'
            )
            rows.append(
                {
                    "image": [rel],
                    "messages": [
                        {"role": "user", "content": f"<|image|>{question}"},
                        {"role": "assistant", "content": answers[i]},
                    ],
                    "task_name": f"{task}_test",
                    "dataset_name": task,
                }
            )
        _jsonl(root / name / "test" / f"{task}_test.jsonl", rows)
    # lmms-lab/textvqa, validation
    _parquet(
        root / "textvqa/data" / f"validation{SHARD}",
        {
            "image_id": ["a", "b", "c"],
            "question_id": [1, 2, 3],
            "question": [f"what brand is this {i}?" for i in range(N)],
            "question_tokens": [["what"]] * N,
            "image": imgs,
            "image_width": [64] * N,
            "image_height": [64] * N,
            "answers": [["nokia"] * 10, ["coca cola"] * 10, ["stop"] * 10],
            "image_classes": [["Sign"]] * N,
            "set_name": ["val"] * N,
            "ocr_tokens": [["nokia"], ["coca", "cola"], ["stop"]],
        },
        {
            "image_id": S,
            "question_id": INT,
            "question": S,
            "question_tokens": STRS,
            "image": Image(),
            "image_width": INT,
            "image_height": INT,
            "answers": STRS,
            "image_classes": STRS,
            "set_name": S,
            "ocr_tokens": STRS,
        },
    )
    # lmms-lab/ai2d, test: answer is the option index as a string
    _parquet(
        root / "ai2d/data" / f"test{SHARD}",
        {
            "question": q,
            "options": [["leaf", "root", "stem", "flower"], ["sun", "moon"], ["a", "b", "c"]],
            "answer": ["2", "0", "1"],
            "image": imgs,
        },
        {"question": S, "options": STRS, "answer": S, "image": Image()},
    )
    # lmms-lab/ST-VQA, test: no answers (submission only)
    _parquet(
        root / "stvqa/data" / f"test{SHARD}",
        {"question_id": [1, 2, 3], "question": q, "image": imgs},
        {"question_id": INT, "question": S, "image": Image()},
    )
    # EST-VQA: our documented local layout
    _parquet(
        root / "estvqa" / f"test{SHARD}",
        {
            "question_id": ["e1", "e2", "e3"],
            "question": q,
            "answers": [["OPEN"], ["24 hours"], ["exit"]],
            "image": imgs,
        },
        {"question_id": S, "question": S, "answers": STRS, "image": Image()},
    )
    # captioning: lmms-lab/COCO-Caption2017 (val), flickr30k (test), TextCaps (val)
    caps = [
        ["A woman in a space suit.", "An astronaut poses for a photo."],
        ["A cup of coffee on a saucer.", "Coffee in a white cup."],
        ["A cat looks at the camera.", "A tabby cat sitting."],
    ]
    _parquet(
        root / "coco/data" / f"val{SHARD}",
        {
            "question_id": [f"000000{i:06d}.jpg" for i in range(N)],
            "image": imgs,
            "question": [
                "Please carefully observe the image and come up with a caption for the image."
            ]
            * N,
            "answer": caps,
            "id": [1, 2, 3],
            "file_name": [f"000000{i:06d}.jpg" for i in range(N)],
        },
        {
            "question_id": S,
            "image": Image(),
            "question": S,
            "answer": STRS,
            "id": INT,
            "file_name": S,
        },
    )
    _parquet(
        root / "flickr30k/data" / f"test{SHARD}",
        {
            "image": imgs,
            "caption": caps,
            "sentids": [["1", "2"]] * N,
            "img_id": ["0", "1", "2"],
            "filename": ["a.jpg", "b.jpg", "c.jpg"],
        },
        {"image": Image(), "caption": STRS, "sentids": STRS, "img_id": S, "filename": S},
    )
    _parquet(
        root / "textcaps/data" / f"val{SHARD}",
        {
            "image_id": ["t0", "t1", "t2"],
            "image_classes": [["Poster"]] * N,
            "image": imgs,
            "caption_id": [[1, 2]] * N,
            "caption_str": caps,
            "reference_strs": caps,
        },
        {
            "image_id": S,
            "image_classes": STRS,
            "image": Image(),
            "caption_id": List(INT),
            "caption_str": STRS,
            "reference_strs": STRS,
        },
    )
    return root
