"""Run benchmarks through a VLM backend and score them: the library behind `ouro eval`.

For each benchmark the same samples go to every model variant ("base", and "adapter" when an
adapter is given), so base and adapter are compared on identical items. A sample whose image
cannot be opened, or whose generation fails, is scored as wrong and listed under `failures`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from ouro_toolkit.backends.base import SamplingParams, VLMBackend, VLMRequest
from ouro_toolkit.backends.registry import BACKENDS
from ouro_toolkit.backends.spec import BackendSpec, spec_default
from ouro_toolkit.errors import ConfigError
from ouro_toolkit.evaluation.data import DataSource, iter_samples, open_rows, resolve_image
from ouro_toolkit.evaluation.samples import Sample
from ouro_toolkit.evaluation.scoring import extract, score
from ouro_toolkit.evaluation.tasks import Benchmark, parse_benchmarks, resolve_hub_id
from ouro_toolkit.images import ImageLoadError
from ouro_toolkit.metrics.profiles import PROFILES, check_profile

log = logging.getLogger(__name__)

PROMPT_VERSION = "ouro-eval-v1"
BASE, ADAPTER = "base", "adapter"


def _help(text: str, **meta: Any) -> dict[str, Any]:
    """A field's command-line option (see `ouro_toolkit.cli.fields`)."""
    return {"help": text, **meta}


@dataclass
class EvalConfig:
    """Everything one evaluation run needs (the CLI fills it from its flags)."""

    model: str = field(
        metadata=_help(
            "Base model: Hub id or local folder (transformers), or the served model name (openai)."
        )
    )
    benchmarks: list[str] = field(
        metadata=_help("Comma-separated benchmark names, or 'all'. See --list.")
    )
    adapter: str | None = field(
        default=None,
        metadata=_help(
            "PEFT adapter folder/id; base and adapter are both scored, side by side. "
            "With --backend openai: the adapter's name on the server."
        ),
    )
    limit: int | None = field(
        default=None, metadata=_help("Only the first N samples of each benchmark.", min=1)
    )
    backend: str = field(
        default=spec_default("kind"),
        metadata=_help(
            "transformers: in-process; openai: any OpenAI-compatible server (SGLang, vLLM, "
            "transformers serve); oracle: the ground-truth oracle (scenes only, not a model).",
            choices=tuple(BACKENDS),
        ),
    )
    server_url: str | None = field(
        default=None,
        metadata=_help("Server for --backend openai, e.g. http://127.0.0.1:30000."),
    )
    data_dir: Path | None = field(
        default=None,
        metadata=_help("Local copies: DIR/<benchmark>/ laid out like the Hub repo."),
    )
    hub_org: str | None = field(
        default=None,
        metadata=_help(
            "Organisation replacing lmms-lab in default dataset ids (e.g. lmms-lab-encoder)."
        ),
    )
    hub_ids: dict[str, str] = field(default_factory=dict)  # per-benchmark dataset id overrides
    profile: str = field(
        default="official",
        metadata=_help(
            "Scoring profile: official metrics, 'strict' (reference scorers to the letter), "
            "or the looser 'contains'.",
            choices=PROFILES,
        ),
    )
    batch_size: int = field(
        default=spec_default("batch_size"),
        metadata=_help("Requests handed to the backend at a time.", min=1),
    )
    backend_options: dict[str, Any] = field(default_factory=dict)
    progress: bool = True
    # Made (and checked) once from the fields above; every variant's backend comes from it.
    spec: BackendSpec = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_profile(self.profile)
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"--limit must be at least 1, got {self.limit}")
        if self.batch_size < 1:
            raise ConfigError(f"batch size must be at least 1, got {self.batch_size}")
        # More requests in flight than are handed over at a time would never be used.
        self.spec = BackendSpec(
            self.model,
            self.backend,
            self.server_url,
            batch_size=self.batch_size,
            concurrency=self.batch_size,
            options=self.backend_options,
        )


