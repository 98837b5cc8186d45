"""`ouro experiment`: the bootstrapping loop on procedural scenes, M0 against M1."""

from __future__ import annotations

import click

from ouro_toolkit.cli.options import parse_pairs
from ouro_toolkit.cli.output import chatter_to_stderr
from ouro_toolkit.experiment.config import (
    ANNOTATORS,
    EXPERIMENT_TREE,
    SETTINGS,
    TINY,
    ExperimentConfig,
)
from ouro_toolkit.training.transform import LAYOUTS


def _ints(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"{text!r}: give comma-separated integers, e.g. 0,1,2") from None


@click.command("experiment")
@click.option(
    "--out", required=True, type=click.Path(file_okay=False), help="Run folder (resumable)."
)
@click.option("--model", default=None, help="M0 folder (default: the M0 shipped in the package).")
@click.option(
    "--setting",
    type=click.Choice(SETTINGS),
    default="headline",
    show_default=True,
    help="headline: M0 vs M1 at k=5; ablations: k in 0,1,3,5,7, original vs enhanced, "
    "informed vs random crops; tiny: mechanics only (tests).",
)
@click.option("--seeds", default=None, help="M1 training seeds [default: 0,1,2].")
@click.option(
    "--train-scenes", type=click.IntRange(min=1), default=None, help="Scenes built with M0."
)
@click.option(
    "--test-scenes", type=click.IntRange(min=1), default=None, help="Held-out scenes scored."
)
@click.option(
    "--test-seed-start",
    type=int,
    default=None,
    help="Seed of the first held-out test scene [default: 2000000, the test split's first]; "
    "the test split holds seeds 2000000-2000999.",
)
@click.option("--proposers", default=None, help="Comma-separated proposers (default objects,ocr).")
@click.option(
    "--annotator",
    type=click.Choice(ANNOTATORS),
    default="m0",
    show_default=True,
    help="Who writes the OURO rows: M0, or the ground-truth oracle (perfect annotations, for "
    "comparison).",
)
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    default="joint",
    show_default=True,
    help="M1's training samples: joint (the paper's: full image + k crops, description, region "
    "and QA turns in one conversation) or per_sample (one image, one turn per target, in the "
    "benchmark's prompt layout). A per_sample run names its own adapters and results.",
)
@click.option(
    "--control/--no-control",
    default=True,
    show_default=True,
    help="Also train and score the self-distillation control: M0 + LoRA, with M1's steps, on "
    "M0's own whole-image answers to the benchmark's prompts about the same train scenes (what "
    "M1 must beat to show that the regions, not more training, help).",
)
@click.option(
    "--train-override",
    "train_overrides",
    multiple=True,
    help="Recipe override KEY=VALUE, repeatable (e.g. num_train_epochs=1).",
)
@click.option(
    "--docs",
    "docs",
    type=click.Path(file_okay=False),
    default="docs",
    show_default=True,
    help="Where the Markdown table and the PNG are copied ('' for nowhere).",
)
@click.option("--no-progress", is_flag=True)
def experiment(out, model, setting, seeds, train_scenes, test_scenes, test_seed_start, proposers,
               annotator, layout, control, train_overrides, docs, no_progress) -> None:  # fmt: skip
    """Build OURO data with M0, train M1 = M0 + LoRA, score both on held-out scenes.

    \b
    ouro experiment --out runs/headline                      # M0 vs M1 at k=5, 3 seeds
    ouro experiment --out runs/ablations --setting ablations
    ouro experiment --out runs/other --test-seed-start 2000500 --test-scenes 200
    """
    from pathlib import Path

    from ouro_toolkit.experiment.runner import run_experiment

    pairs = parse_pairs(train_overrides, "--train-override")
    overrides = [part for key, value in pairs.items() for part in (f"--{key}", value)]
    given = {
        "train_scenes": train_scenes,
        "test_scenes": test_scenes,
        "test_seed_start": test_seed_start,
        "model": model,
        "seeds": _ints(seeds) if seeds else None,
        "train_overrides": overrides or None,
        "annotator": annotator,
        "layout": layout,
        "control": control,
    }
    options = dict(TINY) if setting == "tiny" else {}
    options.update({k: v for k, v in given.items() if v is not None})
    if proposers:
        tree = options.get("tree", EXPERIMENT_TREE)
        options["tree"] = tree.replace(proposers=tuple(proposers.split(",")))
    cfg = ExperimentConfig(out=out, setting=setting, **options)
    # Trainer and library chatter print to stdout: the report is the table alone.
    with chatter_to_stderr():
        results = run_experiment(cfg, progress=not no_progress, docs=Path(docs) if docs else None)
    click.echo(f"results: {results['files']['results']}", err=True)
    click.echo(Path(results["files"]["table"]).read_text())
