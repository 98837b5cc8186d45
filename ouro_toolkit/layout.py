"""`BuildLayout`: the one place that knows how a build folder is laid out.

    OUT/build_config.json             the recorded settings
    OUT/data/train-IIIII-of-NNNNN.parquet   a finished shard (the Hub repo mirrors this path)
    OUT/markers/train-IIIII-of-NNNNN.done   written last: the shard is complete
    OUT/tmp/train-IIIII-of-NNNNN.parquet.partial   a shard being written
    OUT/cache/train-IIIII-of-NNNNN.sqlite   that shard's model-call replay cache (one writer per file)

Shard names are spelled and parsed here only; the pipeline, the publisher, the card, training
and `ouro inspect` all go through this object.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPLIT = "train"
DATA_DIR, MARKER_DIR, TMP_DIR, CACHE_DIR = "data", "markers", "tmp", "cache"
CONFIG_FILE = "build_config.json"
_SHARD = re.compile(rf"^{SPLIT}-(\d{{5}})-of-(\d{{5}})$")
# What the Hub card's `data_files` and any glob over shards match.
SHARD_GLOB = f"{SPLIT}-*-of-*.parquet"
DATA_FILES_PATTERN = f"{DATA_DIR}/{SPLIT}-*"


def shard_name(index: int, num_shards: int) -> str:
    """The one spelling of a shard's file stem."""
    return f"{SPLIT}-{index:05d}-of-{num_shards:05d}"


def parse_shard_name(name: str) -> tuple[int, int] | None:
    """(index, num_shards) of a shard file name or stem or repo path, or None if it is not one."""
    stem = name.rsplit("/", 1)[-1].removesuffix(".parquet")
    match = _SHARD.match(stem)
    return (int(match.group(1)), int(match.group(2))) if match else None


def shard_counts(names: list[str] | set[str]) -> set[int]:
    """The shard counts (the N of train-i-of-N) that these file names declare."""
    return {parsed[1] for name in names if (parsed := parse_shard_name(name))}


@dataclass(frozen=True)
class BuildLayout:
    root: Path
    num_shards: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    # --- names and paths -------------------------------------------------------------------
    def name(self, index: int) -> str:
        return shard_name(index, self.num_shards)

    @property
    def data_dir(self) -> Path:
        return self.root / DATA_DIR

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILE

    def cache_path(self, index: int) -> Path:
        # One file per shard: one writer per file, so it can use a journal mode that is safe on
        # a network file system (WAL needs shared memory, which NFS does not give).
        return self.root / CACHE_DIR / f"{self.name(index)}.sqlite"

    def shard_path(self, index: int) -> Path:
        return self.data_dir / f"{self.name(index)}.parquet"

    def marker_path(self, index: int) -> Path:
        return self.root / MARKER_DIR / f"{self.name(index)}.done"

    def partial_path(self, index: int) -> Path:
        return self.root / TMP_DIR / f"{self.name(index)}.parquet.partial"

    def worker_info_path(self, index: int) -> Path:
        """Where a Ray worker running this shard records its pid (for `ouro launch`)."""
        return self.root / TMP_DIR / f"{self.name(index)}.worker.json"

    def repo_path(self, index: int) -> str:
        # The Hub layout mirrors the local one: the repo path is the path relative to OUT.
        return self.shard_path(index).relative_to(self.root).as_posix()

    # --- state -----------------------------------------------------------------------------
    def is_complete(self, index: int) -> bool:
        return self.marker_path(index).is_file() and self.shard_path(index).is_file()

    def completed(self) -> list[int]:
        return [i for i in range(self.num_shards) if self.is_complete(i)]

    def read_marker(self, index: int) -> dict[str, Any]:
        return json.loads(self.marker_path(index).read_text())

    def shard_files(self) -> list[Path]:
        """Every shard file under data/, of any shard count, sorted."""
        return sorted(self.data_dir.glob(SHARD_GLOB)) if self.data_dir.is_dir() else []

    def finished_files(self) -> list[Path]:
        """Every Parquet file under data/ (what `ouro inspect` reads), sorted."""
        return sorted(self.data_dir.glob("*.parquet")) if self.data_dir.is_dir() else []
