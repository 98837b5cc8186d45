"""Each CLI default is the config dataclass's default: written once, in the dataclass."""

from __future__ import annotations

import dataclasses

import click

from ouro_toolkit.backends.openai_backend import OpenAIBackendConfig
from ouro_toolkit.backends.registry import BACKENDS
from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.cli.build import build
from ouro_toolkit.cli.describe import describe
from ouro_toolkit.cli.eval import eval_command, recipe_keys
from ouro_toolkit.cli.options import default_of
from ouro_toolkit.cli.regions import regions
from ouro_toolkit.decomposition.decompose import DecomposeConfig
from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.evaluation.runner import EvalConfig
from ouro_toolkit.pipeline.config import BuildConfig
from ouro_toolkit.proposers import DEFAULT_PROPOSERS

# Flag name -> DecomposeConfig field, where the flag is spelled otherwise.
TREE_FLAGS = {"threshold": "threshold", "max_depth": "max_depth", "min_size": "min_region_size",
              "max_children": "max_children"}  # fmt: skip


def params(command: click.Command) -> dict[str, click.Parameter]:
    return {p.name: p for p in command.params}


def has_value(value: object) -> bool:
    """A real default (click marks "no default" with None or its own sentinel)."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def defaults(command: click.Command) -> dict[str, object]:
    ctx = click.Context(command)
    return {p.name: p.get_default(ctx) for p in command.params}


def test_build_defaults_are_build_config_and_backend_spec_defaults():
    values = defaults(build)
    checked = 0
    for name, value in values.items():
        if name in BuildConfig.__dataclass_fields__ and name != "backend" and has_value(value):
            assert value == default_of(BuildConfig, name), name
            checked += 1
        if name == "rpn_weights":
            assert value == default_of(TreeRecipe, name)
            checked += 1
        spec_name = "kind" if name == "backend" else name
        if spec_name in BackendSpec.__dataclass_fields__ and has_value(value):
            assert value == default_of(BackendSpec, spec_name), name
            checked += 1
    assert (
        checked >= 7
    )  # backend, num_shards, shard_index, max_pixels, batch_size, concurrency, rpn
    assert values["proposers"] == ",".join(TreeRecipe().proposers)


def test_tree_options_are_decompose_config_defaults():
    for command in (build, describe, regions):
        values = defaults(command)
        for flag, field in TREE_FLAGS.items():
            assert values[flag] == default_of(DecomposeConfig, field), (command.name, flag)
        assert values["proposers"] == ",".join(DEFAULT_PROPOSERS)


def test_describe_concurrency_is_the_http_backend_default():
    assert defaults(describe)["concurrency"] == default_of(OpenAIBackendConfig, "concurrency")
    assert default_of(OpenAIBackendConfig, "concurrency") == default_of(BackendSpec, "concurrency")


def test_eval_leaves_defaults_to_eval_config():
    # eval's flags override a recipe, so they default to None and EvalConfig supplies the value.
    values = defaults(eval_command)
    for name in ("backend", "batch_size", "profile", "limit"):
        assert not has_value(values[name]), name
    fields = {f.name for f in dataclasses.fields(EvalConfig) if f.init}
    assert fields - {"hub_ids", "progress"} <= recipe_keys()


def test_backend_choices_come_from_the_registry():
    for command, name in (
        (build, "backend"),
        (describe, "backend"),
        (eval_command, "backend"),
    ):
        assert list(params(command)[name].type.choices) == list(BACKENDS), command.name
