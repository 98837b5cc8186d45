"""The build folder written by `ouro build`, read by the publisher.

Contract (issue 4): `OUT/build_config.json`; shards `OUT/data/train-{i:05d}-of-{n:05d}.parquet`;
a shard is complete only when `OUT/markers/train-{i:05d}-of-{n:05d}.done` exists. The repo path
of a shard is its path relative to OUT, so the Hub layout mirrors the local one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ouro_toolkit.pipeline.shard_writer import (
    DATA_DIR,
    is_done,
    marker_path,
    shard_name,
    shard_path,
)

SHARD_RE = re.compile(r"^train-(\d{5})-of-(\d{5})\.parquet$")


class BuildFolderError(ValueError):
    """The folder is not a usable `ouro build` output; the message says what to do."""


@dataclass
class BuildFolder:
    root: Path
    config: dict[str, Any] = field(default_factory=dict)
    num_shards: int = 0

    @classmethod
    def open(cls, root: str | Path) -> BuildFolder:
        root = Path(root)
        if not root.is_dir():
            raise BuildFolderError(
                f"{root}: no such build folder (make one with `ouro build ... --out {root}`)"
            )
        config_path = root / "build_config.json"
        config: dict[str, Any] = {}
        if config_path.is_file():
            try:
                config = json.loads(config_path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as err:
                raise BuildFolderError(
                    f"{config_path}: not valid JSON ({err}); rerun `ouro build` to rewrite it"
                ) from err
        folder = cls(root, config)
        folder.num_shards = folder._find_num_shards()
        return folder

    def _find_num_shards(self) -> int:
        counts = {int(m.group(2)) for p in self._shard_files() if (m := SHARD_RE.match(p.name))}
        declared = self.config.get("num_shards")
        if declared is not None:
            counts.add(int(declared))
        if not counts:
            raise BuildFolderError(
                f"{self.root}: no shards under data/ and no num_shards in build_config.json; "
                "is this the --out folder of `ouro build`?"
            )
        if len(counts) > 1:
            raise BuildFolderError(
                f"{self.root}: shards of several shard counts {sorted(counts)} in one folder; "
                "keep one build per folder (move the stale shards away)"
            )
        return counts.pop()

    def _shard_files(self) -> list[Path]:
        data = self.root / DATA_DIR
        return sorted(data.glob("train-*-of-*.parquet")) if data.is_dir() else []

    def name(self, index: int) -> str:
        return shard_name(index, self.num_shards)

    def shard_path(self, index: int) -> Path:
        return shard_path(self.root, self.name(index))

    def marker_path(self, index: int) -> Path:
        return marker_path(self.root, self.name(index))

    def repo_path(self, index: int) -> str:
        # The Hub layout mirrors the local one: the repo path is the path relative to OUT.
        return self.shard_path(index).relative_to(self.root).as_posix()

    def is_complete(self, index: int) -> bool:
        return is_done(self.root, self.name(index))

    def completed(self) -> list[int]:
        return [i for i in range(self.num_shards) if self.is_complete(i)]

    def check_shards(self, shards: list[int]) -> None:
        """Raise a clear error for any requested shard that is out of range or unfinished."""
        for index in shards:
            if not 0 <= index < self.num_shards:
                raise BuildFolderError(
                    f"shard {index} is out of range: {self.root} has shards 0..{self.num_shards - 1}"
                )
            if not self.is_complete(index):
                raise BuildFolderError(
                    f"shard {index} of {self.root} is not complete (no {self.marker_path(index).relative_to(self.root)}); "
                    "finish it with `ouro build ... --shard-index "
                    f"{index}` before pushing it"
                )
