"""The one row streamer: rows of Parquet or JSON-lines files, local paths or `hf://` URLs.

Parquet is read batch by batch, so memory stays flat however large the file, and only the
columns asked for are checked up front (a file in another layout fails at once, naming them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow.parquet as pq

from ouro_toolkit.data.errors import SourceError

# Rows read per pyarrow batch: small, because each row can hold a multi-megabyte document image.
BATCH_ROWS = 32


def open_file(file: str) -> Any:
    """A binary file handle for a local path or an `hf://` URL."""
    if file.startswith("hf://"):
        from huggingface_hub import HfFileSystem

        return HfFileSystem().open(file.removeprefix("hf://"), "rb")
    return open(file, "rb")


def iter_parquet_rows(
    file: str, columns: Iterable[str] = (), source: str = "source", batch_rows: int = BATCH_ROWS
) -> Iterator[dict[str, Any]]:
    """Stream the rows of one Parquet file as dicts, batch by batch."""
    columns = list(columns)
    with open_file(file) as handle:
        parquet = pq.ParquetFile(handle)
        names = set(parquet.schema_arrow.names)
        missing = [c for c in columns if c not in names]
        if missing:
            raise SourceError(
                f"source {source!r}: {file} lacks column(s) {missing}; it has {sorted(names)}. "
                f"This builder reads the layout with columns {columns}: point it at a copy in "
                f"that layout (see docs/sources.md)."
            )
        for batch in parquet.iter_batches(batch_size=batch_rows):
            yield from batch.to_pylist()


def iter_file_rows(files: Iterable[str], source: str = "source") -> Iterator[dict[str, Any]]:
    """Rows of several files in order: Parquet by batches, `.jsonl` / `.json` line by line."""
    for file in files:
        if file.endswith((".jsonl", ".json")):
            with open_file(file) as handle:
                for line in handle:
                    if line.strip():
                        yield json.loads(line)
        else:
            yield from iter_parquet_rows(file, source=source)
