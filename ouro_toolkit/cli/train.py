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

    from ouro_toolkit.training.cli_entry import main

    # Same entry as recipes/train.py: known errors are one line on stderr and exit code 1.
    ctx.exit(main(args, prog="ouro train"))
