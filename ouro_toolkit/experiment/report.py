"""Aggregate the experiment: mean ± spread over seeds, a Markdown table, a PNG of score vs k."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

METRICS = (
    ("qa_accuracy", "QA acc."),
    ("description_f1", "Desc. object F1"),
    ("description_precision", "Desc. P"),
    ("description_recall", "Desc. R"),
    ("description_colour_recall", "Desc. colour R"),
)


def mean_spread(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    if not values:
        return 0.0, 0.0
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def aggregate(m0: dict[str, Any], arms: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    rows = {"M0": {key: {"mean": m0[key], "spread": 0.0, "runs": [m0[key]]} for key, _ in METRICS}}
    for name, runs in arms.items():
        rows[f"M1 {name}"] = {}
        for key, _ in METRICS:
            values = [r[key] for r in runs]
            mean, spread = mean_spread(values)
            rows[f"M1 {name}"][key] = {"mean": mean, "spread": spread, "runs": values}
    return rows


def markdown_table(rows: dict[str, Any], seeds: int, note: str = "") -> str:
    header = "| model | " + " | ".join(title for _, title in METRICS) + " |"
    lines = [header, "|" + " --- |" * (len(METRICS) + 1)]
    base = rows["M0"]
    for name, values in rows.items():
        cells = []
        for key, _ in METRICS:
            v = values[key]
            cell = f"{100 * v['mean']:.1f}"
            if name != "M0":
                cell += f" ± {100 * v['spread']:.1f} ({100 * (v['mean'] - base[key]['mean']):+.1f})"
            cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    foot = (
        f"\nScores in %; M1 rows: mean ± standard deviation over {seeds} seed(s), "
        "(difference from M0 in brackets). M0 is deterministic (greedy decoding)."
    )
    return "\n".join(lines) + foot + (f"\n\n{note}" if note else "") + "\n"


def plot_vs_k(rows: dict[str, Any], path: Path, size: tuple[int, int] = (640, 400)) -> Path | None:
    """Score against k (enhanced annotations, random crops) with M0 as dashed lines."""
    points = {}
    for name, values in rows.items():
        parts = name.split()
        if len(parts) == 2 and parts[1].endswith("-enhanced-random"):
            points[int(parts[1].split("-")[0][1:])] = values
    if not points:
        return None
    w, h = size
    left, right, top, bottom = 60, 20, 30, 50
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    ks = sorted(points)
    lo_k, hi_k = min(ks + [0]), max(ks + [7])

    def xy(k: float, v: float) -> tuple[float, float]:
        x = left + (k - lo_k) / max(1, hi_k - lo_k) * (w - left - right)
        return x, top + (1 - v) * (h - top - bottom)

    draw.rectangle([left, top, w - right, h - bottom], outline="black")
    for v in (0, 0.25, 0.5, 0.75, 1.0):
        x, y = xy(lo_k, v)
        draw.line([left, y, w - right, y], fill=(225, 225, 225))
        draw.text((8, y - 6), f"{100 * v:.0f}%", fill="black")
    for k in range(lo_k, hi_k + 1):
        x, _ = xy(k, 0)
        draw.text((x - 4, h - bottom + 6), str(k), fill="black")
    draw.text((w // 2 - 40, h - 22), "k (crops per image)", fill="black")
    colours = {"qa_accuracy": (31, 119, 180), "description_f1": (214, 39, 40)}
    for n, (key, colour) in enumerate(colours.items()):
        base = rows["M0"][key]["mean"]
        _, y = xy(lo_k, base)
        for x0 in range(left, w - right, 12):
            draw.line([x0, y, min(x0 + 6, w - right), y], fill=colour)
        line = [xy(k, points[k][key]["mean"]) for k in ks]
        if len(line) > 1:
            draw.line(line, fill=colour, width=2)
        for k in ks:
            m, s = points[k][key]["mean"], points[k][key]["spread"]
            x, y = xy(k, m)
            draw.line([xy(k, m - s), xy(k, m + s)], fill=colour)
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
        title = dict(METRICS)[key]
        draw.text((left + 10 + 220 * n, 8), f"{title}: M1 (solid), M0 (dashed)", fill=colour)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path
