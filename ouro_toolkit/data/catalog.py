"""The Hub datasets that both a source builder and an eval task read, declared once.

A builder's `SourceSpec` and an eval task's `Benchmark` name the same entry here, so an id or
config changes in one place. lmms-eval moved its copies from `lmms-lab` to `lmms-lab-encoder` in
2026: `moved_id` swaps the organisation, and `MOVED_HINT` is the one sentence that says so.
"""

from __future__ import annotations

from dataclasses import dataclass

LMMS_LAB = "lmms-lab"
LMMS_LAB_MOVED = "lmms-lab-encoder"
MOVED_HINT = f"{LMMS_LAB}/* ids moved to {LMMS_LAB_MOVED}/* in 2026"


@dataclass(frozen=True)
class HubDataset:
    repo_id: str
    config: str | None = None  # the Hub config (subset) both readers use, when there is one

    @property
    def lmms_lab(self) -> bool:
        return is_lmms_lab(self.repo_id)


def is_lmms_lab(repo_id: str | None) -> bool:
    return bool(repo_id) and repo_id.split("/")[0] == LMMS_LAB


def moved_id(repo_id: str, org: str) -> str:
    """`repo_id` under organisation `org` when it is an lmms-lab id; other ids unchanged."""
    return f"{org}/{repo_id.split('/', 1)[1]}" if is_lmms_lab(repo_id) else repo_id


OKVQA = HubDataset("lmms-lab/OK-VQA")
VQAV2 = HubDataset("lmms-lab/VQAv2")
VIZWIZ = HubDataset("lmms-lab/VizWiz-VQA")
GQA = HubDataset("lmms-lab/GQA")  # questions and images in separate configs per split
SCIENCEQA = HubDataset("lmms-lab/ScienceQA", "ScienceQA-IMG")
DOCVQA = HubDataset("lmms-lab/DocVQA", "DocVQA")
INFOVQA = HubDataset("lmms-lab/DocVQA", "InfographicVQA")  # same repo as DocVQA, its own config
CHARTQA = HubDataset("lmms-lab/ChartQA")
TEXTVQA = HubDataset("lmms-lab/textvqa")
AI2D = HubDataset("lmms-lab/ai2d")
COCO_CAPTION = HubDataset("lmms-lab/COCO-Caption2017")
TEXTCAPS = HubDataset("lmms-lab/TextCaps")
