"""Evaluation: the benchmark registry, data streaming, the runner, reports and model cards."""

from ouro_toolkit.evaluation.data import DataSource, DataUnavailable, iter_samples
from ouro_toolkit.evaluation.runner import EvalConfig, EvalReport, evaluate, evaluate_async
from ouro_toolkit.evaluation.samples import Sample
from ouro_toolkit.evaluation.tasks import (
    BENCHMARKS,
    Benchmark,
    get_benchmark,
    parse_benchmarks,
)

__all__ = [
    "BENCHMARKS",
    "Benchmark",
    "DataSource",
    "DataUnavailable",
    "EvalConfig",
    "EvalReport",
    "Sample",
    "evaluate",
    "evaluate_async",
    "get_benchmark",
    "iter_samples",
    "parse_benchmarks",
]
