"""Options shared by several commands, made from the config dataclasses' fields.

A default is written once, in its dataclass; the click options here (and in build, launch, eval
and describe) are made from the fields by `ouro_toolkit.cli.fields`, so `--help` and the library
cannot disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import click

from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.cli.fields import config_options, field_option
from ouro_toolkit.decomposition.decompose import DecomposeConfig
from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.pipeline.config import BuildConfig

DECOMPOSE_FIELDS = (
    "threshold",
    "max_depth",
    "min_region_size",
    "max_children",
    "max_regions",
    "proposal_mode",
)


def backend_options(*names: str, helps: dict[str, str] | None = None) -> Callable:
    """Options of `BackendSpec` fields (`--backend` among them, its choices from the registry)."""
    return config_options(BackendSpec, names, required=("model",), helps=helps)


prompts_option = field_option(
    BuildConfig, "prompts_path", type=click.Path(dir_okay=False, exists=True)
)


def proposer_options(command: Callable) -> Callable:
    """The `TreeRecipe` options: its proposers, the decomposition rules, the RPN weights."""
    command = field_option(TreeRecipe, "rpn_weights")(command)
    command = config_options(DecomposeConfig, DECOMPOSE_FIELDS)(command)
    return field_option(TreeRecipe, "proposers")(command)


def tree_recipe_from_options(options: dict) -> TreeRecipe:
    """The one `TreeRecipe` of a command's parsed options (its tree flags are popped)."""
    names = [n.strip() for n in options.pop("proposers").split(",") if n.strip()]
    rules = DecomposeConfig(**{name: options.pop(name) for name in DECOMPOSE_FIELDS})
    return TreeRecipe(tuple(names), options.pop("rpn_weights"), rules)


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
    settings["options"] = parse_backend_options(options.pop("backend_options", ()))
    return BackendSpec(**settings)


def parse_backend_options(values: tuple[str, ...]) -> dict:
    """--backend-option KEY=VALUE pairs, values read as YAML (numbers, booleans, text)."""
    import yaml

    return {
        key: yaml.safe_load(val) for key, val in parse_pairs(values, "--backend-option").items()
    }
