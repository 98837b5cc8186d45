"""`ouro`: the command group. Subcommands live one per file and are imported only when used,
so `ouro --help` stays fast (torch is never imported just to print help).

To add a command: write `ouro_toolkit/cli/<name>.py` with a click command, and add one line to
`COMMANDS` below.
"""

from __future__ import annotations

import importlib
import logging
import os

import click

from ouro_toolkit.errors import OuroError, one_line

# command name -> "module:attribute"
COMMANDS: dict[str, str] = {
    "eval": "ouro_toolkit.cli.eval:eval_command",
    "experiment": "ouro_toolkit.cli.experiment:experiment",
    "regions": "ouro_toolkit.cli.regions:regions",
    "build": "ouro_toolkit.cli.build:build",
    "launch": "ouro_toolkit.cli.launch:launch",
    "rebuild": "ouro_toolkit.cli.build:rebuild",
    "inspect": "ouro_toolkit.cli.inspect:inspect",
    "serve": "ouro_toolkit.cli.serve:serve",
    "describe": "ouro_toolkit.cli.describe:describe",
    "push": "ouro_toolkit.cli.push:push",
    "report": "ouro_toolkit.cli.report:report",
    "sources": "ouro_toolkit.cli.sources:sources",
    "tiny-model": "ouro_toolkit.cli.tiny_model:tiny_model",
    "train": "ouro_toolkit.cli.train:train",
}

# CPU torch spins its OpenMP threads without this, making small runs 30x slower.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)

    def invoke(self, ctx: click.Context):
        # The one place user errors become one line (exit 1). Anything else is a bug and keeps
        # its traceback.
        try:
            return super().invoke(ctx)
        except OuroError as err:
            raise click.ClickException(one_line(err)) from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.version_option(package_name="ouro-toolkit")
def cli(verbose: int) -> None:
    """OURO: build self-bootstrapped, recursively annotated multimodal data, train on it, evaluate.

    \b
    Typical flow:
      ouro regions photo.jpg              # see the region tree of one image
      ouro build --source local --data-dir imgs --model Qwen/Qwen2-VL-7B-Instruct --out build/
      accelerate launch recipes/train.py --config recipes/ouro_qwen2vl_7b_lora.yaml
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s"
    )


if __name__ == "__main__":
    cli()
