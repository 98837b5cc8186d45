"""The rows of a build folder, read shard by shard, as the compact records the page draws.

A record (JSON keys kept short: a 10,000-row page carries 10,000 of them):

    id, src (source), task, st (status), err (error), d0, w, h (full image size),
    qa: [[aspect, question, answer], ...],
    r: [[parent, depth, x0, y0, x1, y1, score, proposer, label, description, ocr_text], ...]
       (the region list in node order: a region's node_id is its index),
    txt: whether any region carries OCR text,
    ts / tb / tw / th: truth scores, truth boxes and the frame they are in (scenes rows only;
       see `truth`).

Thumbnails are kept apart (one base64 JPEG per row, "" when the row has no readable image) so
the page can parse the text at once and decode images only for the rows it shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from ouro_toolkit.errors import OuroError, one_line
from ouro_toolkit.report.config import ReportConfig
from ouro_toolkit.report.thumbnails import thumbnail
from ouro_toolkit.report.truth import truth_of

COLUMNS = ["id", "source", "task", "image", "regions", "description", "qa", "status", "error"]
BATCH_ROWS = 256  # rows decoded at once: bounds memory on shards of full-size images


@dataclass
class ReportRows:
    records: list[dict[str, Any]] = field(default_factory=list)
    thumbs: list[str] = field(default_factory=list)
    image_errors: int = 0  # rows whose stored image could not be decoded for the page


def region_record(region: dict[str, Any]) -> list[Any]:
    x0, y0, x1, y1 = (round(float(v), 1) for v in region["bbox"])
    return [
        int(region["parent_id"]),
        int(region["depth"]),
        x0, y0, x1, y1,
        round(float(region["score"] or 0.0), 3),
        region["proposer"] or "",
        region["label"] or "",
        region["description"] or "",
        region["ocr_text"] or "",
    ]  # fmt: skip


def row_record(row: dict[str, Any]) -> dict[str, Any]:
    regions = [region_record(r) for r in row.get("regions") or []]
    record = {
        "id": row["id"] or "",
        "src": row["source"] or "",
        "task": row["task"] or "",
        "st": row["status"] or "",
        "err": row["error"] or "",
        "d0": row["description"] or "",
        "qa": [
            [q["aspect"] or "", q["question"] or "", q["answer"] or ""] for q in row["qa"] or []
        ],
        "r": regions,
        "txt": any(r[10] for r in regions),
        "w": 0,
        "h": 0,
    }
    truth = truth_of(row)
    if truth is not None:
        record.update(truth)
    return record


def read_rows(files: list[Path], config: ReportConfig) -> ReportRows:
    out = ReportRows()
    for row in iter_rows(files):
        record = row_record(row)
        image = (row.get("image") or {}).get("bytes")
        thumb = ""
        if image:
            try:
                thumb, record["w"], record["h"] = thumbnail(
                    image, config.thumb_side, config.jpeg_quality
                )
            except OuroError as err:  # the row stays on the page, saying why it has no picture
                out.image_errors += 1
                record["err"] = record["err"] or f"report: {one_line(err)}"
        out.records.append(record)
        out.thumbs.append(thumb)
    return out


def iter_rows(files: list[Path]) -> Iterator[dict[str, Any]]:
    for path in files:
        parquet = pq.ParquetFile(path)
        names = [c for c in COLUMNS if c in parquet.schema_arrow.names]
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=names):
            for row in batch.to_pylist():
                yield {"image": None, "regions": [], "qa": [], "description": "", **row}
