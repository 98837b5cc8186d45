"""Score one model variant (M0, or M0 + an M1 adapter) on `ouro eval`'s `scenes` benchmark.

The benchmark is the `scenes` source's test split (never built on, never trained on): per scene
one description request, scored by the objects it names against the truth (precision, recall,
F1; colour and position beside), and up to four exact questions (colour, count, sign text, left
of, above, inside) with the short-answer suffix. The model runs behind the embedded
transformers backend with the adapter merged, exactly as `ouro eval` runs it; only the variant
asked for runs (not the base model again for every adapter).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ouro_toolkit.evaluation.data import DataSource, iter_samples
from ouro_toolkit.evaluation.generated import QA_PER_SCENE
from ouro_toolkit.evaluation.runner import ADAPTER, BASE, run_benchmark
from ouro_toolkit.evaluation.tasks import get_benchmark

BENCHMARK = "scenes"
SAMPLES_PER_SCENE = 1 + QA_PER_SCENE


def scores_of(details: dict[str, float]) -> dict[str, Any]:
    """The benchmark's details (percent) as fractions under the experiment's names."""
    get = lambda key: details.get(key, 0.0) / 100  # noqa: E731
    return {
        "qa_accuracy": get("qa"),
        "qa_by_kind": {k[3:]: v / 100 for k, v in details.items() if k.startswith("qa_")},
        "description_f1": get("description_f1"),
        "description_precision": get("description_precision"),
        "description_recall": get("description_recall"),
        "description_colour_recall": get("description_colour"),
        "description_position_recall": get("description_position"),
    }


async def _run(model: str, adapter: str | None, test_scenes: int, batch_size: int, progress: bool):
    from ouro_toolkit.backends import BackendSpec, backend_from_spec, load_now

    bench = get_benchmark(BENCHMARK)
    spec = BackendSpec(model, "transformers", batch_size=batch_size)
    backend = load_now(backend_from_spec(spec, adapter=adapter))
    limit = test_scenes * SAMPLES_PER_SCENE
    try:
        return await run_benchmark(
            backend,
            bench,
            iter_samples(bench, DataSource(), limit=limit),
            profile="official",
            variant=ADAPTER if adapter else BASE,
            adapter=adapter,
            batch_size=batch_size,
            progress=progress,
            total=limit,
        )
    finally:
        await backend.aclose()


def evaluate_variant(
    model: str,
    adapter: str | None,
    test_scenes: int,
    out_file: Path,
    *,
    batch_size: int = 16,
    progress: bool = True,
) -> dict[str, Any]:
    """Scores of `model` (+ `adapter`), cached in `out_file` (a rerun reads it back)."""
    if out_file.is_file():
        return json.loads(out_file.read_text())
    run = asyncio.run(_run(model, adapter, test_scenes, batch_size, progress))
    result = {
        "model": model,
        "adapter": adapter,
        "score": (run.score or 0.0) / 100,
        **scores_of(run.details),
        "samples_evaluated": run.n,
        "failed": run.n_failed,
        "seconds": run.seconds,
        "samples": [asdict(s) for s in run.samples],
    }
    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(out_file)
    return result
