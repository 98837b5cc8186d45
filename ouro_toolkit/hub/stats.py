"""Figures for the dataset card, computed from the shard Parquet files themselves.

Only the small columns are read (never `image`), with Arrow compute, so this stays cheap on
full-size shards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ouro_toolkit.schema import QA_ASPECTS

COLUMNS = ["id", "source", "task", "regions", "description", "qa", "provenance", "status", "error"]
MAX_ERROR_EXAMPLES = 5


@dataclass
class DatasetStats:
    num_rows: int = 0
    num_errors: int = 0
    num_bytes: int = 0  # Parquet bytes on disk, images included
    regions_total: int = 0  # over rows with status "ok"
    regions_min: int | None = None
    regions_max: int | None = None
    depth_histogram: Counter = field(default_factory=Counter)  # nodes per depth (root = 0)
    qa_total: int = 0
    qa_count_histogram: Counter = field(default_factory=Counter)  # images by number of QA pairs
    qa_per_aspect: Counter = field(default_factory=Counter)
    d0_words: Counter = field(default_factory=Counter)  # annotated rows by words in d0
    sources: Counter = field(default_factory=Counter)
    tasks: Counter = field(default_factory=Counter)
    error_examples: list[str] = field(default_factory=list)
    example: dict[str, Any] | None = None  # one full row without its image

    @property
    def num_ok(self) -> int:
        return self.num_rows - self.num_errors

    @property
    def regions_per_image(self) -> float:
        return self.regions_total / self.num_ok if self.num_ok else 0.0

    @property
    def qa_per_image(self) -> float:
        return self.qa_total / self.num_ok if self.num_ok else 0.0

    @property
    def max_depth(self) -> int:
        return max(self.depth_histogram, default=0)

    def d0_quantile(self, q: float) -> int:
        """The smallest d0 length (words) that at least `q` of the annotated rows do not exceed."""
        total = sum(self.d0_words.values())
        seen = 0
        for words in sorted(self.d0_words):
            seen += self.d0_words[words]
            if seen >= q * total:
                return words
        return 0

    def d0_histogram(self, width: int = 100) -> list[tuple[str, int]]:
        """Annotated rows per d0 length bucket of `width` words, e.g. ("100-199", 12)."""
        buckets: Counter = Counter()
        for words, count in self.d0_words.items():
            buckets[words // width] += count
        return [(f"{b * width}-{b * width + width - 1}", buckets[b]) for b in sorted(buckets)]

    def aspects_in_order(self) -> list[tuple[str, int]]:
        """The paper's five aspects first (zeros included), then any other aspect seen."""
        known = [(a, self.qa_per_aspect.get(a, 0)) for a in QA_ASPECTS]
        return known + sorted((a, n) for a, n in self.qa_per_aspect.items() if a not in QA_ASPECTS)

    @property
    def size_category(self) -> str:
        for limit, name in (
            (1_000, "n<1K"),
            (10_000, "1K<n<10K"),
            (100_000, "10K<n<100K"),
            (1_000_000, "100K<n<1M"),
        ):
            if self.num_rows < limit:
                return name
        return "1M<n<10M"


def compute_stats(shard_paths: Iterable[str | Path]) -> DatasetStats:
    stats = DatasetStats()
    for path in shard_paths:
        _add_shard(stats, Path(path))
    return stats


def _value_counts(array: pa.Array) -> Counter:
    return Counter(
        {item["values"].as_py(): item["counts"].as_py() for item in pc.value_counts(array)}
    )


def _add_shard(stats: DatasetStats, path: Path) -> None:
    table = pq.read_table(path, columns=COLUMNS)
    stats.num_rows += table.num_rows
    stats.num_bytes += path.stat().st_size
    stats.sources += _value_counts(table["source"].combine_chunks())
    stats.tasks += _value_counts(table["task"].combine_chunks())

    is_error = pc.fill_null(pc.equal(table["status"], "error"), False)
    stats.num_errors += pc.sum(is_error).as_py() or 0
    for message in pc.filter(table["error"], is_error).to_pylist():
        if (
            message
            and len(stats.error_examples) < MAX_ERROR_EXAMPLES
            and message not in stats.error_examples
        ):
            stats.error_examples.append(message)

    ok = pc.filter(table, pc.invert(is_error))
    if ok.num_rows == 0:
        return
    regions = ok["regions"].combine_chunks()
    counts = pc.fill_null(pc.list_value_length(regions), 0)
    stats.regions_total += pc.sum(counts).as_py() or 0
    low, high = pc.min_max(counts).values()
    stats.regions_min = _min(stats.regions_min, low.as_py())
    stats.regions_max = _max(stats.regions_max, high.as_py())
    stats.depth_histogram += _value_counts(pc.struct_field(pc.list_flatten(regions), "depth"))

    qa = ok["qa"].combine_chunks()
    qa_counts = pc.fill_null(pc.list_value_length(qa), 0)
    stats.qa_total += pc.sum(qa_counts).as_py() or 0
    stats.qa_count_histogram += _value_counts(qa_counts)
    stats.qa_per_aspect += _value_counts(pc.struct_field(pc.list_flatten(qa), "aspect"))

    stats.d0_words += Counter(len((d or "").split()) for d in ok["description"].to_pylist())

    candidate = _pick_example(ok, counts, qa_counts)
    if stats.example is None or _richness(candidate) > _richness(stats.example):
        stats.example = candidate


def _pick_example(ok: pa.Table, region_counts: pa.Array, qa_counts: pa.Array) -> dict[str, Any]:
    """The richest row: deepest tree, then most regions, then most QA (first on ties)."""
    regions = ok["regions"].combine_chunks()
    per_node = pa.table(
        {
            "row": pc.list_parent_indices(regions),
            "depth": pc.struct_field(pc.list_flatten(regions), "depth"),
        }
    )
    grouped = per_node.group_by("row").aggregate([("depth", "max")]).to_pydict()
    depth = dict(zip(grouped["row"], grouped["depth_max"], strict=True))
    keys = zip(region_counts.to_pylist(), qa_counts.to_pylist(), strict=True)
    scores = [(depth.get(i, 0), n_regions, n_qa) for i, (n_regions, n_qa) in enumerate(keys)]
    best = max(range(len(scores)), key=lambda i: scores[i])
    return ok.slice(best, 1).to_pylist()[0]


def _richness(row: dict[str, Any]) -> tuple[int, int, int]:
    regions = row.get("regions") or []
    return (max((r["depth"] for r in regions), default=0), len(regions), len(row.get("qa") or []))


def _min(a: int | None, b: int) -> int:
    return b if a is None else min(a, b)


def _max(a: int | None, b: int) -> int:
    return b if a is None else max(a, b)
