"""Score one model variant (M0, or M0 + an M1 adapter) on `ouro eval`'s `scenes` benchmark.

The benchmark is the `scenes` source's test split (never built on, never trained on): per scene
one description request, scored by the objects it names against the truth (precision, recall,
F1; colour and position beside), and up to four exact questions (colour, count, sign text, left
of, above, inside) with the short-answer suffix. The model runs behind the embedded
transformers backend with the adapter merged, exactly as `ouro eval` runs it; only the variant
asked for runs (not the base model again for every adapter).

Beside the benchmark's scores, each variant keeps its per-scene counts (`per_scene`): what the
paired bootstrap of `paired.py` resamples to put an interval on every M1 - M0 difference.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path
from typing import Any

from ouro_toolkit.evaluation.data import DataSource, iter_samples
from ouro_toolkit.evaluation.generated import DESCRIBE, scene_rows
from ouro_toolkit.evaluation.runner import ADAPTER, BASE, run_benchmark
from ouro_toolkit.evaluation.samples import Sample
from ouro_toolkit.evaluation.tasks import Benchmark, get_benchmark
from ouro_toolkit.scenes.language import QA_KINDS

BENCHMARK = "scenes"

# Every score as (numerator, denominator) of one scene's counts: the benchmark's score is
# sum(numerators) / sum(denominators) over scenes (see `paired.py`).
Ratio = Callable[[dict[str, Any]], tuple[float, float]]


def _qa(kind: str | None) -> Ratio:
    def ratio(scene: dict[str, Any]) -> tuple[float, float]:
        pairs = scene["qa"].values() if kind is None else [scene["qa"].get(kind, [0, 0])]
        return float(sum(p[0] for p in pairs)), float(sum(p[1] for p in pairs))

    return ratio


SCENE_RATIOS: dict[str, Ratio] = {
    "qa_accuracy": _qa(None),
    "description_f1": lambda s: (s["f1"], s["described"]),
    "description_precision": lambda s: (s["named"], s["mentions"]),
    "description_recall": lambda s: (s["named"], s["objects"]),
    "description_colour_recall": lambda s: (s["colour"], s["objects"]),
    **{f"qa_{kind}": _qa(kind) for kind in QA_KINDS},
}


def scenes_benchmark(first_seed: int | None = None, scenes: int | None = None) -> Benchmark:
    """The `scenes` benchmark on `scenes` test scenes from `first_seed` (None: the split's first)."""
    bench = get_benchmark(BENCHMARK)
    return replace(bench, generate=partial(scene_rows, first_seed=first_seed, scenes=scenes))


def per_scene(samples: list[Sample], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each scene's counts, in test order: its description's matches against the truth (as the
    `scenes` scorer counts them) and, per QA kind, [answers right, questions]."""
    from ouro_toolkit.scenes.generate import scene_from_id
    from ouro_toolkit.scenes.matching import score_description

    by_id = {r["id"]: r for r in records}
    scenes: dict[str, dict[str, Any]] = {}
    for sample in samples:
        name = str(sample.meta["scene"])
        entry = scenes.setdefault(
            name,
            {"scene": name, "described": 0, "f1": 0.0, "named": 0, "mentions": 0}
            | {"objects": 0, "colour": 0, "qa": {}},
        )
        record = by_id.get(sample.id)
        if record is None:
            raise ValueError(f"scenes benchmark: no answer recorded for sample {sample.id!r}")
        kind = sample.meta["kind"]
        if kind == DESCRIBE:
            scene = scene_from_id(name, render=False)
            if scene is None:
                raise ValueError(f"scenes benchmark: {name!r} names no scene")
            got = score_description(scene, record["prediction"] or "")
            entry.update(described=1, f1=got.f1, named=got.named, mentions=got.mentions)
            entry.update(objects=got.objects, colour=got.right_colour)
        else:
            right, asked = entry["qa"].get(kind, [0, 0])
            entry["qa"][kind] = [right + int(bool(record["score"])), asked + 1]
    return list(scenes.values())


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


def benchmark_samples(test_scenes: int, first_seed: int | None = None) -> list[Sample]:
    """The benchmark's samples for `test_scenes` scenes from `first_seed` on (no model runs)."""
    bench = scenes_benchmark(first_seed, test_scenes)
    return list(iter_samples(bench, DataSource()))


async def _run(
    model: str, adapter: str | None, samples: list[Sample], batch_size: int, progress: bool
):
    from ouro_toolkit.backends import BackendSpec, backend_from_spec, load_now

    spec = BackendSpec(model, "transformers", batch_size=batch_size)
    backend = load_now(backend_from_spec(spec, adapter=adapter))
    try:
        return await run_benchmark(
            backend,
            get_benchmark(BENCHMARK),
            samples,
            profile="official",
            variant=ADAPTER if adapter else BASE,
            adapter=adapter,
            batch_size=batch_size,
            progress=progress,
        )
    finally:
        await backend.aclose()


def evaluate_variant(
    model: str,
    adapter: str | None,
    test_scenes: int,
    out_file: Path,
    *,
    first_seed: int | None = None,
    batch_size: int = 16,
    progress: bool = True,
    samples: list[Sample] | None = None,
) -> dict[str, Any]:
    """Scores of `model` (+ `adapter`) on `test_scenes` scenes from `first_seed` on, cached in
    `out_file` (a rerun reads it back; one cached before `per_scene` existed gains it)."""
    if out_file.is_file():
        result = json.loads(out_file.read_text())
        if "per_scene" not in result:
            listed = samples or benchmark_samples(test_scenes, first_seed)
            result["per_scene"] = per_scene(listed, result["samples"])
        return result
    samples = samples or benchmark_samples(test_scenes, first_seed)
    run = asyncio.run(_run(model, adapter, samples, batch_size, progress))
    records = [asdict(s) for s in run.samples]
    result = {
        "model": model,
        "adapter": adapter,
        "score": (run.score or 0.0) / 100,
        **scores_of(run.details),
        "samples_evaluated": run.n,
        "failed": run.n_failed,
        "seconds": run.seconds,
        "per_scene": per_scene(samples, records),
        "samples": records,
    }
    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(out_file)
    return result
