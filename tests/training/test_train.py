"""Training end to end on CPU with the tiny Qwen2-VL: the real script, learning, the adapter, resume."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import TrainerCallback

from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.training import parse_training_args, run_training

ROOT = Path(__file__).parents[2]
SMOKE = ROOT / "recipes" / "tiny_cpu_smoke.yaml"
# Small images (16 merged tokens each) keep every step well under a second here.
FAST = ["--max_pixels", "12544", "--k", "1", "--disable_tqdm", "true", "--logging_steps", "1"]


def run_in_own_group(
    cmd: list[str], env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess:
    """Run `cmd` in a new session; on timeout kill its whole group (torchrun's workers too)."""
    import signal

    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{cmd[:4]} timed out after {timeout}s: {err[-2000:]}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _args(tiny_model_dir: Path, build: Path, out: Path, *extra: str):
    return parse_training_args(
        [
            "--config",
            str(SMOKE),
            "--model_name_or_path",
            str(tiny_model_dir),
            "--dataset_name",
            str(build),
            "--output_dir",
            str(out),
            *FAST,
            *extra,
        ]
    )


def test_recipe_script_runs_a_few_steps(tiny_model_dir, ouro_build_dir, tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, str(ROOT / "recipes" / "train.py"), "--config", str(SMOKE)]
    cmd += ["--model_name_or_path", str(tiny_model_dir), "--dataset_name", str(ouro_build_dir)]
    cmd += ["--output_dir", str(out), "--max_steps", "2", *FAST]
    env = {
        **os.environ,
        "OMP_WAIT_POLICY": "PASSIVE",
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
    }
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "global step 2" in proc.stdout
    record = json.loads((out / "ouro_training.json").read_text())
    assert record["global_step"] == 2 and record["k"] == 1 and record["annotations"] == "enhanced"
    assert (out / "adapter_model.safetensors").is_file() and (out / "checkpoint-2").is_dir()
    adapter_config = json.loads((out / "adapter_config.json").read_text())
    assert adapter_config["r"] == 8
    assert "language_model" in adapter_config["target_modules"]  # the regex, not all-linear


def test_script_refuses_truncation_with_a_clear_message(tiny_model_dir, ouro_build_dir, tmp_path):
    from click.testing import CliRunner

    from ouro_toolkit.cli.main import cli

    args = ["train", "--config", str(SMOKE), "--model_name_or_path", str(tiny_model_dir)]
    args += [
        "--dataset_name",
        str(ouro_build_dir),
        "--output_dir",
        str(tmp_path),
        "--max_length",
        "256",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "max_length=256" in result.output and "max_length: null" in result.output
    assert "Traceback" not in result.output
    missing = CliRunner().invoke(
        cli, ["train", "--config", str(SMOKE), "--dataset_name", str(tmp_path / "nope")]
    )
    assert missing.exit_code == 1 and "no such file or folder" in missing.output


def test_loss_falls_on_four_samples(tiny_model_dir, ouro_build_dir, tmp_path):
    # Pure LoRA (r=8, language model only) on a random 64-wide model: logits are bounded by the
    # frozen lm_head, so the loss falls steadily rather than to zero; token accuracy shows it too.
    args = _args(
        tiny_model_dir,
        ouro_build_dir,
        tmp_path / "fit",
        *["--max_steps", "12", "--per_device_train_batch_size", "4", "--learning_rate", "1e-2"],
        *["--lr_scheduler_type", "constant", "--warmup_steps", "0", "--save_strategy", "no"],
    )
    seen, collators = [], []

    class Record(TrainerCallback):
        def on_train_begin(self, args, state, control, train_dataloader=None, **kwargs):
            collators.append(type(train_dataloader.collate_fn).__name__)

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                seen.append((float(logs["loss"]), float(logs["mean_token_accuracy"])))

    outcome = run_training(*args, callbacks=[Record()])
    assert collators == ["ListMaskVisionCollator"]  # batches built without the slow mask loop
    assert outcome.num_train_rows == 4 and outcome.global_step == 12
    losses, accuracy = [s[0] for s in seen], [s[1] for s in seen]
    assert len(losses) == 12
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.15, losses
    assert losses[-1] < losses[0] - 0.25, losses
    assert accuracy[-1] > accuracy[0] + 0.15, accuracy


def _model_inputs(tiny_model_dir: Path):
    from transformers import AutoProcessor
    from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

    from ouro_toolkit.training.demo_rows import demo_row
    from ouro_toolkit.training.transform import OuroTransform

    messages, images = OuroTransform(k=1, max_pixels=12544).convert(demo_row("chelsea"))
    collator = DataCollatorForVisionLanguageModeling(AutoProcessor.from_pretrained(tiny_model_dir))
    batch = collator([{"messages": messages, "images": images}])
    batch.pop("labels")
    return batch


def test_adapter_reloads_with_peft_and_changes_outputs(tiny_model_dir, ouro_build_dir, tmp_path):
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForImageTextToText

    out = tmp_path / "adapter"
    run_training(
        *_args(tiny_model_dir, ouro_build_dir, out, "--max_steps", "3", "--learning_rate", "1e-2")
    )
    weights = load_file(out / "adapter_model.safetensors")
    assert weights and all("language_model" in name for name in weights)  # never the vision tower
    assert any("lora_B" in name and weights[name].abs().sum() > 0 for name in weights)  # trained

    inputs = _model_inputs(tiny_model_dir)
    base = AutoModelForImageTextToText.from_pretrained(tiny_model_dir).eval()
    with torch.no_grad():
        base_logits = base(**inputs).logits
    tuned = PeftModel.from_pretrained(
        AutoModelForImageTextToText.from_pretrained(tiny_model_dir), out
    ).eval()
    with torch.no_grad():
        tuned_logits = tuned(**inputs).logits
        with tuned.disable_adapter():
            disabled_logits = tuned(**inputs).logits
    assert torch.allclose(disabled_logits, base_logits, atol=1e-5)
    assert (tuned_logits - base_logits).abs().max() > 1e-3


class Interrupt(TrainerCallback):
    """Simulates a killed job: raises after step `at` (its checkpoint is already on disk)."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.at:
            raise KeyboardInterrupt(f"simulated interruption at step {self.at}")


class CountSteps(TrainerCallback):
    def __init__(self) -> None:
        self.steps: list[int] = []

    def on_step_end(self, args, state, control, **kwargs):
        self.steps.append(state.global_step)


def test_interrupted_run_resumes_from_its_checkpoint(tiny_model_dir, ouro_build_dir, tmp_path):
    out = tmp_path / "resume"
    extra = ("--max_steps", "4", "--save_steps", "2", "--per_device_train_batch_size", "1")
    with pytest.raises(KeyboardInterrupt):
        run_training(
            *_args(tiny_model_dir, ouro_build_dir, out, *extra), callbacks=[Interrupt(at=3)]
        )
    assert (out / "checkpoint-2").is_dir() and not (out / "checkpoint-4").exists()

    counter = CountSteps()
    outcome = run_training(*_args(tiny_model_dir, ouro_build_dir, out, *extra), callbacks=[counter])
    assert outcome.resumed_from == str(out / "checkpoint-2")
    assert counter.steps == [3, 4]  # continued, not restarted
    assert outcome.global_step == 4
    state = json.loads((out / "checkpoint-4" / "trainer_state.json").read_text())
    assert state["global_step"] == 4 and [
        e["step"] for e in state["log_history"] if "loss" in e
    ] == [1, 2, 3, 4]


@pytest.fixture(scope="module")
def pipeline_build(tmp_path_factory, tiny_model_dir) -> Path:
    """A real `ouro build` shard (tiny model, offline grouping proposer) with one corrupt image."""
    from ouro_toolkit.decomposition.decompose import DecomposeConfig
    from ouro_toolkit.decomposition.recipe import TreeRecipe
    from ouro_toolkit.pipeline.build import build_shard
    from ouro_toolkit.pipeline.config import BuildConfig
    from ouro_toolkit.training.demo_rows import demo_image

    photos = tmp_path_factory.mktemp("photos")
    for name in ("astronaut", "coffee"):
        demo_image(name).resize((192, 144)).save(photos / f"{name}.jpg")
    (photos / "zz_corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    prompts = tmp_path_factory.mktemp("prompts") / "fast.yaml"
    prompts.write_text("version: test-fast\ndescribe_max_new_tokens: 6\nqa_max_new_tokens: 12\n")
    out = tmp_path_factory.mktemp("pipeline") / "build"
    config = BuildConfig(
        source="local",
        data_dir=str(photos),
        backend=BackendSpec(str(tiny_model_dir), batch_size=2),
        out=str(out),
        tree=TreeRecipe(("grouping",), decompose=DecomposeConfig(max_depth=1, max_children=3)),
        prompts_path=str(prompts),
        progress=False,
    )
    build_shard(config)
    return out


def test_trains_on_a_build_made_by_the_pipeline(tiny_model_dir, pipeline_build, tmp_path, caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="ouro_toolkit.training.data"):
        outcome = run_training(
            *_args(tiny_model_dir, pipeline_build, tmp_path / "run", "--max_steps", "2")
        )
    assert outcome.global_step == 2 and outcome.num_train_rows == 2
    # The corrupt image's row: kept in the build with its error, never trained on.
    assert "skipped 1 with status != 'ok'" in caplog.text
    capped = run_training(
        *_args(
            tiny_model_dir,
            pipeline_build,
            tmp_path / "capped",
            "--max_steps",
            "1",
            "--max_train_samples",
            "1",
        )
    )
    assert capped.num_train_rows == 1


def test_push_to_hub_uploads_the_adapter_with_its_card(tiny_model_dir, ouro_build_dir, tmp_path):
    """Through the real script against the Hub-protocol server on 127.0.0.1 (tests/hub)."""
    from huggingface_hub import ModelCard

    from tests.helpers.fake_hub_server import LocalHubProtocolServer
    from tests.helpers.hub_env import FAKE_TOKEN, hub_environment

    repo = "ouro-tester/tiny-ouro-lora"
    with LocalHubProtocolServer(token=FAKE_TOKEN) as server:
        env = hub_environment(server, tmp_path / "hf_home")
        cmd = [sys.executable, str(ROOT / "recipes" / "train.py"), "--config", str(SMOKE)]
        cmd += ["--model_name_or_path", str(tiny_model_dir), "--dataset_name", str(ouro_build_dir)]
        cmd += ["--output_dir", str(tmp_path / "run"), "--max_steps", "1", *FAST]
        cmd += ["--push_to_hub", "true", "--hub_model_id", repo]
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert f"pushed to {server.url}/{repo}" in proc.stdout
        files = set(server.repo(repo, "model").head.files)
        card = ModelCard(server.file_bytes(repo, "README.md", "model").decode())
    assert {"adapter_config.json", "adapter_model.safetensors", "README.md"} <= files
    assert not any(f.startswith("checkpoint-") or f == "training_args.bin" for f in files)
    # A local base folder is named in the card's text; the YAML keeps only Hub ids (Hub rule).
    assert card.data.library_name == "peft" and str(tiny_model_dir) in card.text
    assert "annotations" in card.text and "enhanced" in card.text  # our hyperparameters


def test_push_needs_a_repo_id(tiny_model_dir, ouro_build_dir, tmp_path):
    from ouro_toolkit.training import TrainingConfigError

    args = _args(tiny_model_dir, ouro_build_dir, tmp_path, "--push_to_hub", "true")
    with pytest.raises(TrainingConfigError, match="--hub_model_id"):
        run_training(*args)


def test_two_process_data_parallel_run(tiny_model_dir, ouro_build_dir, tmp_path):
    """torchrun, 2 CPU processes (gloo): the script's distributed path, as accelerate launches it."""
    out = tmp_path / "ddp"
    import socket

    with socket.socket() as probe:  # a free port for the rendezvous
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    cmd += ["--master_addr", "127.0.0.1", "--master_port", port]
    cmd += [str(ROOT / "recipes" / "train.py"), "--config", str(SMOKE), "--output_dir", str(out)]
    cmd += ["--model_name_or_path", str(tiny_model_dir), "--dataset_name", str(ouro_build_dir)]
    cmd += ["--max_steps", "2", *FAST]
    env = {
        **os.environ,
        "OMP_WAIT_POLICY": "PASSIVE",
        "OMP_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
    }
    proc = run_in_own_group(cmd, env, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads((out / "ouro_training.json").read_text())
    assert record["world_size"] == 2 and record["effective_batch_size"] == 4
    assert record["global_step"] == 2 and (out / "adapter_model.safetensors").is_file()


def test_failed_push_keeps_the_adapter_and_says_so(tiny_model_dir, ouro_build_dir, tmp_path):
    # This process is offline (HF_HUB_OFFLINE=1), so the Hub client refuses at once.
    from ouro_toolkit.training import AdapterPushError

    out = tmp_path / "run"
    push = ("--max_steps", "1", "--push_to_hub", "true", "--hub_model_id", "someone/tiny")
    with pytest.raises(AdapterPushError, match="the adapter is saved in") as info:
        run_training(*_args(tiny_model_dir, ouro_build_dir, out, *push))
    assert "someone/tiny" in str(info.value)
    assert (out / "adapter_model.safetensors").is_file() and (out / "ouro_training.json").is_file()


def test_per_sample_layout_trains_on_one_image_one_turn_samples(
    tiny_model_dir, ouro_build_dir, tmp_path
):
    import json

    out = tmp_path / "run"
    outcome = run_training(
        *_args(tiny_model_dir, ouro_build_dir, out, "--max_steps", "2", "--layout", "per_sample")
    )
    # Four trainable demo rows at k = 1: d0 + QA + one crop each (1+5+1, 1+5+1, 1+3+1, 1+2+1).
    assert outcome.global_step == 2 and outcome.num_train_rows == 23
    assert json.loads((out / "ouro_training.json").read_text())["layout"] == "per_sample"
