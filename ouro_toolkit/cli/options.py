"""Options shared by several commands, with their defaults read from the config dataclasses.

A default is written once, in its dataclass; the click options here (and in build, eval and
describe) take it from there with `default_of`, so `--help` and the library cannot disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import click

from ouro_toolkit.backends.registry import BACKENDS
from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.decomposition.decompose import PROPOSAL_MODES, DecomposeConfig
from ouro_toolkit.decomposition.recipe import TreeRecipe

_RECIPE = TreeRecipe()
_DEFAULTS = _RECIPE.decompose


def default_of(config_cls: type, name: str) -> Any:
    """The default of field `name` of dataclass `config_cls` (its factory called when it has one)."""
    field = {f.name: f for f in dataclasses.fields(config_cls)}[name]
    if field.default is not dataclasses.MISSING:
        return field.default
    return field.default_factory()  # type: ignore[misc]


def backend_option(default: str) -> Callable:
    """`--backend`, its choices from the backend registry."""
    return click.option(
        "--backend",
        "backend",
        type=click.Choice(list(BACKENDS)),
        default=default,
        show_default=True,
        help="transformers: in-process; openai: any OpenAI-compatible server (SGLang, vLLM, transformers serve); "
        "oracle: the ground-truth oracle, for measuring on `--source scenes` only (not a model).",
    )


prompts_option = click.option(
    "--prompts",
    "prompts_path",
    type=click.Path(dir_okay=False, exists=True),
    help="YAML overriding the bundled prompts (must set its own `version`).",
)


def proposer_options(command: Callable) -> Callable:
    decorators = [
        click.option(
            "--proposers",
            default=",".join(_RECIPE.proposers),
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
            "--max-regions",
            type=click.IntRange(1),
            default=_DEFAULTS.max_regions,
            show_default=True,
            help="Region budget per image, the whole image included (one model call each): "
            "the strongest regions are kept, each with its parent.",
        ),
        click.option(
            "--proposal-mode",
            type=click.Choice(PROPOSAL_MODES),
            default=_DEFAULTS.proposal_mode,
            show_default=True,
            help="fast: OCR and grouping once per image, reused for every region; per-crop: "
            "every proposer on every region's crop (the paper's literal Algorithm 1).",
        ),
        click.option(
            "--rpn-weights",
            default=_RECIPE.rpn_weights,
            show_default=True,
            help="'DEFAULT' (torchvision COCO weights) or a local checkpoint path.",
        ),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def tree_recipe_from_options(options: dict) -> TreeRecipe:
    """The one `TreeRecipe` of a command's parsed options (its tree flags are popped)."""
    names = [n.strip() for n in options.pop("proposers").split(",") if n.strip()]
    config = DecomposeConfig(
        threshold=options.pop("threshold"),
        max_depth=options.pop("max_depth"),
        min_region_size=options.pop("min_size"),
        max_children=options.pop("max_children"),
        max_regions=options.pop("max_regions"),
        proposal_mode=options.pop("proposal_mode"),
    )
    return TreeRecipe(tuple(names), options.pop("rpn_weights"), config)


def image_and_tree(image_path: str, options: dict):
    """Load IMAGE and build its region tree from the proposer options, with CLI-friendly errors."""
    from ouro_toolkit.errors import UnknownName
    from ouro_toolkit.images import load_image
    from ouro_toolkit.proposers.guard import failures, guarded

    picture = load_image(image_path)
    recipe = tree_recipe_from_options(options)
    try:
        proposers = guarded(recipe.build_proposers())
    except UnknownName as exc:
        raise click.BadParameter(str(exc), param_hint="--proposers") from None
    tree = recipe.tree(picture, proposers)
    for failure in failures(proposers):  # a usable image: its tree lacks that proposer's regions
        click.echo(f"warning: {image_path}: {failure}", err=True)
    return picture, tree


def parse_pairs(values: tuple[str, ...], flag: str) -> dict[str, str]:
    """('a=1', 'b=x') -> {'a': '1', 'b': 'x'}; a value without '=' is a usage error naming the flag."""
    out: dict[str, str] = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint=flag)
        out[key.strip()] = val.strip()
    return out


def backend_spec_from_options(options: dict) -> BackendSpec:
    """The one `BackendSpec` of a command's parsed options (its backend flags are popped)."""
    names = [f.name for f in dataclasses.fields(BackendSpec) if f.name in options]
    settings = {name: options.pop(name) for name in names}
    settings["kind"] = options.pop("backend")
    settings["options"] = parse_backend_options(options.pop("backend_options", ()))
    return BackendSpec(**settings)


def parse_backend_options(values: tuple[str, ...]) -> dict:
    """--backend-option KEY=VALUE pairs, values read as YAML (numbers, booleans, text)."""
    import yaml

    return {
        key: yaml.safe_load(val) for key, val in parse_pairs(values, "--backend-option").items()
    }
