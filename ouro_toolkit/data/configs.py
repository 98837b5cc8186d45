"""Config + split -> file globs, the way the Hub resolves them, for local copies and Hub repos alike.

A dataset card (README.md) may declare its configs in its YAML header:

    configs:
    - config_name: DocVQA
      data_files:
      - split: validation
        path: DocVQA/validation-*

Those globs win. Without them (or when the card does not declare the split) the conventional
layouts are tried, config folder first: `[<config>/]<split>-*.parquet`, `[<config>/]<split>/*.parquet`,
`[<config>/]data/<split>-*.parquet`, `[<config>/]<split>.parquet`, `<split>.jsonl`.
"""

from __future__ import annotations

from typing import Any

import yaml

from ouro_toolkit.data.errors import SourceError
from ouro_toolkit.data.reference import DatasetRef

CARD = "README.md"
# One candidate: globs whose matches together are the split's files. The first candidate that
# matches anything wins.
Candidate = tuple[str, ...]
# Per config: split -> globs. The card's default config (or its only one) also sits under None.
CardConfigs = dict[str | None, dict[str, Candidate]]


def card_configs(text: str) -> CardConfigs:
    """The `configs:` of a dataset card's YAML header ({} when it declares none)."""
    if not text.startswith("---"):
        return {}
    header = text[3:].split("\n---", 1)[0]
    try:
        meta = yaml.safe_load(header) or {}
    except yaml.YAMLError:
        return {}  # a broken card header: the conventional layouts still apply
    declared = meta.get("configs") if isinstance(meta, dict) else None
    configs: CardConfigs = {}
    for entry in declared if isinstance(declared, list) else []:
        if not isinstance(entry, dict):
            continue
        name = entry.get("config_name", "default")
        splits = _splits(entry.get("data_files"), entry.get("data_dir"))
        configs[name] = splits
        if entry.get("default") or name == "default":
            configs[None] = splits
    if None not in configs and len(configs) == 1:
        configs[None] = next(iter(configs.values()))
    return configs


def _splits(data_files: Any, data_dir: str | None) -> dict[str, Candidate]:
    """`data_files` in any of its card forms (a glob, a list of globs, a list of {split, path})."""
    prefix = f"{data_dir.strip('/')}/" if data_dir else ""
    if data_files is None:
        return {}
    if isinstance(data_files, (str, list)) and not _has_splits(data_files):
        paths = [data_files] if isinstance(data_files, str) else data_files
        return {"train": tuple(prefix + str(p) for p in paths)}
    items = data_files.items() if isinstance(data_files, dict) else _split_items(data_files)
    out: dict[str, Candidate] = {}
    for split, path in items:
        paths = [path] if isinstance(path, str) else list(path or [])
        out[str(split)] = tuple(prefix + str(p) for p in paths)
    return out


def _has_splits(data_files: Any) -> bool:
    return isinstance(data_files, list) and any(isinstance(d, dict) for d in data_files)


def _split_items(data_files: list[Any]) -> list[tuple[str, Any]]:
    return [(d.get("split", "train"), d.get("path")) for d in data_files if isinstance(d, dict)]


def conventional(config: str | None, split: str) -> list[Candidate]:
    """The layouts a repo without a card header uses (and `hf download` leaves on disk)."""
    names = [
        f"{split}-*.parquet",
        f"{split}/*.parquet",
        f"data/{split}-*.parquet",
        f"{split}.parquet",
        f"{split}.jsonl",  # VSR ships test.jsonl
        f"data/{split}-*.jsonl",
    ]
    prefixes = [f"{config}/", ""] if config else [""]
    return [(prefix + name,) for prefix in prefixes for name in names]


def split_candidates(ref: DatasetRef, configs: CardConfigs) -> list[Candidate]:
    """Globs (relative to the dataset root) for `ref`'s config and split, best first."""
    if ref.data_files:
        return [(ref.data_files,)]
    if ref.split is None:
        raise SourceError(f"{ref.describe()}: no split given; name one (e.g. 'validation')")
    declared = configs.get(ref.config) or {}
    found = [declared[ref.split]] if ref.split in declared else []
    return found + conventional(ref.config, ref.split)


def check_declared(ref: DatasetRef, configs: CardConfigs) -> None:
    """Refuse a config the card does not declare (called once nothing matched, so a copy laid out
    by the conventions still reads whatever its card says)."""
    if configs and ref.config is not None and ref.config not in configs and not ref.data_files:
        known = ", ".join(sorted(c for c in configs if c is not None))
        raise SourceError(
            f"{ref.describe()} has no config {ref.config!r}; its card declares: {known}"
        )
