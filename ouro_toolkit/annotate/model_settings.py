"""What a model folder asks of the annotator: an `ouro.json` beside its weights.

A real VLM needs nothing (no file: every default). M0 was trained on crops with a white border,
so its folder says so, and every annotator that calls it (`ouro build`, `datasets.map` with
`OuroMapStep`, `ouro describe`) draws the same border: a model is asked as it was taught.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

from ouro_toolkit.errors import ConfigError

SETTINGS_FILE = "ouro.json"


@dataclass(frozen=True)
class ModelSettings:
    crop_border: int = 0  # white pixels around every region crop


def model_settings(model: str) -> ModelSettings:
    """The settings in `model`'s folder (a Hub id or a folder without the file: defaults)."""
    path = Path(model) / SETTINGS_FILE
    if not path.is_file():
        return ModelSettings()
    values = json.loads(path.read_text())
    known = {f.name for f in fields(ModelSettings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return ModelSettings(**values)
