"""Aggregate the experiment: mean ± spread over seeds, every M1 - M0 difference with its paired
bootstrap 95% CI over test scenes (per seed and pooled over seeds), Markdown tables, a PNG of
score vs k."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from ouro_toolkit.experiment.config import CONTROL
from ouro_toolkit.experiment.evaluate import SCENE_RATIOS
from ouro_toolkit.experiment.paired import RESAMPLES, SEED, paired_ratio_diff
from ouro_toolkit.scenes.language import QA_KINDS

METRICS = (
    ("qa_accuracy", "QA acc."),
    ("description_f1", "Desc. object F1"),
    ("description_precision", "Desc. P"),
    ("description_recall", "Desc. R"),
    ("description_colour_recall", "Desc. colour R"),
)
KIND_TITLES = {
    "colour": "colour",
    "count": "count",
    "text": "sign text",
    "left_of": "left of",
    "above": "above",
    "inside": "inside",
}
# QA accuracy per kind the `scenes` benchmark asks.
KIND_METRICS = tuple((f"qa_{kind}", KIND_TITLES.get(kind, kind)) for kind in QA_KINDS)
ALL_METRICS = METRICS + KIND_METRICS


def score_of(result: dict[str, Any], key: str) -> float:
    """One score of a variant's result; a QA kind it was never asked scores 0."""
    if key in result:
        return result[key]
    kind = key.removeprefix("qa_")
    return result.get("qa_by_kind", {}).get(kind, 0.0)


