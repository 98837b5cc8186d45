"""Runner, report and card logic with a scripted backend.

A tiny random model cannot answer anything right, so to check that right answers score 100 and
failures score 0 we use `AnswerKeyBackend`, a test double that replies from a prompt -> answer
table (or fails on purpose). The real backends are exercised in test_end_to_end.py.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml
from huggingface_hub import ModelCard

from ouro_toolkit.backends import load_now
from ouro_toolkit.backends.base import VLMRequest, VLMResult
from ouro_toolkit.errors import BackendLoadError
from ouro_toolkit.evaluation import BENCHMARKS, DataSource, iter_samples
from ouro_toolkit.evaluation.card import CardError, write_card
from ouro_toolkit.evaluation.report import markdown_table, write_report
from ouro_toolkit.evaluation.runner import EvalConfig, evaluate_async, run_benchmark


class AnswerKeyBackend:
    """Test double: answers each prompt from a table; a prompt mapped to None fails."""

    name = "answer-key"

    def __init__(self, model: str, answers: dict[str, str | None], default: str = "no idea"):
        self.model = model
        self.answers = answers
        self.default = default
        self.seen: list[VLMRequest] = []

    async def generate(self, requests: Sequence[VLMRequest]) -> list[VLMResult]:
        self.seen.extend(requests)
        out = []
        for request in requests:
            prompt = request.messages[0]["content"][-1]["text"]
            text = self.answers.get(prompt, self.default)
            out.append(
                VLMResult(text=None, error="scripted failure")
                if text is None
                else VLMResult(text=text + "<|im_end|>")
            )
        return out

    async def aclose(self) -> None:
        pass


def _right_answer(sample) -> str:
    if sample.choices:
        return f"({'ABCDEFGH'[sample.answer_index]})"
    # the most frequent human answer: 3+ matches give full VQA accuracy
    return Counter(sample.answers).most_common(1)[0][0] if sample.answers else "anything"


def _run(bench_name: str, bench_data: Path, answer_for, profile: str = "official"):
    bench = BENCHMARKS[bench_name]
    samples = list(iter_samples(bench, DataSource(data_dir=bench_data)))
    backend = AnswerKeyBackend("m", {s.prompt: answer_for(s) for s in samples})
    return asyncio.run(
        run_benchmark(backend, bench, samples, profile=profile, variant="base", progress=False)
    )


@pytest.mark.parametrize(
    "name",
    # Generated benchmarks (scenes) have no fixture files; test_scenes_benchmark scores them.
    [
        n
        for n in BENCHMARKS
        if BENCHMARKS[n].metric != "cider" and n != "stvqa" and BENCHMARKS[n].generate is None
    ],
)
def test_right_answers_score_100(name: str, bench_data: Path) -> None:
    run = _run(name, bench_data, _right_answer)
    assert run.n == 3 and run.n_failed == 0
    if name == "deepform":  # the third key has no value ("None"): F1 over the two that do
        assert run.score == 100.0 and run.details == {"precision": 100.0, "recall": 100.0}
    else:
        assert run.score == 100.0, [(s.prediction, s.answers, s.score) for s in run.samples]
    assert run.profile == "official"


def test_wrong_answers_and_failures_score_zero_and_are_listed(bench_data: Path) -> None:
    run = _run("docvqa", bench_data, lambda s: None if s.id == "102" else "zzzz")
    assert run.score == 0.0
    assert run.n_failed == 1
    assert run.failures == [{"id": "102", "error": "generation: scripted failure"}]
    failed = next(s for s in run.samples if s.id == "102")
    assert failed.prediction is None and failed.score == 0.0


def test_chartqa_reports_human_and_augmented_halves(bench_data: Path) -> None:
    # fixture types: human, augmented, human; answer the first sample wrong
    run = _run("chartqa", bench_data, lambda s: "wrong" if s.id == "chartqa-0" else s.answers[0])
    assert run.score == pytest.approx(66.67)
    assert run.details == {"human": 50.0, "augmented": 100.0}


@pytest.mark.skipif(shutil.which("java") is None, reason="PTB tokenizer needs Java")
def test_captions_get_cider(bench_data: Path) -> None:
    right = _run("coco", bench_data, lambda s: s.answers[0])
    wrong = _run("coco", bench_data, lambda s: "zebra zebra zebra")
    assert right.score > 100 and wrong.score == 0.0
    assert all(s.score is not None for s in right.samples)


def test_submission_only_split_is_unscored(bench_data: Path) -> None:
    run = _run("stvqa", bench_data, lambda s: "anything")
    assert run.score is None and run.n_scored == 0 and run.n_failed == 0
    assert all(s.prediction == "anything" for s in run.samples)  # predictions kept for submission


def test_contains_profile_is_recorded_and_looser(bench_data: Path) -> None:
    chatty = lambda s: f"I think the answer is {s.answers[0]} here" if s.answers else "x"  # noqa: E731
    official = _run("textvqa", bench_data, chatty)
    contains = _run("textvqa", bench_data, chatty, profile="contains")
    assert official.score == 0.0 and official.profile == "official"
    assert contains.score == 100.0 and contains.profile == "contains"


def test_strict_profile_uses_each_benchmarks_reference_rule(bench_data: Path) -> None:
    # VQAv2's second fixture question has ten identical "two"s: vqaEval.py leaves them as they
    # are while the prediction "two" becomes "2", so that question scores 0 under strict only
    official = _run("vqav2", bench_data, _right_answer)
    strict = _run("vqav2", bench_data, _right_answer, profile="strict")
    assert official.score == 100.0
    assert strict.score == pytest.approx(66.67) and strict.profile == "strict"
    # "(b)": lmms-eval's AI2D filter accepts it, its ScienceQA rule does not
    lower = lambda s: f"({'abcdefgh'[s.answer_index]})"  # noqa: E731
    assert _run("ai2d", bench_data, lower, profile="strict").score == 100.0
    assert _run("scienceqa", bench_data, lower, profile="strict").score == 0.0
    assert _run("scienceqa", bench_data, lower).score == 100.0


def _report(bench_data: Path, tmp_path: Path):
    """A base + adapter run where the adapter answers right and the base model does not."""
    keys = {}
    for name in ("okvqa", "chartqa"):
        for s in iter_samples(BENCHMARKS[name], DataSource(data_dir=bench_data)):
            keys[s.prompt] = _right_answer(s)

    def factory(config: EvalConfig, adapter: str | None):
        return AnswerKeyBackend(config.model, keys if adapter else {}, default="wrong")

    config = EvalConfig(model="Qwen/Qwen2-VL-7B-Instruct", adapter="me/ouro-lora", benchmarks=["okvqa", "chartqa"],
                        data_dir=bench_data, progress=False)  # fmt: skip
    return asyncio.run(evaluate_async(config, factory))


def test_report_json_and_paper_table(bench_data: Path, tmp_path: Path) -> None:
    report = _report(bench_data, tmp_path)
    json_path, md_path = write_report(report, tmp_path / "out" / "results.json")
    data = json.loads(json_path.read_text())
    assert {(r["benchmark"], r["variant"], r["score"]) for r in data["runs"]} == {
        ("okvqa", "base", 0.0), ("okvqa", "adapter", 100.0), ("chartqa", "base", 0.0), ("chartqa", "adapter", 100.0)
    }  # fmt: skip
    assert all(r["profile"] == "official" and len(r["samples"]) == 3 for r in data["runs"])
    assert all(r["data_path"] == str(bench_data / r["benchmark"]) for r in data["runs"])
    assert {r["dataset"] for r in data["runs"]} == {"lmms-lab/OK-VQA", "lmms-lab/ChartQA"}
    tuned_okvqa = next(
        r for r in data["runs"] if r["benchmark"] == "okvqa" and r["variant"] == "adapter"
    )
    assert tuned_okvqa["samples"][0]["raw"] == "kitten<|im_end|>"  # the reply as returned
    assert tuned_okvqa["samples"][0]["prediction"] == "kitten"  # special tokens stripped
    table = md_path.read_text()
    assert "| Model | OKVQA (VQA acc.) |" in table and "| Model | ChartQA (relaxed acc.) |" in table
    assert "| Qwen/Qwen2-VL-7B-Instruct | 0.00 |" in table
    assert "| Qwen/Qwen2-VL-7B-Instruct + me/ouro-lora | 100.00 |" in table
    assert table.count("| Δ | +100.00 |") == 2
    assert "Scoring profile: **official**" in table
    assert markdown_table(report) == table


def test_model_card_model_index(bench_data: Path, tmp_path: Path) -> None:
    report = _report(bench_data, tmp_path)
    path = tmp_path / "card" / "README.md"
    path.parent.mkdir()
    path.write_text("---\nlicense: apache-2.0\n---\n# My adapter\n\nSome text.\n")
    card = write_card(report, path)
    results = card.data.eval_results
    assert [(r.dataset_name, r.metric_type, r.metric_value, r.metric_config) for r in results] == [
        ("OKVQA", "vqa_accuracy", 100.0, "official"), ("ChartQA", "relaxed_accuracy", 100.0, "official")
    ]  # fmt: skip
    assert card.data.base_model == "Qwen/Qwen2-VL-7B-Instruct"
    text = path.read_text()
    assert "Some text." in text and "license: apache-2.0" in text
    meta = yaml.safe_load(text.split("---")[1])
    (entry,) = meta["model-index"]
    assert entry["name"] == "me/ouro-lora"
    assert {r["dataset"]["type"] for r in entry["results"]} == {
        "lmms-lab/OK-VQA",
        "lmms-lab/ChartQA",
    }
    # writing again replaces the same entries rather than duplicating them
    write_card(report, path)
    assert len(ModelCard.load(path).data.eval_results) == 2


def test_card_errors(bench_data: Path, tmp_path: Path) -> None:
    report = _report(bench_data, tmp_path)
    report.runs = []
    with pytest.raises(CardError, match="no scored results"):
        write_card(report, tmp_path / "README.md")


def test_unreadable_image_fails_that_sample_only(bench_data: Path) -> None:
    bench = BENCHMARKS["chartqa"]
    samples = list(iter_samples(bench, DataSource(data_dir=bench_data)))
    samples[1].images = ["missing/chart.png"]
    backend = AnswerKeyBackend("m", {s.prompt: s.answers[0] for s in samples})
    run = asyncio.run(
        run_benchmark(
            backend, bench, iter(samples), profile="official", variant="base", progress=False
        )
    )
    assert run.n == 3 and run.n_failed == 1
    assert run.failures[0]["id"] == "chartqa-1" and run.failures[0]["error"].startswith("image: ")
    assert [s.score for s in run.samples] == [1.0, 0.0, 1.0]
    assert len(backend.seen) == 2  # the broken sample never reached the model
    # The caller's samples keep their images (the run keeps image-less copies of its own).
    assert samples[1].images == ["missing/chart.png"] and all(s.images for s in samples)


def _failing_report(bench_data: Path, failing: set[str | None]):
    """A base + adapter run where the variants in `failing` (None: base) fail every sample."""

    def factory(config: EvalConfig, adapter: str | None):
        backend = AnswerKeyBackend(config.model, {}, default="yes")
        if adapter in failing:
            prompts = [
                s.prompt for s in iter_samples(BENCHMARKS["okvqa"], DataSource(data_dir=bench_data))
            ]
            backend.answers = dict.fromkeys(prompts)  # None: every generation fails
        return backend

    config = EvalConfig(model="m", adapter="me/lora", benchmarks=["okvqa", "vsr"], data_dir=bench_data,
                        progress=False)  # fmt: skip
    return asyncio.run(evaluate_async(config, factory))


def test_card_refused_when_every_sample_failed(bench_data: Path, tmp_path: Path) -> None:
    # Only okvqa fails for the adapter: its 0.0 is left out, vsr's score goes in.
    report = _failing_report(bench_data, {"me/lora"})
    card = write_card(report, tmp_path / "partial" / "README.md")
    assert [r.dataset_name for r in card.data.eval_results] == ["VSR"]
    # Every carded run failed: nothing is written, and the message says why.
    report.runs = [r for r in report.runs if r.benchmark == "okvqa"]
    path = tmp_path / "failed" / "README.md"
    with pytest.raises(CardError, match="every sample of every adapter run failed") as info:
        write_card(report, path)
    assert "scripted failure" in str(info.value) and not path.exists()


class UnloadableBackend(AnswerKeyBackend):
    """Test double: a backend whose model cannot be loaded (as transformers' load() reports it)."""

    def load(self) -> None:
        raise BackendLoadError("could not load adapter 'x': no adapter_config.json")

    async def generate(self, requests: Sequence[VLMRequest]) -> list[VLMResult]:
        raise AssertionError("generate must not run when the model could not be loaded")


def test_load_error_stops_before_any_sample(bench_data: Path) -> None:
    made: list[str | None] = []

    def factory(config: EvalConfig, adapter: str | None):
        made.append(adapter)
        return load_now(UnloadableBackend(config.model, {}))

    config = EvalConfig(model="m", adapter="x", benchmarks=["okvqa"], data_dir=bench_data,
                        progress=False)  # fmt: skip
    with pytest.raises(BackendLoadError) as info:
        asyncio.run(evaluate_async(config, factory))
    assert str(info.value) == "could not load adapter 'x': no adapter_config.json"
    assert made == ["x"]  # the adapter (which loads the base model too) is tried first


def test_runs_list_base_first(bench_data: Path, tmp_path: Path) -> None:
    report = _report(bench_data, tmp_path)
    assert [(r.variant, r.benchmark) for r in report.runs] == [
        ("base", "okvqa"), ("base", "chartqa"), ("adapter", "okvqa"), ("adapter", "chartqa")
    ]  # fmt: skip


def test_a_sample_list_scored_twice_keeps_its_images_for_the_second_model():
    """The experiment scores one list of samples for M0 and then for every M1: the first run
    must not take the images away from the next (an M1 asked without its image answered every
    scene with one sentence)."""
    from ouro_toolkit.backends.openai_backend import OpenAIBackend
    from ouro_toolkit.evaluation.tasks import get_benchmark
    from ouro_toolkit.experiment.evaluate import BENCHMARK, benchmark_samples
    from ouro_toolkit.serving.stand_in import StandInServer

    def images_in(payload):
        return sum(
            part.get("type") == "image_url"
            for message in payload["messages"]
            for part in (message["content"] if isinstance(message["content"], list) else [])
        )

    samples = benchmark_samples(1)
    with_images = sum(bool(s.images) for s in samples)
    assert with_images == len(samples) > 0
    with StandInServer(lambda payload, n: (200, "a red circle")) as server:
        backend = OpenAIBackend("m", server.url, max_retries=0)
        for variant in ("M0", "M1"):
            run = asyncio.run(
                run_benchmark(backend, get_benchmark(BENCHMARK), samples, profile="official",
                              variant=variant, progress=False)
            )  # fmt: skip
            assert run.n == len(samples)
    assert [images_in(p) for p in server.payloads] == [1] * (2 * len(samples))
    assert sum(bool(s.images) for s in samples) == with_images  # the caller's samples unchanged
