"""The OURO row: the Hub dataset schema every build writes and every reader expects."""

from __future__ import annotations

from datasets import Features, Image, List, Value

from ouro_toolkit.source_schema import QA_FEATURE

REGION_FEATURE = {
    "node_id": Value("int32"),
    "parent_id": Value("int32"),
    "depth": Value("int32"),
    "bbox": List(Value("float32"), length=4),
    "score": Value("float32"),
    "proposer": Value("string"),
    "label": Value("string"),
    "description": Value("string"),
    "ocr_text": Value("string"),
}

QA_ASPECTS = ("object details", "spatial relationships", "style", "scene context", "interactions")

OURO_FEATURES = Features(
    {
        "id": Value("string"),
        "source": Value("string"),
        "task": Value("string"),
        "image": Image(),
        "original": {"captions": List(Value("string")), "qa": List(QA_FEATURE)},
        "regions": List(REGION_FEATURE),
        "description": Value("string"),
        "qa": List(
            {"question": Value("string"), "answer": Value("string"), "aspect": Value("string")}
        ),
        "provenance": {
            "model": Value("string"),
            "backend": Value("string"),
            "prompt_version": Value("string"),
            "toolkit_version": Value("string"),
            "config_hash": Value("string"),
        },
        # "ok" | "error": whether the annotation succeeded. `error` says why not, and also carries
        # notes on the source's own data ("source: empty question") for rows that are "ok".
        "status": Value("string"),
        "error": Value("string"),
    }
)
