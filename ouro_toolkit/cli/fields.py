"""Click options made from config dataclass fields, as TRL's parser makes its flags.

A field gives its option everything: the flag (`--max-depth` for `max_depth`, or
`metadata["flag"]`), the type (from the annotation, or `metadata["type"]`), the default (the
field's own) and the help (`metadata["help"]`). So a default is written once, in its dataclass,
and a command's `--help` cannot disagree with the library. The same fields say which keys a YAML
recipe may set (`recipe_settings`).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import click


def field_default(config_cls: type, name: str) -> Any:
    """The default of field `name` of dataclass `config_cls` (its factory called when it has one)."""
    field = {f.name: f for f in dataclasses.fields(config_cls)}[name]
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None


def _plain_type(annotation: Any) -> Any:
    """`int | None` -> int; other annotations as they are."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else str
    return annotation


def _click_type(field: dataclasses.Field, annotation: Any) -> Any:
    """From the metadata (`type`, `choices`, `min`/`max`: plain values, so the library's
    dataclasses need no click), else from the annotation."""
    meta = field.metadata
    if "type" in meta:
        return meta["type"]
    if "choices" in meta:
        return click.Choice(list(meta["choices"]))
    kind = _plain_type(annotation)
    low, high = meta.get("min"), meta.get("max")
    bounded = low is not None or high is not None
    if kind is int:
        return click.IntRange(low, high) if bounded else int
    if kind is float:
        return click.FloatRange(low, high) if bounded else float
    if kind is Path:
        return click.Path(path_type=Path)
    return str


def flag_of(field: dataclasses.Field) -> str:
    return field.metadata.get("flag") or "--" + field.name.replace("_", "-")


def _as_text(value: Any) -> Any:
    """A sequence default as the comma-separated text its option takes."""
    if isinstance(value, (tuple, list)):
        return ",".join(map(str, value))
    return value


def field_option(
    config_cls: type,
    name: str,
    *,
    with_default: bool = True,
    required: bool = False,
    help: str | None = None,
    type: Any = None,
) -> Callable:
    """The click option of field `name` of `config_cls`.

    `with_default=False` leaves the option unset when not given (a recipe, then the dataclass,
    supplies the value); its help still names the dataclass default.
    """
    field = {f.name: f for f in dataclasses.fields(config_cls)}[name]
    annotation = typing.get_type_hints(config_cls)[name]
    default = _as_text(field_default(config_cls, name))
    text = help or field.metadata.get("help", "")
    settings: dict[str, Any] = {"type": type or _click_type(field, annotation), "help": text}
    if required:
        settings["required"] = True
    elif with_default:
        settings.update(default=default, show_default=default is not None)
    elif default is not None:
        settings["help"] = f"{text}  [default: {default}]".strip()
    return click.option(flag_of(field), name, **settings)


def config_options(
    config_cls: type,
    names: Iterable[str],
    *,
    with_default: bool = True,
    required: Iterable[str] = (),
    helps: Mapping[str, str] | None = None,
    types: Mapping[str, Any] | None = None,
) -> Callable:
    """A decorator adding the options of `names` (fields of `config_cls`), in that order;
    `helps` and `types` replace a field's own where a command needs its own words or checks."""
    needed, helps, types = set(required), dict(helps or {}), dict(types or {})
    decorators = [
        field_option(
            config_cls,
            name,
            with_default=with_default,
            required=name in needed,
            help=helps.get(name),
            type=types.get(name),
        )
        for name in names
    ]

    def decorate(command: Callable) -> Callable:
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return decorate


def recipe_settings(
    path: str | None, keys: Iterable[str], *, flag: str = "--config"
) -> dict[str, Any]:
    """A YAML recipe's settings, its keys checked against `keys` (the config's fields and the
    command's own), as `ouro train` checks a training recipe against its dataclasses."""
    if not path:
        return {}
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint=flag) from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"{path} must hold a YAML mapping of options", param_hint=flag)
    settings = {str(k).replace("-", "_"): v for k, v in data.items()}
    known = set(keys)
    unknown = sorted(set(settings) - known)
    if unknown:
        raise click.BadParameter(
            f"{path}: unknown keys {', '.join(unknown)} (known: {', '.join(sorted(known))})",
            param_hint=flag,
        )
    return settings