def mean_spread(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    if not values:
        return 0.0, 0.0
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def _counts(per_scene: list[dict[str, Any]], order: list[str], key: str) -> tuple[list, list]:
    by_scene = {s["scene"]: s for s in per_scene}
    missing = [name for name in order if name not in by_scene]
    if missing:
        raise ValueError(
            f"paired comparison: {len(missing)} test scene(s) unscored, e.g. {missing[0]}"
        )
    pairs = [SCENE_RATIOS[key](by_scene[name]) for name in order]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def paired_diffs(m0: dict[str, Any], runs: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """M1 - M0 on `key` with its paired CI: for each run (seed) and pooled over them."""
    order = [s["scene"] for s in m0["per_scene"]]
    base = _counts(m0["per_scene"], order, key)
    each = [_counts(r["per_scene"], order, key) for r in runs]
    seeds = [
        {"seed": r.get("seed")} | paired_ratio_diff(base, counts).to_dict()
        for r, counts in zip(runs, each, strict=True)
    ]
    pooled = paired_ratio_diff(base, ([c[0] for c in each], [c[1] for c in each]))
    return {"pooled": pooled.to_dict(), "seeds": seeds}


def _pooled_counts(runs: list[dict[str, Any]], order: list[str], key: str) -> tuple[list, list]:
    """Each scene's (numerator, denominator) averaged over runs (seeds)."""
    each = [_counts(r["per_scene"], order, key) for r in runs]
    return (
        [statistics.fmean(c[0][i] for c in each) for i in range(len(order))],
        [statistics.fmean(c[1][i] for c in each) for i in range(len(order))],
    )


def versus_control(trained: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Every M1 arm minus the self-distillation control, per score, with its paired bootstrap CI
    over test scenes (both pooled over their seeds scene by scene); empty without a control."""
    control = trained.get(CONTROL)
    if not control:
        return {}
    order = [s["scene"] for s in control[0]["per_scene"]]
    out: dict[str, Any] = {}
    for name, runs in trained.items():
        if name == CONTROL:
            continue
        out[name] = {}
        for key, _ in ALL_METRICS:
            each = [_counts(r["per_scene"], order, key) for r in runs]
            other = ([c[0] for c in each], [c[1] for c in each])
            base = _pooled_counts(control, order, key)
            out[name][key] = paired_ratio_diff(base, other).to_dict()
    return out


def aggregate(m0: dict[str, Any], arms: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per model and score: mean, spread and runs; an M1 row also gets `paired` (M1 - M0 with
    its paired bootstrap CI, per seed and pooled) when every variant kept its per-scene counts."""
    metrics = ALL_METRICS if "qa_by_kind" in m0 else METRICS
    rows = {"M0": {}}
    for key, _ in metrics:
        rows["M0"][key] = {"mean": score_of(m0, key), "spread": 0.0, "runs": [score_of(m0, key)]}
        if key in dict(KIND_METRICS):
            # Every variant is asked the same questions: a kind M0 was not asked, none was.
            rows["M0"][key]["asked"] = key.removeprefix("qa_") in m0["qa_by_kind"]
    for name, runs in arms.items():
        rows[f"M1 {name}"] = {}
        paired = "per_scene" in m0 and runs and all("per_scene" in r for r in runs)
        for key, _ in metrics:
            values = [score_of(r, key) for r in runs]
            mean, spread = mean_spread(values)
            rows[f"M1 {name}"][key] = {"mean": mean, "spread": spread, "runs": values}
            if paired:
                rows[f"M1 {name}"][key]["paired"] = paired_diffs(m0, runs, key)
    return rows


NOT_ASKED = "–"  # a QA kind no test scene asked


def _diff(d: dict[str, Any]) -> str:
    if d["n"] == 0:
        return NOT_ASKED
    return f"{100 * d['diff']:+.1f} [{100 * d['low']:+.1f}, {100 * d['high']:+.1f}]"


def _score_lines(rows: dict[str, Any], metrics: tuple[tuple[str, str], ...]) -> list[str]:
    lines = ["| model | " + " | ".join(t for _, t in metrics) + " |"]
    lines.append("|" + " --- |" * (len(metrics) + 1))
    base = rows["M0"]
    for name, values in rows.items():
        cells = []
        for key, _ in metrics:
            v = values[key]
            cell = f"{100 * v['mean']:.1f}"
            if not base[key].get("asked", True):
                cell = NOT_ASKED
            elif name != "M0":
                change = (
                    _diff(v["paired"]["pooled"])
                    if "paired" in v
                    else f"{100 * (v['mean'] - base[key]['mean']):+.1f}"
                )
                cell += f" ± {100 * v['spread']:.1f} ({change})"
            cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _seed_lines(rows: dict[str, Any]) -> list[str]:
    """One row per M1 training seed and one pooled: every difference with its CI."""
    lines = ["| M1 - M0 | " + " | ".join(t for _, t in ALL_METRICS) + " |"]
    lines.append("|" + " --- |" * (len(ALL_METRICS) + 1))
    for name, values in rows.items():
        if name == "M0":
            continue
        first = values[ALL_METRICS[0][0]]["paired"]
        for i, seed in enumerate(first["seeds"]):
            cells = [_diff(values[key]["paired"]["seeds"][i]) for key, _ in ALL_METRICS]
            lines.append(f"| {name[3:]} seed {seed['seed']} | " + " | ".join(cells) + " |")
        cells = [_diff(values[key]["paired"]["pooled"]) for key, _ in ALL_METRICS]
        lines.append(f"| {name[3:]} pooled | " + " | ".join(cells) + " |")
    return lines


def _versus_lines(versus: dict[str, Any]) -> list[str]:
    lines = [f"| M1 - {CONTROL} control | " + " | ".join(t for _, t in ALL_METRICS) + " |"]
    lines.append("|" + " --- |" * (len(ALL_METRICS) + 1))
    for name, diffs in versus.items():
        cells = [_diff(diffs[key]) for key, _ in ALL_METRICS]
        lines.append(f"| {name} pooled | " + " | ".join(cells) + " |")
    return lines


def markdown_table(
    rows: dict[str, Any], seeds: int, note: str = "", versus: dict[str, Any] | None = None
) -> str:
    """The scores table (and, when the rows have them, QA per kind, the paired CIs and every M1
    against the self-distillation control)."""
    lines = _score_lines(rows, METRICS)
    kinds = all(key in rows["M0"] for key, _ in KIND_METRICS)
    with_ci = [r for name, r in rows.items() if name != "M0" and "paired" in r["qa_accuracy"]]
    paired = bool(with_ci)
    if paired:
        n = with_ci[0]["description_f1"]["paired"]["pooled"]["n"]
        change = (
            f"M1 - M0 in brackets with its paired bootstrap 95% CI over the {n} test scenes "
            f"({RESAMPLES} resamples of scenes, seed {SEED}; the same scenes for both models; "
            "seeds pooled by averaging each scene's counts over seeds)"
        )
    else:
        change = "(difference from M0 in brackets)"
    foot = (
        f"\nScores in %; M1 rows: mean ± standard deviation over {seeds} seed(s), "
        f"{change}. M0 is deterministic (greedy decoding)."
    )
    if kinds:
        foot += f" {NOT_ASKED}: a kind no test scene asked."
    if kinds:
        lines += ["", "QA accuracy by question kind:", ""] + _score_lines(rows, KIND_METRICS)
    if kinds and paired:
        lines += ["", "Every M1 - M0 difference, per training seed and pooled (95% CI):", ""]
        lines += _seed_lines(rows)
    if versus:
        lines += [
            "",
            f"M1 against the {CONTROL} control (M0 + LoRA on its own whole-image "
            "answers, same steps), pooled over seeds (95% CI):",
            "",
        ]
        lines += _versus_lines(versus)
    return "\n".join(lines) + "\n" + foot + (f"\n\n{note}" if note else "") + "\n"


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
