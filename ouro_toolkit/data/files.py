"""The one file finder: a dataset's files under a local folder or in a Hub repo, by glob."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path

from ouro_toolkit.data.errors import SourceError
from ouro_toolkit.data.reference import DatasetRef


def glob_match(path: str, glob: str) -> bool:
    """A glob match in which `*` never crosses `/` ("data/val-*" does not match "data/val-x/y")."""
    return fnmatchcase(path, glob) and path.count("/") == glob.count("/")


def find_local(bases: Iterable[Path], patterns: Iterable[str]) -> list[str]:
    """The files of the first pattern that matches anything, tried base by base (sorted)."""
    patterns = list(patterns)
    for base in bases:
        for pattern in patterns:
            found = sorted(str(p) for p in base.glob(pattern) if p.is_file())
            if found:
                return found
    return []


def hub_files(ref: DatasetRef, listing: Iterable[str], patterns: Iterable[str]) -> list[str]:
    """`hf://` URLs of the repo files in `listing` that match the first matching pattern."""
    paths = sorted(listing)
    for pattern in patterns:
        found = [hub_url(ref, p) for p in paths if glob_match(p, pattern)]
        if found:
            return found
    return []


def hub_url(ref: DatasetRef, path: str) -> str:
    revision = ref.revision.replace("/", "%2F")
    return f"hf://datasets/{ref.repo_id}@{revision}/{path}"


def local_split_files(data_dir: Path, split: str, pattern: str) -> list[str]:
    """A split's Parquet files under data_dir.

    Tried in order: the source's own repo pattern (e.g. `data/validation-*.parquet`); then any
    `*.parquet` below data_dir whose name is `<split>.parquet` or starts with `<split>-`, or that
    sits in a folder named `<split>`. A data_dir that is itself a .parquet file counts for every split.
    """
    if data_dir.is_file():
        return [str(data_dir)] if data_dir.suffix == ".parquet" else []
    if not data_dir.is_dir():
        raise SourceError(f"data_dir {str(data_dir)!r} does not exist (or is not a folder)")
    exact = sorted(str(p) for p in data_dir.glob(pattern.format(split=split)))
    if exact:
        return exact
    found = []
    for path in sorted(data_dir.rglob("*.parquet")):
        parents = path.relative_to(data_dir).parts[:-1]
        if path.stem == split or path.name.startswith(f"{split}-") or split in parents:
            found.append(str(path))
    return found
