"""`ouro eval`: score a model (and optionally its adapter) on the paper's benchmarks.

A thin shell over `ouro_toolkit.evaluation`: flags (or a YAML recipe from `recipes/eval/`) become
an `EvalConfig`; the runner, report writer and card writer do the work.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from ouro_toolkit.cli.fields import config_options, field_option, recipe_settings
from ouro_toolkit.cli.options import parse_backend_options, parse_pairs
from ouro_toolkit.evaluation.runner import EvalConfig

# Recipe keys that are not EvalConfig fields (or are spelled otherwise in a recipe).
CLI_ONLY_KEYS = frozenset({"datasets", "out", "card"})
NOT_IN_RECIPES = frozenset({"hub_ids", "progress"})


def recipe_keys() -> frozenset[str]:
    """What a recipe may set: the EvalConfig fields, as the flags spell them, and the CLI's own."""
    fields = {f.name for f in dataclasses.fields(EvalConfig) if f.init}
    return frozenset(fields - NOT_IN_RECIPES | CLI_ONLY_KEYS)


def _load_recipe(path: str | None) -> dict[str, Any]:
    return recipe_settings(path, recipe_keys())


def _list_benchmarks() -> None:
    from ouro_toolkit.evaluation.tasks import BENCHMARKS

    for b in BENCHMARKS.values():
        where = b.hub_id or ("generated here" if b.generate else "local files only (--data-dir)")
        if b.config or b.data_files:
            where += f" [{b.config or b.data_files}]"
        click.echo(f"{b.name:<10} {b.title:<13} {b.metric:<17} {b.reported_split:<11} {where}")


@click.command("eval")
@click.option(
    "--config",
    "recipe",
    type=click.Path(dir_okay=False),
    help="YAML recipe (recipes/eval/*.yaml); flags override it.",
)
# Unset, these flags leave a recipe's value, then EvalConfig's default, in place.
@config_options(
    EvalConfig,
    ("model", "adapter", "benchmarks", "limit", "backend", "server_url", "data_dir", "hub_org"),
    with_default=False,
    types={"data_dir": click.Path(file_okay=False, path_type=Path)},
)
@click.option(
    "--dataset",
    "datasets",
    multiple=True,
    metavar="NAME=REPO",
    help="Dataset id for one benchmark (repeatable).",
)
@field_option(EvalConfig, "profile", with_default=False)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Results JSON (default results.json); the table goes beside it as .md.",
)
@click.option(
    "--card",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Model card README.md to write the results into (model-index).",
)
@field_option(EvalConfig, "batch_size", with_default=False)
@click.option(
    "--backend-option",
    "backend_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Backend setting, e.g. max_pixels=262144 (repeatable).",
)
@click.option("--list", "list_only", is_flag=True, help="List the benchmarks and exit.")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
def eval_command(recipe: str | None, list_only: bool, no_progress: bool, **flags: Any) -> None:
    """Evaluate MODEL (and its ADAPTER) on benchmarks; write scores, predictions and a table.

    \b
    Examples:
      ouro eval --model Qwen/Qwen2-VL-7B-Instruct --adapter out/ouro-lora \\
          --benchmarks okvqa,textvqa,docvqa --limit 200 --out results/ouro.json
      ouro eval --backend openai --server-url http://127.0.0.1:30000 \\
          --model Qwen/Qwen2-VL-7B-Instruct --benchmarks all --hub-org lmms-lab-encoder
      ouro eval --config recipes/eval/quick.yaml --model M --card out/ouro-lora/README.md
    """
    if list_only:
        _list_benchmarks()
        return
    from ouro_toolkit.evaluation.card import write_card
    from ouro_toolkit.evaluation.report import markdown_table, write_report
    from ouro_toolkit.evaluation.runner import evaluate
    from ouro_toolkit.evaluation.tasks import parse_benchmarks

    settings = _load_recipe(recipe)
    settings.update({k: v for k, v in flags.items() if v not in (None, ())})
    if flags["datasets"]:
        settings["datasets"] = parse_pairs(flags["datasets"], "--dataset")
    if flags["backend_options"]:
        settings["backend_options"] = parse_backend_options(flags["backend_options"])
    if not settings.get("model"):
        raise click.UsageError("give --model (a Hub id, a local folder, or the served model name)")
    if not settings.get("benchmarks"):
        raise click.UsageError("give --benchmarks, e.g. --benchmarks okvqa,docvqa (see --list)")
    benchmarks = settings["benchmarks"]
    if isinstance(benchmarks, str):
        benchmarks = [b for b in benchmarks.split(",") if b.strip()]
    out = Path(settings.get("out") or "results.json")
    card = settings.get("card")
    # Unset settings take EvalConfig's defaults: each default is written once, there.
    values: dict[str, Any] = {
        f.name: settings[f.name]
        for f in dataclasses.fields(EvalConfig)
        if f.init
        if settings.get(f.name) not in (None, "")
    }
    values.update(
        model=str(settings["model"]),
        benchmarks=list(benchmarks),
        hub_ids=dict(settings.get("datasets") or {}),
        progress=not no_progress,
    )
    if values.get("data_dir"):
        values["data_dir"] = Path(values["data_dir"])
    if "batch_size" in values:
        values["batch_size"] = int(values["batch_size"])
    config = EvalConfig(**values)
    parse_benchmarks(",".join(config.benchmarks))  # fail on a bad name before loading anything
    report = evaluate(config)
    json_path, md_path = write_report(report, out)
    click.echo(markdown_table(report))
    click.echo(f"results: {json_path}\ntable:   {md_path}")
    if card:
        write_card(report, Path(card))
        click.echo(f"card:    {card} (model-index updated)")
