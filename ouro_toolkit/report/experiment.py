"""An `ouro experiment` run folder, read for the page: its results table with paired 95% CIs,
its plots, and M0's and M1's answers side by side on the same held-out scenes.

What a run folder holds (see `ouro_toolkit.experiment.runner`): experiment_config.json,
results-<label>.json (+ .md, score_vs_k-<label>.png), eval/M0.json and eval/<arm>-s<seed>.json
(every test sample's prompt, prediction and score), build/ (the OURO rows M1 trained on).
The CIs are computed here from the per-sample scores: per test item, M1's score (mean over its
seeds) minus M0's on the same item, so test-scene difficulty cancels out.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ouro_toolkit.errors import MissingFile
from ouro_toolkit.experiment.report import METRICS
from ouro_toolkit.report.intervals import Interval, mean_interval, paired_interval
from ouro_toolkit.report.thumbnails import file_base64, thumbnail
from ouro_toolkit.scenes.generate import scene_from_id

CONFIG_FILE = "experiment_config.json"
DESCRIBE = "describe"  # the sample id suffix of a scene's description request
# The per-sample scores the CIs are over: QA items score 0/1, description items their F1.
PAIRED = (("qa_accuracy", "QA acc."), ("description_f1", "Desc. object F1"))


def is_experiment(folder: Path) -> bool:
    return (folder / CONFIG_FILE).is_file()


@dataclass
class Variant:
    name: str  # "M0" or an arm name
    files: list[Path]  # one eval file per seed
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # per seed file

    @property
    def label(self) -> str:
        """As the results table names it: "M0", "M1 k5-enhanced-random"."""
        return self.name if self.name == "M0" else f"M1 {self.name}"


@dataclass
class CompareRow:
    scene: str
    kind: str
    prompt: str
    truth: str
    answers: list[tuple[str, str, float | None]]  # (variant, prediction, score)


@dataclass
class ExperimentView:
    folder: Path
    config: dict[str, Any]
    tables: list[dict[str, Any]]  # one per results-<label>.json
    intervals: list[dict[str, Any]]  # per variant: {metric: Interval}, paired ones vs M0
    plots: list[tuple[str, str]]  # (file name, base64 PNG)
    compare: list[CompareRow]
    compare_variants: list[str]
    scene_thumbs: dict[str, str]
    metrics: tuple = METRICS
    paired: tuple = PAIRED


def _kind(sample_id: str) -> str:
    return "description" if sample_id.endswith(f"#{DESCRIBE}") else "qa"


def per_item(records: list[dict[str, Any]], kind: str) -> dict[str, float]:
    return {
        r["id"]: float(r["score"])
        for r in records
        if r["score"] is not None and _kind(r["id"]) == kind
    }


def averaged(seed_records: list[list[dict[str, Any]]], kind: str) -> dict[str, float]:
    """Per item, the mean score over seeds (items every seed scored)."""
    per_seed = [per_item(records, kind) for records in seed_records]
    shared = set.intersection(*(set(p) for p in per_seed)) if per_seed else set()
    return {k: sum(p[k] for p in per_seed) / len(per_seed) for k in shared}


def _variants(folder: Path) -> list[Variant]:
    evals = folder / "eval"
    base = evals / "M0.json"
    if not base.is_file():
        return []
    by_arm: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(evals.glob("*-s*.json")):
        by_arm[path.stem.rsplit("-s", 1)[0]].append(path)
    variants = [Variant("M0", [base])] + [Variant(a, files) for a, files in sorted(by_arm.items())]
    for variant in variants:
        for path in variant.files:
            variant.samples[path.name] = json.loads(path.read_text(encoding="utf-8"))["samples"]
    return variants


def interval_rows(variants: list[Variant]) -> list[dict[str, Any]]:
    rows = []
    base = variants[0]
    for variant in variants:
        seeds = list(variant.samples.values())
        row: dict[str, Any] = {"name": variant.label, "seeds": len(seeds)}
        for key, kind in (("qa_accuracy", "qa"), ("description_f1", "description")):
            mine = averaged(seeds, kind)
            row[key] = _within(mean_interval(list(mine.values())), 0.0, 1.0)
            if variant is not base:
                theirs = averaged(list(base.samples.values()), kind)
                row[f"{key}_delta"] = _within(paired_interval(theirs, mine), -1.0, 1.0)
        rows.append(row)
    return rows


def _within(interval: Interval | None, low: float, high: float) -> Interval | None:
    return None if interval is None else interval.within(low, high)


def compare_rows(variants: list[Variant], scenes: int) -> tuple[list[CompareRow], list[str]]:
    """Every test item of the first `scenes` scenes: M0's answer and each arm's (first seed)."""
    shown = [(v.label, next(iter(v.samples.values()))) for v in variants]
    by_id = [(name, {r["id"]: r for r in records}) for name, records in shown]
    base = shown[0][1]
    order = list(dict.fromkeys(r["id"].split("#")[0] for r in base))[:scenes]
    keep = set(order)
    rows = []
    for record in base:
        scene = record["id"].split("#")[0]
        if scene not in keep:
            continue
        answers = []
        for name, table in by_id:
            other = table.get(record["id"])
            if other is not None:
                answers.append((name, other["prediction"] or other["error"] or "", other["score"]))
        rows.append(
            CompareRow(scene, _kind(record["id"]), record["prompt"], _truth(record), answers)
        )
    return rows, [name for name, _ in shown]


def _truth(record: dict[str, Any]) -> str:
    """A QA item's reference answer; for a description, the scene's true objects."""
    if _kind(record["id"]) == "qa":
        return " | ".join(record["answers"])
    scene = scene_from_id(record["id"].split("#")[0], render=False)
    return "" if scene is None else "; ".join(o.label for o in scene.top_level())


def scene_thumbs(rows: list[CompareRow], side: int, quality: int) -> dict[str, str]:
    thumbs = {}
    for scene_id in dict.fromkeys(r.scene for r in rows):
        scene = scene_from_id(scene_id)
        if scene is not None and scene.image is not None:
            thumbs[scene_id] = thumbnail(scene.png_bytes(), side, quality)[0]
    return thumbs


def read_experiment(folder: Path, compare_scenes: int, side: int, quality: int) -> ExperimentView:
    config_path = folder / CONFIG_FILE
    if not config_path.is_file():
        raise MissingFile(f"{folder}: no {CONFIG_FILE}; is this an `ouro experiment --out` folder?")
    tables = []
    for path in sorted(folder.glob("results-*.json")):
        results = json.loads(path.read_text(encoding="utf-8"))
        label = path.stem.removeprefix("results-")
        tables.append(
            {
                "label": label,
                "table": results.get("table", {}),
                "truth": results.get("build_vs_truth", {}),
            }
        )
    variants = _variants(folder)
    compare, names = compare_rows(variants, compare_scenes) if variants else ([], [])
    return ExperimentView(
        folder=folder,
        config=json.loads(config_path.read_text(encoding="utf-8")),
        tables=tables,
        intervals=interval_rows(variants) if variants else [],
        plots=[
            (p.name, file_base64(p.read_bytes())) for p in sorted(folder.glob("score_vs_k-*.png"))
        ],
        compare=compare,
        compare_variants=names,
        scene_thumbs=scene_thumbs(compare, side, quality),
    )
