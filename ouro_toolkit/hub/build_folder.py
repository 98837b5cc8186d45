"""The build folder written by `ouro build`, opened for publishing.

`BuildFolder` is a `BuildLayout` (names, paths, markers: see `ouro_toolkit.layout`) whose shard
count is read from the folder itself, with the recorded config, and the checks a push needs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ouro_toolkit.errors import OuroError
from ouro_toolkit.layout import BuildLayout, shard_counts
from ouro_toolkit.pipeline.config import flat_view


class BuildFolderError(OuroError, ValueError):
    """The folder is not a usable `ouro build` output; the message says what to do."""


@dataclass(frozen=True)
class BuildFolder(BuildLayout):
    config: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, root: str | Path) -> BuildFolder:
        root = Path(root)
        if not root.is_dir():
            raise BuildFolderError(
                f"{root}: no such build folder (make one with `ouro build ... --out {root}`)"
            )
        config_path = BuildLayout(root).config_path
        config: dict[str, Any] = {}
        if config_path.is_file():
            try:
                # Flat names, whichever shape the folder recorded: the card reads them.
                config = flat_view(json.loads(config_path.read_text(encoding="utf-8")))
            except json.JSONDecodeError as err:
                raise BuildFolderError(
                    f"{config_path}: not valid JSON ({err}); rerun `ouro build` to rewrite it"
                ) from err
        return cls(root, _num_shards(root, config), config)

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


def _num_shards(root: Path, config: dict[str, Any]) -> int:
    counts = shard_counts([p.name for p in BuildLayout(root).shard_files()])
    declared = config.get("num_shards")
    if declared is not None:
        counts.add(int(declared))
    if not counts:
        raise BuildFolderError(
            f"{root}: no shards under data/ and no num_shards in build_config.json; "
            "is this the --out folder of `ouro build`?"
        )
    if len(counts) > 1:
        raise BuildFolderError(
            f"{root}: shards of several shard counts {sorted(counts)} in one folder; "
            "keep one build per folder (move the stale shards away)"
        )
    return counts.pop()
