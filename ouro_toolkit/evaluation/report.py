"""Writing an `EvalReport`: results JSON and a markdown table in the paper's layout.

The paper reports one table per benchmark family (§4, Tables 1-4) with models as rows and
benchmarks as columns. `markdown_table` does the same for the benchmarks that were run: a
"base" row, an "adapter" row and a Δ row (adapter minus base, in points).
"""

from __future__ import annotations

import json
from pathlib import Path

from ouro_toolkit.evaluation.runner import ADAPTER, BASE, EvalReport
from ouro_toolkit.evaluation.tasks import GROUPS

METRIC_LABELS = {
    "vqa_accuracy": "VQA acc.",
    "anls": "ANLS",
    "relaxed_accuracy": "relaxed acc.",
    "exact_match": "EM",
    "option_accuracy": "acc.",
    "kie_f1": "F1",
    "wtq_accuracy": "denotation acc.",
    "cider": "CIDEr",
    "scenes": "QA + description",
}


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _label(report: EvalReport, variant: str) -> str:
    return report.model if variant == BASE else f"{report.model} + {report.adapter}"


def markdown_table(report: EvalReport) -> str:
    benches: list[tuple[str, str, str, str]] = []  # (group, name, title, metric) in run order
    for run in report.runs:
        key = (run.group, run.benchmark, run.title, run.metric)
        if key not in benches:
            benches.append(key)
    variants = [BASE] + ([ADAPTER] if report.adapter else [])
    lines = [
        f"Scoring profile: **{report.profile}**"
        + (f"; first {report.limit} samples per benchmark" if report.limit else "")
        + f"; backend: {report.backend}.",
    ]
    for group in GROUPS:
        cols = [b for b in benches if b[0] == group]
        if not cols:
            continue
        lines += ["", f"### {group}", ""]
        lines.append(
            "| Model | "
            + " | ".join(f"{title} ({METRIC_LABELS[m]})" for _, _, title, m in cols)
            + " |"
        )
        lines.append("| --- |" + " ---: |" * len(cols))
        for variant in variants:
            cells = []
            for _, name, _, _ in cols:
                run = report.run(name, variant)
                cells.append(_fmt(run.score if run else None))
            lines.append(f"| {_label(report, variant)} | " + " | ".join(cells) + " |")
        if report.adapter:
            cells = []
            for _, name, _, _ in cols:
                base, tuned = report.run(name, BASE), report.run(name, ADAPTER)
                if base and tuned and base.score is not None and tuned.score is not None:
                    cells.append(f"{tuned.score - base.score:+.2f}")
                else:
                    cells.append("–")
            lines.append("| Δ | " + " | ".join(cells) + " |")
    failed = [r for r in report.runs if r.n_failed]
    if failed:
        lines += [
            "",
            "Failed samples (scored as wrong): "
            + ", ".join(f"{r.benchmark}/{r.variant}: {r.n_failed} of {r.n}" for r in failed)
            + ".",
        ]
    return "\n".join(lines) + "\n"


def write_report(report: EvalReport, out: Path) -> tuple[Path, Path]:
    """Write `out` (JSON: scores, per-sample predictions, failures) and `out` with `.md`."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = report.to_dict()
    data["table_markdown"] = markdown_table(report)
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md = out.with_suffix(".md")
    md.write_text(data["table_markdown"], encoding="utf-8")
    return out, md
