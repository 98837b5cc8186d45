"""Atomic, streaming Parquet shards with completion markers.

Rows are flushed in small row groups to `OUT/tmp/<shard>.parquet.partial`, so memory stays flat
however long the shard; only a finished shard is renamed into `OUT/data/` and then marked done in
`OUT/markers/<shard>.done`. A reader never sees a half-written shard. Each shard has its own
request cache, `OUT/cache/<shard>.sqlite`, written only by the process building that shard.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ouro_toolkit.schema import OURO_FEATURES

DATA_DIR, MARKER_DIR, TMP_DIR, CACHE_DIR = "data", "markers", "tmp", "cache"


def shard_name(index: int, num_shards: int) -> str:
    """The one spelling of a shard's file stem, shared by the builder and the publisher."""
    return f"train-{index:05d}-of-{num_shards:05d}"


def shard_path(out_dir: Path, name: str) -> Path:
    return out_dir / DATA_DIR / f"{name}.parquet"


def marker_path(out_dir: Path, name: str) -> Path:
    return out_dir / MARKER_DIR / f"{name}.done"


def cache_path(out_dir: Path, name: str) -> Path:
    # One file per shard: one writer per file, so it can use a journal mode that is safe on NFS.
    return out_dir / CACHE_DIR / f"{name}.sqlite"


def is_done(out_dir: Path, name: str) -> bool:
    return marker_path(out_dir, name).is_file() and shard_path(out_dir, name).is_file()


def read_marker(out_dir: Path, name: str) -> dict[str, Any]:
    return json.loads(marker_path(out_dir, name).read_text())


class ShardWriter:
    def __init__(self, out_dir: Path, name: str, rows_per_group: int = 16):
        self.out_dir, self.name, self.rows_per_group = out_dir, name, rows_per_group
        self.partial = out_dir / TMP_DIR / f"{name}.parquet.partial"
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        self.partial.unlink(
            missing_ok=True
        )  # a leftover from a killed run is restarted, not appended to
        # The schema carries the `datasets` features, so load_dataset restores Image and nesting.
        self.schema = OURO_FEATURES.arrow_schema
        self._writer = pq.ParquetWriter(self.partial, self.schema)
        self._pending: list[dict[str, Any]] = []
        self.rows = 0

    def write(self, row: dict[str, Any]) -> None:
        self._pending.append(OURO_FEATURES.encode_example(row))
        self.rows += 1
        if len(self._pending) >= self.rows_per_group:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.Table.from_pylist(self._pending, schema=self.schema))
            self._pending = []

    def commit(self, stats: dict[str, Any], done: bool = True) -> Path:
        """Close, move the shard into place, then (when `done`) write its marker, in that order."""
        self._flush()
        self._writer.close()
        final = shard_path(self.out_dir, self.name)
        final.parent.mkdir(parents=True, exist_ok=True)
        self.partial.replace(final)
        marker = marker_path(self.out_dir, self.name)
        marker.unlink(missing_ok=True)
        if not done:
            return final
        marker.parent.mkdir(parents=True, exist_ok=True)
        tmp = marker.with_suffix(".tmp")
        tmp.write_text(json.dumps(dict(stats, rows=self.rows), indent=2))
        tmp.replace(marker)
        return final

    def abort(self) -> None:
        self._writer.close()
        self.partial.unlink(missing_ok=True)
