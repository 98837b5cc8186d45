"""Prompts in one versioned place (`ouro_toolkit/prompts/v1.yaml`), overridable from a YAML file."""

from __future__ import annotations

from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ouro_toolkit.errors import ConfigError


@dataclass(frozen=True)
class PromptSet:
    version: str
    describe_region: str
    describe_schema: dict[str, Any]
    qa_synthesis: str  # has a {description} slot for d0
    qa_schema: dict[str, Any]
    describe_max_new_tokens: int = 160
    qa_max_new_tokens: int = 400


def load_prompts(path: str | Path | None = None) -> PromptSet:
    """The bundled prompts, with any keys of the YAML file at `path` replacing them."""
    values = yaml.safe_load(resources.files("ouro_toolkit.prompts").joinpath("v1.yaml").read_text())
    if path is not None:
        override = yaml.safe_load(Path(path).read_text()) or {}
        unknown = set(override) - {f.name for f in fields(PromptSet)}
        if unknown:
            raise ConfigError(
                f"{path}: unknown prompt keys {sorted(unknown)}; known: {[f.name for f in fields(PromptSet)]}"
            )
        if "version" not in override:
            raise ConfigError(
                f"{path}: a prompt override must set its own `version` (it keys the request cache)"
            )
        values.update(override)
    if "{description}" not in values["qa_synthesis"]:
        raise ConfigError(
            "the qa_synthesis prompt needs a {description} slot for the merged description"
        )
    return PromptSet(**values)
