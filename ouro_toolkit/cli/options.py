"""Options shared by every command that builds region trees (regions, describe, build)."""

from __future__ import annotations

from collections.abc import Callable

import click

from ouro_toolkit.regions.decompose import DecomposeConfig

_DEFAULTS = DecomposeConfig()


def proposer_options(command: Callable) -> Callable:
    decorators = [
        click.option(
            "--proposers",
            default="objects,ocr",
            show_default=True,
            help="Comma-separated proposer names.",
        ),
        click.option(
            "--threshold",
            type=click.FloatRange(0, 1),
            default=_DEFAULTS.threshold,
            show_default=True,
            help="τ: minimum proposal confidence.",
        ),
        click.option(
            "--max-depth",
            type=click.IntRange(0),
            default=_DEFAULTS.max_depth,
            show_default=True,
            help="Deepest level (the whole image is 0).",
        ),
        click.option(
            "--min-size",
            type=click.IntRange(1),
            default=_DEFAULTS.min_region_size,
            show_default=True,
            help="Smallest region side, in pixels.",
        ),
        click.option(
            "--max-children",
            type=click.IntRange(1),
            default=_DEFAULTS.max_children,
            show_default=True,
            help="Most children per region.",
        ),
        click.option(
            "--rpn-weights",
            default="DEFAULT",
            show_default=True,
            help="'DEFAULT' (torchvision COCO weights) or a local checkpoint path.",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def tree_config_from_options(options: dict) -> tuple[list[str], str, DecomposeConfig]:
    names = [n.strip() for n in options.pop("proposers").split(",") if n.strip()]
    config = DecomposeConfig(
        threshold=options.pop("threshold"),
        max_depth=options.pop("max_depth"),
        min_region_size=options.pop("min_size"),
        max_children=options.pop("max_children"),
    )
    return names, options.pop("rpn_weights"), config
