"""The self-distillation control: M0 trained, with M1's steps, on its own whole-image answers.

M1 could beat M0 for a boring reason: any more training in the benchmark's format, on the same
images, might help (the answer format, the scenes' prior). The control rules that out. For the
very scenes M1 trained on, M0 answers the benchmark's own prompts (the describe prompt and the
scene's exact questions, short-answer suffix included) from the whole image alone; those answers
become rows with no regions (`description` = M0's description, `qa` = the questions with M0's
answers), and a LoRA is trained on them with the same recipe, layout, seed and number of steps
as the M1 arm it is compared with. What M1 gains over this control is what the region tree's
information adds, not more training.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from ouro_toolkit.evaluation.generated import DESCRIBE
from ouro_toolkit.experiment.config import CONTROL, ExperimentConfig
from ouro_toolkit.experiment.evaluate import scenes_benchmark
from ouro_toolkit.scenes.language import QA_KIND_ASPECT

log = logging.getLogger(__name__)
# Where the control's rows go, as a build folder's single shard.
CONTROL_SHARD = Path("data") / "train-00000-of-00001.parquet"


def control_adapter_dir(cfg: ExperimentConfig, seed: int) -> Path:
    return cfg.root / "adapters" / f"{CONTROL}{cfg.tag}-s{seed}"


def train_split_samples(cfg: ExperimentConfig) -> list:
    """The benchmark's samples (describe + exact questions) for the experiment's train scenes."""
    from ouro_toolkit.evaluation.data import DataSource, iter_samples

    bench = replace(scenes_benchmark(None, cfg.train_scenes), split="train")
    return list(iter_samples(bench, DataSource()))


def self_answers(cfg: ExperimentConfig, progress: bool = True) -> dict[str, dict[str, Any]]:
    """M0's answers to the benchmark's prompts about each train scene, by scene id (cached in
    `control/m0_answers.json`)."""
    from ouro_toolkit.experiment.evaluate import evaluate_variant

    samples = train_split_samples(cfg)
    result = evaluate_variant(
        cfg.model,
        None,
        cfg.train_scenes,
        cfg.root / "control" / "m0_answers.json",
        batch_size=16,
        progress=progress,
        samples=samples,
    )
    predictions = {r["id"]: r["prediction"] or "" for r in result["samples"]}
    by_scene: dict[str, dict[str, Any]] = {}
    for sample in samples:
        entry = by_scene.setdefault(str(sample.meta["scene"]), {"description": "", "qa": []})
        answer = predictions.get(sample.id, "").strip()
        if sample.meta["kind"] == DESCRIBE:
            entry["description"] = answer
        elif answer:
            entry["qa"].append(
                {
                    "question": sample.meta["question"],
                    "answer": answer,
                    "aspect": QA_KIND_ASPECT[sample.meta["kind"]],
                }
            )
    return by_scene


def control_rows(build_dir: Path, answers: dict[str, dict[str, Any]], out_dir: Path) -> Path:
    """The build's rows with M0's own whole-image answers in place of the OURO annotations and
    no regions but the root, written as a build folder (`out_dir/data/train-*.parquet`)."""
    from ouro_toolkit.pipeline.inspect import load_build

    rows = load_build(build_dir)

    def swap(row: dict[str, Any]) -> dict[str, Any]:
        said = answers.get(row["id"])
        if said is None:
            raise ValueError(f"self-distillation control: M0 was not asked about {row['id']!r}")
        root = [r for r in row["regions"] if int(r["parent_id"]) < 0]
        return {"description": said["description"], "qa": said["qa"], "regions": root}

    swapped = rows.filter(lambda r: r["status"] == "ok").map(swap, features=rows.features)
    target = out_dir / CONTROL_SHARD
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    swapped.to_parquet(str(tmp))
    tmp.replace(target)  # a killed run never leaves half a file where training reads
    return out_dir


def steps_of(adapter: Path) -> int:
    """How many optimiser steps the M1 run in `adapter` took (its `ouro_training.json`)."""
    from ouro_toolkit.training.runner import TRAINING_RECORD

    record = json.loads((adapter / TRAINING_RECORD).read_text())
    return int(record["global_step"])
