"""The common source schema every builder normalises its benchmark into."""

from __future__ import annotations

from datasets import Features, Image, List, Value

TASKS = ("caption", "vqa", "scene-text", "document")

QA_FEATURE = {
    "question": Value("string"),
    "answers": List(Value("string")),
    "choices": List(Value("string")),
}

SOURCE_FEATURES = Features(
    {
        "id": Value("string"),  # stable: "<source>/<source's own id>"
        "image": Image(),
        "source": Value("string"),
        "task": Value("string"),  # one of TASKS
        "captions": List(Value("string")),
        "qa": List(QA_FEATURE),
        "error": Value("string"),  # "" when the row is clean; otherwise what was wrong
    }
)
