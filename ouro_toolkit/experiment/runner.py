"""`run_experiment`: the bootstrapping loop, stage by stage, each resumable.

1. build: `ouro build --source scenes` with M0 behind the embedded backend (proposers, the tree,
   M0 describing every region, the merge, M0 writing QA) -> OURO rows. A finished shard is
   skipped; an unfinished one replays its request cache.
2. train: M1 = M0 + LoRA with the project's TRL recipe (full image + k crops, in the joint or the
   per-sample layout), one run per arm and seed; a run whose adapter and `ouro_training.json`
   exist is skipped.
3. eval: M0 and every M1 on `ouro eval`'s `scenes` benchmark (held-out scenes from
   `test_seed_start` on: exact QA accuracy overall and per kind, description object precision,
   recall, F1 and colour recall); one JSON per variant, reused on a rerun.
4. report: results JSON, Markdown tables (mean ± spread over seeds; every M1 - M0 difference
   with its paired bootstrap 95% CI over test scenes, per seed and pooled), a PNG of score vs k.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from ouro_toolkit.experiment.config import Arm, ExperimentConfig
from ouro_toolkit.experiment.evaluate import benchmark_samples, evaluate_variant
from ouro_toolkit.experiment.report import aggregate, markdown_table, plot_vs_k
from ouro_toolkit.experiment.truth_check import check_row, summarise

log = logging.getLogger(__name__)
ORACLE_NAME = "ground-truth-oracle"


def build_stage(cfg: ExperimentConfig, progress: bool = True) -> Path:
    from ouro_toolkit.backends.spec import BackendSpec
    from ouro_toolkit.pipeline.build import build_shard
    from ouro_toolkit.pipeline.config import BuildConfig

    oracle = cfg.annotator == "oracle"
    build = BuildConfig(
        source="scenes",
        split="train",
        limit=cfg.train_scenes,
        out=str(cfg.root / "build"),
        backend=BackendSpec(
            ORACLE_NAME if oracle else cfg.model,
            "oracle" if oracle else "transformers",
            max_pixels=cfg.max_pixels,
            batch_size=cfg.batch_size,
        ),
        tree=cfg.tree,
        progress=progress,
        prompts_path=_budget_prompts(cfg),
    )
    stats = build_shard(build)
    log.info("build: %s", stats.to_dict())
    return build.out_dir


def _budget_prompts(cfg: ExperimentConfig) -> str | None:
    """A prompt override that only lowers the token budgets (its own version keys the cache)."""
    if cfg.max_new_tokens is None:
        return None
    from ouro_toolkit.annotate.prompts import load_prompts

    path = cfg.root / "prompts.yaml"
    n, version = cfg.max_new_tokens, load_prompts().version
    path.write_text(
        f"version: {version}-budget{n}\ndescribe_max_new_tokens: {n}\nqa_max_new_tokens: {n}\n"
    )
    return str(path)


def adapter_dir(cfg: ExperimentConfig, arm: Arm, seed: int) -> Path:
    return cfg.root / "adapters" / f"{arm.name}{cfg.tag}-s{seed}"


def train_stage(cfg: ExperimentConfig, build_dir: Path, progress: bool = True) -> None:
    from ouro_toolkit.training.config import parse_training_args
    from ouro_toolkit.training.runner import TRAINING_RECORD, run_training

    runs = [(arm, seed) for arm in cfg.arms for seed in cfg.seeds]
    for arm, seed in tqdm(runs, desc="train M1", disable=not progress):
        out = adapter_dir(cfg, arm, seed)
        if (out / TRAINING_RECORD).is_file():
            continue
        argv = [
            "--config", cfg.recipe,
            "--model_name_or_path", cfg.model,
            "--dataset_name", str(build_dir),
            "--output_dir", str(out),
            "--k", str(arm.k),
            "--annotations", arm.annotations,
            "--crop_choice", arm.crop_choice,
            "--layout", cfg.layout,
            "--max_pixels", str(cfg.max_pixels),
            "--seed", str(seed),
            "--crop_seed", str(seed),
            "--disable_tqdm", "true" if not progress else "false",
            *cfg.train_overrides,
        ]  # fmt: skip
        args = parse_training_args(argv, prog="ouro experiment")
        run_training(args.data, args.training, args.model, args.ouro)


def eval_stage(cfg: ExperimentConfig, progress: bool = True) -> tuple[dict, dict[str, list]]:
    variants: list[tuple[str, Arm | None, int | None]] = [("M0", None, None)]
    variants += [(arm.name, arm, seed) for arm in cfg.arms for seed in cfg.seeds]
    m0: dict[str, Any] = {}
    arms: dict[str, list] = {arm.name: [] for arm in cfg.arms}
    samples = benchmark_samples(cfg.test_scenes, cfg.test_seed_start)  # the same for every variant
    for name, arm, seed in tqdm(variants, desc="eval", disable=not progress):
        adapter = None if arm is None else str(adapter_dir(cfg, arm, seed))
        file = (
            cfg.root / "eval" / (f"{name}.json" if arm is None else f"{name}{cfg.tag}-s{seed}.json")
        )
        result = evaluate_variant(
            cfg.model,
            adapter,
            cfg.test_scenes,
            file,
            first_seed=cfg.test_seed_start,
            batch_size=16,
            progress=progress,
            samples=samples,
        )
        if arm is None:
            m0 = result
        else:
            arms[name].append(result | {"seed": seed})
    return m0, arms


def build_quality(build_dir: Path) -> dict[str, float]:
    """How right M0's OURO rows are (region labels, d0 objects, QA) against the truth."""
    from ouro_toolkit.pipeline.inspect import load_build

    rows = load_build(build_dir).remove_columns("image")
    return summarise([check_row(row) for row in rows if row["status"] == "ok"])


