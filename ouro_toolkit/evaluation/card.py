"""Putting evaluation results into a model card's `model-index` (the Hub's eval-results YAML).

Uses huggingface_hub's `ModelCard` / `EvalResult`, so the Hub renders the numbers on the model
page. The card describes the evaluated model: the adapter's results when an adapter was run,
otherwise the base model's. Results replace earlier entries for the same dataset, config, split
and metric; the scoring profile is kept in `metric_config`. After writing, the card is parsed
back and checked.
"""

from __future__ import annotations

import logging
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from ouro_toolkit.errors import OuroError
from ouro_toolkit.evaluation.runner import ADAPTER, BASE, BenchmarkRun, EvalReport

log = logging.getLogger(__name__)

TASK_TYPES = {"cider": ("image-to-text", "Image Captioning")}
DEFAULT_TASK = ("visual-question-answering", "Visual Question Answering")


class CardError(OuroError, RuntimeError):
    """The card could not be written or did not parse back; the message says which."""


def _all_failed(run: BenchmarkRun) -> bool:
    return run.n > 0 and run.n_failed == run.n


def eval_results(report: EvalReport) -> list[EvalResult]:
    """The card's results: the described variant's scored runs. A run where every sample failed
    (model not served, adapter missing) has a 0.0 that says nothing about the model: left out."""
    variant = ADAPTER if report.adapter else BASE
    out = []
    for run in report.runs:
        if run.variant != variant or run.score is None:
            continue
        if _all_failed(run):
            log.warning(
                "%s: every sample failed (%s); left out of the model card",
                run.benchmark,
                run.failures[0]["error"] if run.failures else "no error recorded",
            )
            continue
        task_type, task_name = TASK_TYPES.get(run.metric, DEFAULT_TASK)
        out.append(
            EvalResult(
                task_type=task_type,
                task_name=task_name,
                dataset_type=run.dataset or run.benchmark,
                dataset_name=run.title,
                dataset_config=run.config,
                dataset_split=run.split,
                metric_type=run.metric,
                metric_name=f"{run.metric} ({run.profile})",
                metric_config=run.profile,
                metric_value=run.score,
                # a partial run (--limit) says so: its numbers are not the benchmark's
                dataset_args={"limit": report.limit} if report.limit else None,
            )
        )
    return out


def _same(a: EvalResult, b: EvalResult) -> bool:
    return (a.dataset_type, a.dataset_config, a.dataset_split, a.metric_type, a.metric_config) == (
        b.dataset_type,
        b.dataset_config,
        b.dataset_split,
        b.metric_type,
        b.metric_config,
    )


def write_card(report: EvalReport, path: Path, *, model_name: str | None = None) -> ModelCard:
    """Add `report`'s results to the card at `path` (created if missing) and return the re-read card."""
    path = Path(path)
    variant = ADAPTER if report.adapter else BASE
    carded = [run for run in report.runs if run.variant == variant]
    if carded and all(_all_failed(run) for run in carded):
        first = carded[0].failures[0]["error"] if carded[0].failures else "no error recorded"
        first = " ".join(first.split())  # the CLI prints this as one line
        raise CardError(
            f"not writing {path}: every sample of every {variant} run failed (first error: "
            f"{first}), so its scores would all be 0.0; fix the cause (see the failures in the "
            "results JSON) and evaluate again"
        )
    new = eval_results(report)
    if not new:
        raise CardError("no scored results to write into the model card")
    if path.exists():
        try:
            card = ModelCard.load(path)
        except Exception as exc:
            raise CardError(f"{path}: cannot read the existing model card ({exc})") from None
    else:
        name = model_name or report.adapter or report.model
        data = ModelCardData(model_name=name)
        card = ModelCard(
            f"---\n{data.to_yaml()}\n---\n\n# {name}\n\nEvaluation results by `ouro eval`.\n"
        )
    kept = [r for r in (card.data.eval_results or []) if not any(_same(r, n) for n in new)]
    card.data.eval_results = kept + new
    card.data.model_name = card.data.model_name or model_name or report.adapter or report.model
    if report.adapter and not card.data.base_model:
        card.data.base_model = report.model
    path.parent.mkdir(parents=True, exist_ok=True)
    card.save(path)
    try:
        reread = ModelCard.load(path)
    except Exception as exc:
        raise CardError(f"{path}: written card does not parse back ({exc})") from None
    if len(reread.data.eval_results or []) != len(kept) + len(new):
        raise CardError(f"{path}: model-index parsed back with a different number of results")
    return reread
