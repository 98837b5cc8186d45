"""Which part of a dataset one shard of a build reads.

With at least as many files as shards, shard i reads whole files (files i, i+N, ...), so N shards
stream the source once between them and a shard never opens another shard's files. With fewer
files than shards, every shard reads every file and keeps rows i, i+N, ... (row modulo).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class ShardPlan:
    index: int = 0
    num_shards: int = 1
    by_file: bool = True  # False: row modulo over all files

    def files(self, files: list[T]) -> list[T]:
        return files[self.index :: self.num_shards] if self.by_file else list(files)

    def keeps_row(self, row_index: int) -> bool:
        return self.by_file or row_index % self.num_shards == self.index


def plan_shard(num_files: int, num_shards: int = 1, index: int = 0) -> ShardPlan:
    return ShardPlan(index, num_shards, by_file=num_files >= num_shards)


def shard_share(limit: int | None, num_shards: int, index: int) -> int | None:
    """Shard `index`'s part of a row limit for all shards together (the parts add up to it)."""
    if limit is None:
        return None
    return limit // num_shards + (index < limit % num_shards)
