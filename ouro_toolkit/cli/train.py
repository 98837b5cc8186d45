"""`ouro train --config RECIPE.yaml [--key value ...]`: LoRA-train on OURO data (one process).

A thin shell over `ouro_toolkit.training`: the arguments go unchanged to the same TRL parser that
`recipes/train.py` uses, so every recipe key can be overridden here. For several GPUs use
`accelerate launch recipes/train.py ...` (see docs/training.md).
"""

from __future__ import annotations

from pathlib import Path

import click

EPILOG = (
    "Any field of OuroDataConfig, trl.SFTConfig, trl.ModelConfig or OuroTrainingArguments can be "
    "given as --name value after the recipe (`ouro train --help` lists them)."
)


def _config_path(args: list[str]) -> str | None:
    if "--config" not in args:
        return None
    index = args.index("--config")
    if index + 1 >= len(args):
        raise click.UsageError(
            "--config needs a YAML file, e.g. --config recipes/tiny_cpu_smoke.yaml"
        )
    return args[index + 1]


@click.command(
    "train",
    add_help_option=False,  # --help goes to the TRL parser, which knows every field
    context_settings=dict(ignore_unknown_options=True, allow_extra_args=True),
    epilog=EPILOG,
)
@click.pass_context
def train(ctx: click.Context) -> None:
    """Fine-tune a VLM with LoRA on OURO data: `ouro train --config RECIPE.yaml [--key value ...]`."""
    args = list(ctx.args)
    if "-h" in args or "--help" in args:
        from ouro_toolkit.training import make_parser

        click.echo(f"{train.help}\n\n{EPILOG}\n")
        make_parser(prog="ouro train").print_help()
        return
    config = _config_path(args)
    if config is not None and not Path(config).is_file():
        raise click.ClickException(
            f"--config {config}: no such file (recipes live in recipes/*.yaml)"
        )

    from ouro_toolkit.images import ImageLoadError
    from ouro_toolkit.training import (
        AdapterPushError,
        TrainingConfigError,
        parse_training_args,
        run_training,
    )
    from ouro_toolkit.training.data import DatasetSpecError

    try:
        parsed = parse_training_args(args, prog="ouro train")
    except ValueError as exc:  # unknown keys in the YAML, malformed values
        raise click.ClickException(str(exc)) from None
    try:
        outcome = run_training(parsed.data, parsed.training, parsed.model, parsed.ouro)
    except (TrainingConfigError, DatasetSpecError, ImageLoadError, AdapterPushError) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # e.g. a model id that cannot be fetched offline
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from None
    click.echo(f"adapter saved to {outcome.output_dir} (global step {outcome.global_step})")
    if outcome.resumed_from:
        click.echo(f"resumed from {outcome.resumed_from}")
    if outcome.hub_url:
        click.echo(f"pushed to {outcome.hub_url}")