def _why(truth: dict[str, float], cfg: ExperimentConfig) -> str:
    if not truth:
        return ""
    return (
        f"The OURO rows M1 trained on ({truth['rows']:.0f} train scenes, annotated by "
        f"{cfg.annotator}) against the truth: region labels right {100 * truth['region_label_accuracy']:.0f}%, "
        f"d0 object precision {100 * truth['d0_object_precision']:.0f}% / recall "
        f"{100 * truth['d0_object_recall']:.0f}% (colour right {100 * truth['d0_colour_recall']:.0f}%), "
        f"QA pairs that are exact questions of the scene {100 * truth['qa_exact_share']:.0f}%, "
        f"of those answered right {100 * truth['qa_answer_accuracy']:.0f}%."
    )


def summary(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in ("samples", "per_scene")}


def run_experiment(
    cfg: ExperimentConfig, progress: bool = True, docs: Path | None = None
) -> dict[str, Any]:
    cfg.record()
    build_dir = build_stage(cfg, progress)
    train_stage(cfg, build_dir, progress)
    m0, arms = eval_stage(cfg, progress)
    rows = aggregate(m0, arms)
    results = {
        "config": cfg.to_dict(),
        "table": rows,
        "build_vs_truth": build_quality(build_dir),
        "m0": summary(m0),
        "m1": {name: [summary(r) for r in runs] for name, runs in arms.items()},
    }
    # One set of outputs per setting: headline and ablations may share a run folder.
    path = cfg.root / f"results-{cfg.label}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    table = markdown_table(rows, len(cfg.seeds), note=_why(results["build_vs_truth"], cfg))
    (cfg.root / f"results-{cfg.label}.md").write_text(table)
    plot = plot_vs_k(rows, cfg.root / f"score_vs_k-{cfg.label}.png")
    if docs is not None:
        docs.mkdir(parents=True, exist_ok=True)
        (docs / f"experiment-{cfg.label}.md").write_text(table)
        if plot is not None:
            (docs / f"experiment-{cfg.label}.png").write_bytes(plot.read_bytes())
    results["files"] = {"results": str(path), "table": str(cfg.root / f"results-{cfg.label}.md")}
    return results
