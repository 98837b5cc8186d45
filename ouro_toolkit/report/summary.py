"""The page's summary of a build: counts, errors grouped by message, model calls, time, histograms.

Figures come from the records the gallery shows (so the two never disagree) and from the shard
markers `ouro build` writes (calls, cache hits, seconds: only what a marker recorded).
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from ouro_toolkit.hub.cards import public_config
from ouro_toolkit.layout import BuildLayout
from ouro_toolkit.schema import QA_ASPECTS

MAX_BINS = 12
MAX_ERROR_IDS = 20  # ids listed per error message; the count says how many more
# Marker keys that are a time, in seconds, as `ShardStats` names them; shown when recorded.
TIME_KEYS = {"seconds": "build (wall clock)", "proposal_cpu_s": "region proposals (CPU)"}
CALL_KEYS = ("model_calls", "cache_hits", "failed_calls", "server_requests", "prompt_tokens")


@dataclass
class ErrorGroup:
    message: str
    ids: list[str]
    count: int


@dataclass
class Histogram:
    title: str
    bars: list[tuple[str, int]]

    @property
    def top(self) -> int:
        return max((n for _, n in self.bars), default=0)


@dataclass
class BuildSummary:
    rows: int
    ok: int
    errors: list[ErrorGroup]
    shards_total: int
    shards_complete: int
    calls: dict[str, int]  # summed over the markers that record them
    times: dict[str, float]
    histograms: list[Histogram]
    settings: dict[str, Any]
    sources: list[tuple[str, int]] = field(default_factory=list)
    truth: dict[str, float] = field(default_factory=dict)

    @property
    def settings_json(self) -> str:
        return json.dumps(self.settings, indent=2, sort_keys=True, default=str)


def histogram(title: str, values: list[int], max_bins: int = MAX_BINS) -> Histogram:
    """Counts of `values` in integer bins (one value a bin while there are few), zeros included."""
    if not values:
        return Histogram(title, [])
    low, high = min(values), max(values)
    width = max(1, math.ceil((high - low + 1) / max_bins))
    counts = Counter((v - low) // width for v in values)
    bars = []
    for b in range((high - low) // width + 1):
        start = low + b * width
        label = str(start) if width == 1 else f"{start}-{start + width - 1}"
        bars.append((label, counts.get(b, 0)))
    return Histogram(title, bars)


def tree_depth(record: dict[str, Any]) -> int:
    return max((r[1] for r in record["r"]), default=0)


def group_errors(records: list[dict[str, Any]]) -> list[ErrorGroup]:
    by_message: dict[str, list[str]] = defaultdict(list)
    for record in records:
        if record["st"] != "ok":
            by_message[record["err"] or "(no message)"].append(record["id"])
    groups = [ErrorGroup(m, ids[:MAX_ERROR_IDS], len(ids)) for m, ids in by_message.items()]
    return sorted(groups, key=lambda g: (-g.count, g.message))


def aspect_bars(records: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """QA pairs per aspect: the paper's five first (zeros included), then any other seen."""
    counts = Counter(qa[0] for r in records for qa in r["qa"])
    known = [(a, counts.get(a, 0)) for a in QA_ASPECTS]
    return known + sorted((a or "(none)", n) for a, n in counts.items() if a not in QA_ASPECTS)


def marker_figures(layout: BuildLayout) -> tuple[int, dict[str, int], dict[str, float]]:
    """(complete shards, summed call counts, summed times) over the shards' markers."""
    complete = layout.completed()
    calls: Counter = Counter()
    times: Counter = Counter()
    for index in complete:
        marker = layout.read_marker(index)
        calls.update({k: int(marker[k]) for k in CALL_KEYS if k in marker})
        times.update({k: float(marker[k]) for k in TIME_KEYS if k in marker})
    return len(complete), dict(calls), {TIME_KEYS[k]: v for k, v in times.items()}


def truth_totals(records: list[dict[str, Any]]) -> dict[str, float]:
    """The truth scores of every scored scenes row, summed (shares computed in the template)."""
    checks = [r["ts"] for r in records if r.get("ts")]
    return (
        {k: sum(c[k] for c in checks) for k in checks[0]} | {"rows": len(checks)} if checks else {}
    )


def summarise(
    records: list[dict[str, Any]], layout: BuildLayout, config: dict[str, Any]
) -> BuildSummary:
    ok = [r for r in records if r["st"] == "ok"]
    complete, calls, times = marker_figures(layout)
    return BuildSummary(
        rows=len(records),
        ok=len(ok),
        errors=group_errors(records),
        shards_total=layout.num_shards,
        shards_complete=complete,
        calls=calls,
        times=times,
        histograms=[
            histogram("Regions per image", [len(r["r"]) for r in ok]),
            histogram("Tree depth (root = 0)", [tree_depth(r) for r in ok]),
            histogram("Words in d0", [len(r["d0"].split()) for r in ok]),
            Histogram("QA pairs per aspect", aspect_bars(ok)),
        ],
        settings=public_config(config),
        sources=Counter(r["src"] for r in records).most_common(),
        truth=truth_totals(records),
    )
