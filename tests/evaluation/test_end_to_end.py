"""End to end: fixture rows in real layouts -> the tiny Qwen2-VL through both real backends ->
results JSON, markdown table and model card, via `ouro eval` itself.

The tiny model's answers are meaningless, so these tests check the plumbing (every sample answered,
scored, written, parsed back), not the numbers.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from huggingface_hub import ModelCard

from ouro_toolkit.cli.main import cli
from ouro_toolkit.evaluation.report import write_report
from ouro_toolkit.evaluation.runner import EvalConfig, evaluate

# COCO is scored with CIDEr, whose PTB tokenizer is Java (as in tests/metrics/test_cider.py)
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="PTB tokenizer needs Java")


def _check_results(
    path: Path, benchmarks: list[str], limit: int, variants: list[str], profile: str
) -> dict:
    data = json.loads(path.read_text())
    assert data["profile"] == profile and data["limit"] == limit
    assert sorted((r["benchmark"], r["variant"]) for r in data["runs"]) == sorted(
        (b, v) for b in benchmarks for v in variants
    )
    for run in data["runs"]:
        assert run["profile"] == profile
        assert run["n"] == limit and len(run["samples"]) == limit
        assert run["n_failed"] == 0, run["failures"]
        assert 0.0 <= run["score"] <= 1000.0  # CIDEr can pass 100
        for sample in run["samples"]:
            assert isinstance(sample["raw"], str) and sample["score"] is not None
    return data


def test_ouro_eval_in_process_backend_with_card(
    tiny_model_dir: Path, bench_data: Path, tmp_path: Path
) -> None:
    out, card = tmp_path / "res" / "results.json", tmp_path / "card" / "README.md"
    args = ["eval", "--model", str(tiny_model_dir), "--benchmarks", "okvqa,chartqa,deepform", "--limit", "2",
            "--data-dir", str(bench_data), "--out", str(out), "--card", str(card), "--no-progress"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "| Model | OKVQA (VQA acc.) |" in result.output
    _check_results(out, ["okvqa", "chartqa", "deepform"], 2, ["base"], "official")
    assert out.with_suffix(".md").read_text().startswith("Scoring profile: **official**")
    meta = yaml.safe_load(card.read_text().split("---")[1])
    results = meta["model-index"][0]["results"]
    assert {r["dataset"]["name"] for r in results} == {"OKVQA", "ChartQA", "DeepForm"}
    assert all(r["dataset"]["args"] == {"limit": 2} for r in results)
    assert len(ModelCard.load(card).data.eval_results) == 3


@needs_java
def test_http_backend_against_transformers_serve(
    tiny_server, bench_data: Path, tmp_path: Path
) -> None:
    config = EvalConfig(model=tiny_server.model, benchmarks=["docvqa", "coco"], limit=2, backend="openai",
                        server_url=tiny_server.url, data_dir=bench_data, profile="contains", progress=False)  # fmt: skip
    json_path, _ = write_report(evaluate(config), tmp_path / "http.json")
    data = _check_results(json_path, ["docvqa", "coco"], 2, ["base"], "contains")
    assert data["backend"] == "openai"
    # transformers serve leaves <|im_end|> in replies; predictions must not carry it
    assert all("<|" not in s["prediction"] for r in data["runs"] for s in r["samples"])


def _make_adapter(model_dir: Path, out: Path) -> Path:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForImageTextToText

    model = AutoModelForImageTextToText.from_pretrained(model_dir)
    # init_lora_weights=False: random (non-zero) B, so the adapter really changes the outputs
    lora = LoraConfig(
        r=8, lora_alpha=64, target_modules=["q_proj", "v_proj"], init_lora_weights=False
    )
    peft_model = get_peft_model(model, lora)
    peft_model.save_pretrained(out)
    return out


def test_base_and_adapter_side_by_side(
    tiny_model_dir: Path, bench_data: Path, tmp_path: Path
) -> None:
    adapter = _make_adapter(tiny_model_dir, tmp_path / "adapter")
    out = tmp_path / "ab.json"
    args = ["eval", "--model", str(tiny_model_dir), "--adapter", str(adapter), "--benchmarks", "textvqa",
            "--limit", "2", "--data-dir", str(bench_data), "--out", str(out), "--no-progress"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = _check_results(out, ["textvqa"], 2, ["base", "adapter"], "official")
    base, tuned = (next(r for r in data["runs"] if r["variant"] == v) for v in ("base", "adapter"))
    assert tuned["adapter"] == str(adapter) and base["adapter"] is None
    assert [s["id"] for s in base["samples"]] == [s["id"] for s in tuned["samples"]]  # same items
    assert [s["raw"] for s in base["samples"]] != [
        s["raw"] for s in tuned["samples"]
    ]  # adapter applied
    table = out.with_suffix(".md").read_text()
    assert f"| {tiny_model_dir} + {adapter} |" in table and "| Δ |" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--benchmarks", "okvqa"], "give --model"),
        (["--model", "m"], "give --benchmarks"),
        (["--model", "m", "--benchmarks", "okvqa,mmmu"], "unknown benchmark 'mmmu'"),
        (["--model", "m", "--benchmarks", "okvqa", "--dataset", "okvqa"], "is not KEY=VALUE"),
        (["--model", "m", "--benchmarks", "okvqa", "--profile", "loose"], "'loose' is not one of"),
        (["--model", "m", "--benchmarks", "estvqa"], "estvqa: has no Hub copy; pass --data-dir"),
        (["--model", "m", "--benchmarks", "okvqa", "--backend", "openai"], "needs a server URL"),
    ],
)
def test_cli_bad_input_is_one_clear_line(args: list[str], message: str, bench_data: Path) -> None:
    if "--backend" in args:
        args = [*args, "--data-dir", str(bench_data), "--limit", "1"]
    result = CliRunner().invoke(cli, ["eval", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_recipe_file_and_flag_override(
    tmp_path: Path, tiny_model_dir: Path, bench_data: Path
) -> None:
    recipe = tmp_path / "quick.yaml"
    recipe.write_text(yaml.safe_dump({"benchmarks": "vizwiz", "limit": 5, "profile": "contains"}))
    out = tmp_path / "r.json"
    args = ["eval", "--config", str(recipe), "--model", str(tiny_model_dir), "--limit", "1",
            "--data-dir", str(bench_data), "--out", str(out), "--no-progress"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    _check_results(
        out, ["vizwiz"], 1, ["base"], "contains"
    )  # limit from the flag, profile from the recipe


def test_list() -> None:
    result = CliRunner().invoke(cli, ["eval", "--list"])
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) == 21  # the paper's twenty, then scenes
    assert result.output.strip().splitlines()[-1].split()[0] == "scenes"
    assert "lmms-lab/DocVQA [InfographicVQA]" in result.output


@pytest.mark.parametrize("missing", ["adapter", "model"])
def test_unloadable_model_or_adapter_is_one_line_and_writes_nothing(
    missing: str, tiny_model_dir: Path, bench_data: Path, tmp_path: Path
) -> None:
    # Before: the load error became a failed result for every sample, written as 0.0 scores.
    model = str(tmp_path / "no-model") if missing == "model" else str(tiny_model_dir)
    out, card = tmp_path / "results.json", tmp_path / "card" / "README.md"
    args = ["eval", "--model", model, "--adapter", str(tmp_path / "no-adapter"), "--benchmarks", "okvqa",
            "--limit", "1", "--data-dir", str(bench_data), "--out", str(out), "--card", str(card),
            "--no-progress"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    # transformers' "Loading weights" bar may come first; the error itself is one line, the last
    (line,) = [ln for ln in result.output.splitlines() if "rror" in ln]
    assert result.output.strip().endswith(line)
    assert line.startswith("Error: could not load") and str(tmp_path / f"no-{missing}") in line
    assert not out.exists() and not out.with_suffix(".md").exists() and not card.exists()
