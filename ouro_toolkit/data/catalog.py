"""The Hub datasets that both a source builder and an eval task read, declared once.

Each entry is a `DatasetRef` (id and config; the split is the reader's). A builder's `SourceSpec`
and an eval task's `Benchmark` name the same entry here, so an id or config changes in one place. lmms-eval moved its copies from `lmms-lab` to `lmms-lab-encoder` in
2026: `moved_id` swaps the organisation, and `MOVED_HINT` is the one sentence that says so.
"""

from __future__ import annotations

from ouro_toolkit.data.reference import DatasetRef

LMMS_LAB = "lmms-lab"
LMMS_LAB_MOVED = "lmms-lab-encoder"
MOVED_HINT = f"{LMMS_LAB}/* ids moved to {LMMS_LAB_MOVED}/* in 2026"


def is_lmms_lab(repo_id: str | None) -> bool:
    return bool(repo_id) and repo_id.split("/")[0] == LMMS_LAB


def moved_id(repo_id: str, org: str) -> str:
    """`repo_id` under organisation `org` when it is an lmms-lab id; other ids unchanged."""
    return f"{org}/{repo_id.split('/', 1)[1]}" if is_lmms_lab(repo_id) else repo_id


OKVQA = DatasetRef("lmms-lab/OK-VQA")
VQAV2 = DatasetRef("lmms-lab/VQAv2")
VIZWIZ = DatasetRef("lmms-lab/VizWiz-VQA")
GQA = DatasetRef("lmms-lab/GQA")  # questions and images in separate configs per split
SCIENCEQA = DatasetRef("lmms-lab/ScienceQA", config="ScienceQA-IMG")
DOCVQA = DatasetRef("lmms-lab/DocVQA", config="DocVQA")
INFOVQA = DatasetRef(
    "lmms-lab/DocVQA", config="InfographicVQA"
)  # same repo as DocVQA, its own config
CHARTQA = DatasetRef("lmms-lab/ChartQA")
TEXTVQA = DatasetRef("lmms-lab/textvqa")
AI2D = DatasetRef("lmms-lab/ai2d")
COCO_CAPTION = DatasetRef("lmms-lab/COCO-Caption2017")
TEXTCAPS = DatasetRef("lmms-lab/TextCaps")
