"""Atomic, streaming Parquet shards with completion markers.

Rows are flushed in small row groups to the layout's partial path (`OUT/tmp/`), so memory stays flat
however long the shard; only a finished shard is renamed into `OUT/data/` and then marked done in
`OUT/markers/` (paths: `ouro_toolkit.layout.BuildLayout`). A reader never sees a half-written shard.
Each shard has its own request cache, `OUT/cache/<shard>.sqlite`, written only by the process
building that shard.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ouro_toolkit.layout import BuildLayout
from ouro_toolkit.schema import OURO_FEATURES


class ShardWriter:
    def __init__(self, layout: BuildLayout, index: int, rows_per_group: int = 16):
        self.layout, self.index, self.rows_per_group = layout, index, rows_per_group
        self.name = layout.name(index)
        self.partial = layout.partial_path(index)
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
        final = self.layout.shard_path(self.index)
        final.parent.mkdir(parents=True, exist_ok=True)
        self.partial.replace(final)
        marker = self.layout.marker_path(self.index)
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