@dataclass
class SampleRecord:
    id: str
    prompt: str
    prediction: str | None  # after answer extraction; None when generation failed
    raw: str | None  # the model's reply as returned
    answers: list[str]
    score: float | None  # in [0, 1]; None = unscored (no ground truth)
    error: str | None = None


@dataclass
class BenchmarkRun:
    benchmark: str
    title: str
    group: str
    metric: str
    profile: str
    variant: str  # "base" | "adapter"
    model: str
    adapter: str | None
    dataset: str | None  # the Hub id the data is (or mirrors)
    data_path: str | None  # the local folder read instead of the Hub, if any
    config: str | None
    split: str
    n: int
    n_scored: int
    n_failed: int
    score: float | None  # percent (x100), the paper's scale; CIDEr x100 as usually reported
    details: dict[str, float]
    seconds: float
    failures: list[dict[str, str]]
    samples: list[SampleRecord]


@dataclass
class EvalReport:
    model: str
    adapter: str | None
    backend: str
    profile: str
    limit: int | None
    created: str
    runs: list[BenchmarkRun]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def run(self, benchmark: str, variant: str) -> BenchmarkRun | None:
        return next(
            (r for r in self.runs if r.benchmark == benchmark and r.variant == variant), None
        )


def build_request(sample: Sample, bench: Benchmark) -> VLMRequest:
    """The chat request for one sample; raises ImageLoadError when an image cannot be opened."""
    base_dir = sample.meta.get("base_dir")
    content: list[dict[str, Any]] = [
        {"type": "image", "image": resolve_image(image, base_dir)} for image in sample.images
    ]
    content.append({"type": "text", "text": sample.prompt})
    return VLMRequest(
        messages=[{"role": "user", "content": content}],
        sampling=SamplingParams(
            # A benchmark mixing short answers and descriptions sets it per sample.
            max_new_tokens=sample.meta.get("max_new_tokens") or bench.max_new_tokens,
            temperature=0.0,
        ),
        prompt_version=PROMPT_VERSION,
    )


async def _answer_chunk(
    backend: VLMBackend, bench: Benchmark, chunk: list[Sample], batch_size: int
) -> tuple[list[str | None], list[str | None]]:
    """Raw replies and errors for one chunk of samples (the samples are left as they are)."""
    errors: list[str | None] = [s.error for s in chunk]
    requests: dict[int, VLMRequest] = {}
    for i, sample in enumerate(chunk):
        if errors[i] is None:
            try:
                requests[i] = build_request(sample, bench)
            except ImageLoadError as exc:
                errors[i] = f"image: {exc}"
    raws: list[str | None] = [None] * len(chunk)
    todo = list(requests)
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        outputs = await backend.generate([requests[i] for i in batch])
        for i, result in zip(batch, outputs, strict=True):
            if result.ok:
                raws[i] = result.text
            else:
                errors[i] = f"generation: {result.error}"
    return raws, errors


def _chunks(samples: Iterable[Sample], size: int) -> Iterator[list[Sample]]:
    iterator = iter(samples)
    while chunk := list(islice(iterator, size)):
        yield chunk


