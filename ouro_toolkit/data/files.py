"""The one file finder: a dataset's files under a local folder or in a Hub repo, by glob.

`find_files(ref)` is the whole lookup: list the files (a folder walk, or the Hub repo's listing),
read the dataset card's `configs:` when there is one, and match the globs for the ref's config and
split (`configs.split_candidates`) with one glob rule (`glob_match`) on both sides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from ouro_toolkit.data.configs import CARD, card_configs, check_declared, split_candidates
from ouro_toolkit.data.errors import SourceError
from ouro_toolkit.data.reference import DatasetRef
from ouro_toolkit.errors import one_line

# Files the streamer can read; anything else in a repo (cards, scripts, archives) is never a match.
DATA_SUFFIXES = (".parquet", ".jsonl", ".json")
Pattern = str | Sequence[str]  # one glob, or globs whose matches are taken together


def glob_match(path: str, glob: str) -> bool:
    """A glob match in which `*` never crosses `/` ("data/val-*" does not match "data/val-x/y");
    `**` (as dataset cards write it) does."""
    if "**" in glob:  # fnmatch's `*` crosses `/`; "a/**/b" also matches "a/b"
        return fnmatchcase(path, glob) or fnmatchcase(path, glob.replace("**/", ""))
    return fnmatchcase(path, glob) and path.count("/") == glob.count("/")


def _globs(pattern: Pattern) -> tuple[str, ...]:
    return (pattern,) if isinstance(pattern, str) else tuple(pattern)


def find_local(bases: Iterable[Path], patterns: Iterable[Pattern]) -> list[str]:
    """The files of the first pattern that matches anything, tried base by base (sorted)."""
    patterns = list(patterns)
    for base in bases:
        for pattern in patterns:
            found = {str(p) for g in _globs(pattern) for p in base.glob(g) if p.is_file()}
            if found:
                return sorted(found)
    return []


def hub_files(ref: DatasetRef, listing: Iterable[str], patterns: Iterable[Pattern]) -> list[str]:
    """`hf://` URLs of the repo files in `listing` that match the first matching pattern."""
    paths = sorted(listing)
    for pattern in patterns:
        globs = _globs(pattern)
        found = [hub_url(ref, p) for p in paths if any(glob_match(p, g) for g in globs)]
        if found:
            return found
    return []


def hub_url(ref: DatasetRef, path: str) -> str:
    revision = ref.revision.replace("/", "%2F")
    return f"hf://datasets/{ref.repo_id}@{revision}/{path}"


def list_hub_files(ref: DatasetRef, token: str | None = None) -> list[str]:
    """Every file path in the Hub repo of `ref` at its revision (one listing request).

    Raises `SourceError` naming the repo and revision when it cannot be listed (offline, missing
    repo, no access); callers add the advice that fits their command.
    """
    from huggingface_hub import HfApi

    try:
        listing = HfApi().list_repo_files(
            ref.repo_id, repo_type="dataset", revision=ref.revision, token=token
        )
    except Exception as exc:  # offline, missing repo, auth: the caller gives the advice
        raise SourceError(
            f"cannot list Hub dataset {ref.repo_id!r} (revision {ref.revision!r}): "
            f"{type(exc).__name__}: {one_line(exc, first_only=True)}"
        ) from None
    return sorted(listing)


def find_files(ref: DatasetRef, token: str | None = None) -> list[str]:
    """The data files of `ref`'s config and split: local paths, or `hf://` URLs (streamed later).

    Only the listing and the dataset card are fetched here, never a data file.
    """
    if ref.local is not None:
        return _find_under(Path(ref.local), ref)
    listing = list_hub_files(ref, token)
    configs = card_configs(_read_hub_card(ref)) if CARD in listing else {}
    data = [p for p in listing if p.endswith(DATA_SUFFIXES)]
    found = hub_files(ref, data, split_candidates(ref, configs))
    if not found:
        check_declared(ref, configs)
    return found


def _find_under(root: Path, ref: DatasetRef) -> list[str]:
    if ref.data_files:
        path = root / ref.data_files
        return [str(path)] if path.is_file() else []
    card = root / CARD
    configs = card_configs(card.read_text(encoding="utf-8")) if card.is_file() else {}
    found = [
        f for f in find_local([root], split_candidates(ref, configs)) if f.endswith(DATA_SUFFIXES)
    ]
    if not found:
        check_declared(ref, configs)
    return found


def _read_hub_card(ref: DatasetRef) -> str:
    from ouro_toolkit.data.stream import open_file

    with open_file(hub_url(ref, CARD)) as handle:
        return handle.read().decode("utf-8", errors="replace")


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
