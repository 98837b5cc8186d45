"""Publishing a LoRA adapter with its model card, and loading it back with PEFT from the repo id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from huggingface_hub import EvalResult, ModelCard

from ouro_toolkit.hub import HubPushError, push_adapter, render_model_card
from tests.helpers.hub_env import FAKE_TOKEN, HubEnv

REPO = "ouro-tester/ouro-qwen2vl-lora"
DATASET = "ouro-tester/ouro-fixture"
BASE = "Qwen/Qwen2-VL-7B-Instruct"


@pytest.fixture(scope="module")
def adapter_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real PEFT LoRA adapter on the tiny Qwen2-VL's language model, with non-zero weights."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForImageTextToText

    base = AutoModelForImageTextToText.from_pretrained(tiny_model_dir)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=r".*language_model.*\.(q_proj|v_proj)")
    model = get_peft_model(base, config)
    torch.manual_seed(0)
    with torch.no_grad():  # LoRA B starts at zero; random values make the round trip meaningful
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_()
    out = tmp_path_factory.mktemp("adapter") / "adapter"
    model.save_pretrained(out)
    (out / "training_args.bin").write_bytes(FAKE_TOKEN.encode())  # trainers pickle hub_token here
    (out / "checkpoint-10").mkdir()
    return out


def test_push_adapter_then_peft_loads_it_from_the_repo(
    local_hub: HubEnv, adapter_dir: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    result = local_hub.run(
        "-m",
        "tests.hub.hub_client",
        "adapter",
        str(adapter_dir),
        str(tiny_model_dir),
        REPO,
        DATASET,
        str(out),
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(out.read_text())
    # LoRA A and B on q_proj and v_proj of every text layer, each pulled back unchanged.
    layers = json.loads((tiny_model_dir / "config.json").read_text())["text_config"]
    assert report["lora_tensors"] == report["matched"] == 2 * 2 * layers["num_hidden_layers"]
    assert report["peft_type"].endswith("LORA")
    files = set(local_hub.server.repo(REPO, "model").head.files)
    assert {"adapter_config.json", "adapter_model.safetensors", "README.md"} <= files
    assert "training_args.bin" not in files and not any(f.startswith("checkpoint-") for f in files)
    # Adapter and card arrived in one commit (after the repo's initial commit).
    assert len(local_hub.server.repo(REPO, "model").commits) == 2

    card = ModelCard(local_hub.server.file_bytes(REPO, "README.md", "model").decode())
    assert card.data.base_model == BASE and card.data.library_name == "peft"
    assert card.data.datasets == [DATASET]
    assert card.data.eval_results[0].metric_value == pytest.approx(0.4321)
    assert "0123456789abcdef0123456789abcdef01234567" in card.text  # dataset revision
    assert f'PeftModel.from_pretrained(base, "{REPO}")' in card.text
    assert "| learning_rate | `0.0001` |" in card.text and "| r | `4` |" in card.text
    assert "hub_token" not in card.text
    stored = local_hub.server.all_stored_bytes()
    assert all(FAKE_TOKEN.encode() not in blob for blob in stored)
    assert FAKE_TOKEN not in result.stdout + result.stderr
    assert local_hub.server.unhandled == [] and local_hub.server.errors == []


def test_model_card_renders_without_pushing_with_model_index() -> None:
    results = [
        EvalResult(
            task_type="visual-question-answering",
            dataset_type="lmms-lab/DocVQA",
            dataset_name="DocVQA",
            dataset_config="DocVQA",
            dataset_split="validation",
            metric_type="anls",
            metric_value=0.812,
        ),
        {
            "task_type": "image-to-text",
            "dataset_type": "lmms-lab/COCO-Caption2017",
            "dataset_name": "COCO Caption",
            "metric_type": "cider",
            "metric_value": 1.05,
        },
    ]
    card = render_model_card(
        REPO,
        base_model=BASE,
        hyperparameters={"learning_rate": 1e-4, "num_train_epochs": 3, "api_key": "secret"},
        dataset_repo=DATASET,
        dataset_revision="abc1234",
        eval_results=results,
        adapter_config={
            "peft_type": "LORA",
            "r": 8,
            "lora_alpha": 16,
            "target_modules": ["q_proj", "v_proj"],
        },
    )
    parsed = ModelCard(str(card))  # YAML round trip through huggingface_hub's parser
    assert [r.metric_type for r in parsed.data.eval_results] == ["anls", "cider"]
    assert parsed.data.to_dict()["model-index"][0]["name"] == "ouro-qwen2vl-lora"
    assert "| DocVQA | validation | anls | 0.812 |" in parsed.text
    assert "| target_modules | `q_proj, v_proj` |" in parsed.text
    assert "secret" not in parsed.text and 'revision="abc1234"' in parsed.text

    bare = ModelCard(str(render_model_card(REPO, base_model=BASE, hyperparameters={"lr": 1})))
    assert "model-index" not in bare.data.to_dict() and "No evaluation results" in bare.text


def test_not_an_adapter_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HubPushError, match="not a PEFT adapter folder"):
        push_adapter(tmp_path, REPO, base_model=BASE, hyperparameters={})


def test_a_local_base_model_path_stays_out_of_the_yaml(tmp_path: Path) -> None:
    card = ModelCard(str(render_model_card(REPO, base_model=str(tmp_path), hyperparameters={})))
    assert card.data.base_model is None and not any("base_model:" in t for t in card.data.tags)
    assert f"`{tmp_path}` (a local model folder)" in card.text
