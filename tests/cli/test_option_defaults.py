"""The commands' options are derived from the config dataclasses: a default is written once.

For every option of build, launch, describe, eval and regions that is a config field, the
expected option is made here from the field alone (flag, default, help) and compared with the
command's: a default or help text restated in a command would differ.
"""

from __future__ import annotations

import dataclasses

import click

from ouro_toolkit.backends.registry import BACKENDS
from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.cli.build import build
from ouro_toolkit.cli.describe import describe
from ouro_toolkit.cli.eval import eval_command, recipe_keys
from ouro_toolkit.cli.fields import field_default, flag_of
from ouro_toolkit.cli.launch import launch
from ouro_toolkit.cli.regions import regions
from ouro_toolkit.decomposition.decompose import DecomposeConfig
from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.evaluation.runner import EvalConfig
from ouro_toolkit.launch.config import LaunchConfig
from ouro_toolkit.pipeline.config import BuildConfig

# The configs whose fields each command's options come from.
SOURCES = {
    "build": (BuildConfig, BackendSpec, TreeRecipe, DecomposeConfig),
    "launch": (LaunchConfig, BuildConfig, BackendSpec, TreeRecipe, DecomposeConfig),
    "describe": (BackendSpec, TreeRecipe, DecomposeConfig),
    "regions": (TreeRecipe, DecomposeConfig),
    "eval": (EvalConfig,),
}
COMMANDS = {"build": build, "launch": launch, "describe": describe, "regions": regions}


def fields_of(configs: tuple[type, ...]) -> dict[str, tuple[type, dataclasses.Field]]:
    found: dict[str, tuple[type, dataclasses.Field]] = {}
    for config in configs:
        for f in dataclasses.fields(config):
            found.setdefault(f.name, (config, f))
    return found


def options_of(command: click.Command) -> dict[str, click.Option]:
    return {p.name: p for p in command.params if isinstance(p, click.Option)}


def as_text(value: object) -> object:
    return ",".join(value) if isinstance(value, tuple) else value


def test_every_field_option_takes_flag_and_default_from_its_field():
    for name, command in COMMANDS.items():
        fields = fields_of(SOURCES[name])
        checked = 0
        for option_name, option in options_of(command).items():
            if option_name not in fields:
                continue
            config, field = fields[option_name]
            assert option.opts == [flag_of(field)], (name, option_name)
            if not option.required:
                expected = as_text(field_default(config, option_name))
                assert option.default == expected, (name, option_name)
            checked += 1
        assert checked >= 8, name


def test_build_has_an_option_for_every_setting_a_build_records():
    options = options_of(build)
    # Nested, or a flag of its own; the tree rules not exposed keep their defaults.
    skipped = {"backend", "tree", "decompose", "progress", "options"}
    settings = [f.name for f in dataclasses.fields(BuildConfig) if f.name not in skipped]
    settings += [f.name for f in dataclasses.fields(BackendSpec) if f.name not in skipped]
    settings += [f.name for f in dataclasses.fields(TreeRecipe) if f.name not in skipped]
    assert set(settings) <= set(options)
    assert {"backend_options", "no_progress"} <= set(options)


def test_the_region_budget_and_tree_rules_reach_the_recipe_unchanged():
    from ouro_toolkit.cli.build import config_from_options

    ctx = build.make_context(
        "build", ["--source", "local", "--model", "m", "--out", "o", "--max-regions", "7",
                  "--min-size", "9", "--proposers", "grouping"],
    )  # fmt: skip
    config = config_from_options(dict(ctx.params))
    assert config.tree == TreeRecipe(("grouping",)).replace(max_regions=7, min_region_size=9)
    assert config.backend == BackendSpec("m")


def test_eval_leaves_defaults_to_eval_config():
    # eval's flags override a recipe, so they default to None and EvalConfig supplies the value.
    options = options_of(eval_command)
    for name in ("backend", "batch_size", "profile", "limit"):
        assert options[name].default in (None, click.core.UNSET), name
        default = field_default(EvalConfig, name)
        if default is not None:
            assert f"[default: {default}]" in options[name].help, name
    fields = {f.name for f in dataclasses.fields(EvalConfig) if f.init}
    assert fields - {"hub_ids", "progress"} <= recipe_keys()


def test_one_default_per_shared_knob():
    from ouro_toolkit.backends.openai_backend import OpenAIBackendConfig
    from ouro_toolkit.backends.transformers_backend import (
        TransformersBackend,
        TransformersBackendConfig,
    )

    assert field_default(OpenAIBackendConfig, "concurrency") == field_default(
        BackendSpec, "concurrency"
    )
    assert field_default(TransformersBackendConfig, "max_pixels") == field_default(
        BackendSpec, "max_pixels"
    )
    # Not a shared knob: the spec's batch_size is images (or requests handed over) at a time, the
    # embedded backend's is how many of them it generates together, and it maps none to the other.
    local = TransformersBackend.from_spec(BackendSpec("m", batch_size=3))
    assert local.config.batch_size == TransformersBackendConfig().batch_size
    assert field_default(EvalConfig, "batch_size") == field_default(BackendSpec, "batch_size")
    assert field_default(EvalConfig, "backend") == field_default(BackendSpec, "kind")


def test_backend_choices_come_from_the_registry():
    for command, name in ((build, "kind"), (describe, "kind"), (eval_command, "backend")):
        assert list(options_of(command)[name].type.choices) == list(BACKENDS), command.name
