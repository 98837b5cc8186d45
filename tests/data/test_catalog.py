"""A dataset read by both a source builder and an eval task is declared once, in the catalog."""

from __future__ import annotations

from ouro_toolkit.builders.registry import SOURCES
from ouro_toolkit.data import catalog
from ouro_toolkit.evaluation.tasks import BENCHMARKS, resolve_hub_id

# source name -> eval task name, for the datasets both read.
SHARED = {"okvqa": "okvqa", "vqav2": "vqav2", "vizwiz": "vizwiz", "gqa": "gqa",
          "scienceqa": "scienceqa", "docvqa": "docvqa", "infovqa": "infovqa", "chartqa": "chartqa",
          "textvqa": "textvqa", "ai2d": "ai2d", "coco_caption": "coco", "textcaps": "textcaps"}  # fmt: skip


def test_source_and_task_read_the_same_catalog_entry():
    entries = {v.repo_id for v in vars(catalog).values() if isinstance(v, catalog.DatasetRef)}
    for source, task in SHARED.items():
        spec, bench = SOURCES[source].SPEC, BENCHMARKS[task]
        assert spec.repo_id == bench.hub_id and spec.repo_id in entries, source
    # DocVQA and InfoVQA share one repo and differ by config, in both registries alike.
    for name in ("docvqa", "infovqa"):
        assert SOURCES[name].SPEC.hub_config == BENCHMARKS[name].config


def test_the_lmms_lab_move_is_one_rule():
    assert catalog.moved_id("lmms-lab/DocVQA", "lmms-lab-encoder") == "lmms-lab-encoder/DocVQA"
    assert catalog.moved_id("mPLUG/DocDownstream-1.0", "x") == "mPLUG/DocDownstream-1.0"
    docvqa = BENCHMARKS["docvqa"]
    assert resolve_hub_id(docvqa, org=catalog.LMMS_LAB_MOVED) == "lmms-lab-encoder/DocVQA"
