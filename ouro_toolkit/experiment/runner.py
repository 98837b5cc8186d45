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

from ouro_toolkit.experiment.config import CONTROL, Arm, ExperimentConfig
from ouro_toolkit.experiment.evaluate import benchmark_samples, evaluate_variant
from ouro_toolkit.experiment.report import aggregate, markdown_table, plot_vs_k, versus_control
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
    runs = [(arm, seed) for arm in cfg.arms for seed in cfg.seeds]
    for arm, seed in tqdm(runs, desc="train M1", disable=not progress):
        train_one(cfg, build_dir, adapter_dir(cfg, arm, seed), arm, seed, progress)


def train_one(
    cfg: ExperimentConfig,
    data_dir: Path,
    out: Path,
    arm: Arm,
    seed: int,
    progress: bool,
    extra: tuple[str, ...] = (),
) -> None:
    """One LoRA run of the recipe on `data_dir`; skipped when its adapter is already there."""
    from ouro_toolkit.training.config import parse_training_args
    from ouro_toolkit.training.runner import TRAINING_RECORD, run_training

    if (out / TRAINING_RECORD).is_file():
        return
    argv = [
        "--config", cfg.recipe,
        "--model_name_or_path", cfg.model,
        "--dataset_name", str(data_dir),
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
        *extra,
    ]  # fmt: skip
    args = parse_training_args(argv, prog="ouro experiment")
    run_training(args.data, args.training, args.model, args.ouro)


def control_stage(cfg: ExperimentConfig, build_dir: Path, progress: bool = True) -> None:
    """The self-distillation control (`control.py`): M0's own whole-image answers about the
    train scenes, trained with the same steps as the first arm's M1 of each seed."""
    from ouro_toolkit.experiment.control import (
        CONTROL_SHARD,
        control_adapter_dir,
        control_rows,
        self_answers,
        steps_of,
    )

    data_dir = cfg.root / "control"
    if not (data_dir / CONTROL_SHARD).is_file():
        control_rows(build_dir, self_answers(cfg, progress), data_dir)
    arm = cfg.arms[0]
    for seed in tqdm(cfg.seeds, desc="train control", disable=not progress):
        steps = steps_of(adapter_dir(cfg, arm, seed))
        extra = ("--max_steps", str(steps))
        train_one(cfg, data_dir, control_adapter_dir(cfg, seed), arm, seed, progress, extra)


def eval_stage(cfg: ExperimentConfig, progress: bool = True) -> tuple[dict, dict[str, list]]:
    """M0, every M1 and (with `cfg.control`) every control run on the held-out scenes; the
    trained variants by name (arm names, and `control.CONTROL`)."""
    from ouro_toolkit.experiment.control import control_adapter_dir

    variants: list[tuple[str, Path | None, int | None]] = [("M0", None, None)]
    variants += [(a.name, adapter_dir(cfg, a, s), s) for a in cfg.arms for s in cfg.seeds]
    if cfg.control:
        variants += [(CONTROL, control_adapter_dir(cfg, s), s) for s in cfg.seeds]
    m0: dict[str, Any] = {}
    trained: dict[str, list] = {}
    samples = benchmark_samples(cfg.test_scenes, cfg.test_seed_start)  # the same for every variant
    for name, adapter, seed in tqdm(variants, desc="eval", disable=not progress):
        file = (
            cfg.root
            / "eval"
            / (f"{name}.json" if seed is None else f"{name}{cfg.tag}-s{seed}.json")
        )
        result = evaluate_variant(
            cfg.model,
            None if adapter is None else str(adapter),
            cfg.test_scenes,
            file,
            first_seed=cfg.test_seed_start,
            batch_size=16,
            progress=progress,
            samples=samples,
        )
        if seed is None:
            m0 = result
        else:
            trained.setdefault(name, []).append(result | {"seed": seed})
    return m0, trained


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
    if cfg.control:
        control_stage(cfg, build_dir, progress)
    m0, arms = eval_stage(cfg, progress)
    rows = aggregate(m0, arms)
    versus = versus_control(arms)
    results = {
        "config": cfg.to_dict(),
        "table": rows,
        "versus_control": versus,
        "build_vs_truth": build_quality(build_dir),
        "m0": summary(m0),
        "m1": {name: [summary(r) for r in runs] for name, runs in arms.items()},
    }
    # One set of outputs per setting: headline and ablations may share a run folder.
    path = cfg.root / f"results-{cfg.label}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    table = markdown_table(
        rows, len(cfg.seeds), note=_why(results["build_vs_truth"], cfg), versus=versus
    )
    (cfg.root / f"results-{cfg.label}.md").write_text(table)
    plot = plot_vs_k(rows, cfg.root / f"score_vs_k-{cfg.label}.png")
    if docs is not None:
        docs.mkdir(parents=True, exist_ok=True)
        (docs / f"experiment-{cfg.label}.md").write_text(table)
        if plot is not None:
            (docs / f"experiment-{cfg.label}.png").write_bytes(plot.read_bytes())
    results["files"] = {"results": str(path), "table": str(cfg.root / f"results-{cfg.label}.md")}
    return results