async def run_benchmark(
    backend: VLMBackend,
    bench: Benchmark,
    samples: Iterable[Sample],
    *,
    profile: str,
    variant: str,
    adapter: str | None = None,
    dataset: str | None = None,
    data_path: str | None = None,
    batch_size: int = 8,
    progress: bool = True,
    total: int | None = None,
) -> BenchmarkRun:
    """Answer and score `samples` (any iterable: a stream is consumed chunk by chunk)."""
    started = time.perf_counter()
    if total is None and isinstance(samples, Sequence):
        total = len(samples)
    kept: list[Sample] = []
    raws: list[str | None] = []
    errors: list[str | None] = []
    desc = f"{bench.name} [{variant}]"
    with tqdm(total=total, desc=desc, disable=not progress, unit="sample") as bar:
        for chunk in _chunks(samples, batch_size * 4):
            chunk_raws, chunk_errors = await _answer_chunk(backend, bench, chunk, batch_size)
            # Scoring needs answers only: image-less copies keep a full-split run within memory.
            # Copies, not the caller's samples: a list scored for several models keeps its images.
            kept.extend(dataclasses.replace(sample, images=[]) for sample in chunk)
            raws.extend(chunk_raws)
            errors.extend(chunk_errors)
            bar.update(len(chunk))
    samples = kept
    predictions = [extract(bench.extract, raw) for raw in raws]
    scored = score(bench.metric, samples, predictions, profile, benchmark=bench.name)
    records = [
        SampleRecord(s.id, s.prompt, p, r, list(s.answers), sc, e)
        for s, p, r, sc, e in zip(
            samples, predictions, raws, scored.per_sample, errors, strict=True
        )
    ]
    failures = [{"id": rec.id, "error": rec.error} for rec in records if rec.error is not None]
    return BenchmarkRun(
        benchmark=bench.name,
        title=bench.title,
        group=bench.group,
        metric=bench.metric,
        profile=profile,
        variant=variant,
        model=backend.model,
        adapter=adapter,
        dataset=dataset,
        data_path=data_path,
        config=bench.config,
        split=bench.reported_split,
        n=len(samples),
        n_scored=sum(v is not None for v in scored.per_sample),
        n_failed=len(failures),
        score=None if scored.score is None else round(100.0 * scored.score, 2),
        details={k: round(100.0 * v, 2) for k, v in scored.details.items()},
        seconds=round(time.perf_counter() - started, 3),
        failures=failures,
        samples=records,
    )


BackendFactory = Callable[[EvalConfig, str | None], VLMBackend]


def default_backend_factory(config: EvalConfig, adapter: str | None) -> VLMBackend:
    """The spec's backend with `adapter` on top (loaded by transformers, named by a server)."""
    from ouro_toolkit.backends import backend_from_spec, load_now

    return load_now(backend_from_spec(config.spec, adapter=adapter))


async def evaluate_async(
    config: EvalConfig, backend_factory: BackendFactory | None = None
) -> EvalReport:
    factory = backend_factory or default_backend_factory
    benches = parse_benchmarks(",".join(config.benchmarks))
    source = DataSource(data_dir=config.data_dir, org=config.hub_org, hub_ids=dict(config.hub_ids))
    for bench in benches:  # fail on missing data before loading any model
        open_rows(bench, source)
    # The adapter variant runs first: loading it also loads the base model, so a wrong model or
    # adapter path fails before any sample is run. The report still lists base first.
    variants = ([(ADAPTER, config.adapter)] if config.adapter else []) + [(BASE, None)]
    runs: list[BenchmarkRun] = []
    for variant, adapter in variants:
        backend = factory(config, adapter)
        try:
            for bench in benches:
                root = source.local_root(bench)
                dataset = resolve_hub_id(bench, org=source.org, hub_ids=source.hub_ids)
                # Each variant re-reads the same stream (same order), so base and adapter see the
                # same samples without holding a whole split's images in memory.
                runs.append(
                    await run_benchmark(
                        backend,
                        bench,
                        iter_samples(bench, source, limit=config.limit),
                        profile=config.profile,
                        variant=variant,
                        adapter=adapter,
                        dataset=dataset,
                        data_path=str(root) if root else None,
                        batch_size=config.batch_size,
                        progress=config.progress,
                        total=config.limit,
                    )
                )
        finally:
            await backend.aclose()
    runs.sort(key=lambda run: run.variant != BASE)  # stable: benchmark order kept per variant
    return EvalReport(
        model=config.model,
        adapter=config.adapter,
        backend=config.backend,
        profile=config.profile,
        limit=config.limit,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        runs=runs,
    )


def evaluate(config: EvalConfig, backend_factory: BackendFactory | None = None) -> EvalReport:
    """Synchronous entry point (the CLI's)."""
    return asyncio.run(evaluate_async(config, backend_factory))
