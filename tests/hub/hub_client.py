"""Client side of the Hub tests, run in a subprocess whose environment points at the local Hub
(see conftest.py for why). Each command writes a JSON report for the test to check.

    python -m tests.hub.hub_client load REPO OUT.json
    python -m tests.hub.hub_client adapter ADAPTER_DIR BASE_DIR REPO DATASET_REPO OUT.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _row_summary(row: dict[str, Any]) -> dict[str, Any]:
    from ouro_toolkit.regions.tree import RegionTree

    image = row["image"]
    tree = RegionTree.from_rows(row["regions"]).to_rows() if row["regions"] else []
    return {
        "id": row["id"],
        "status": row["status"],
        "error": row["error"],
        "image_size": list(image.size) if image is not None else None,
        "image_mode": image.mode if image is not None else None,
        "tree": tree,
        "description": row["description"],
        "qa": row["qa"],
    }


def load(repo: str, out: str) -> None:
    from datasets import load_dataset

    from ouro_toolkit.schema import OURO_FEATURES

    ds = load_dataset(repo, split="train")
    stream = load_dataset(repo, split="train", streaming=True)
    report = {
        "rows": [_row_summary(row) for row in ds],
        "features_equal": ds.features == OURO_FEATURES,
        "stream_rows": [_row_summary(row) for row in stream],
        "stream_features_equal": stream.features == OURO_FEATURES,
    }
    Path(out).write_text(json.dumps(report))


def adapter(adapter_dir: str, base_dir: str, repo: str, dataset_repo: str, out: str) -> None:
    import torch
    from peft import PeftModel, get_peft_model_state_dict
    from safetensors.torch import load_file
    from transformers import AutoModelForImageTextToText

    from ouro_toolkit.hub import push_adapter

    result = push_adapter(
        adapter_dir,
        repo,
        base_model="Qwen/Qwen2-VL-7B-Instruct",
        dataset_repo=dataset_repo,
        dataset_revision="0123456789abcdef0123456789abcdef01234567",
        hyperparameters={
            "learning_rate": 1e-4,
            "lora_r": 8,
            "epochs": 3,
            "k_crops": 5,
            "hub_token": "x",
        },
        eval_results=[
            {
                "task_type": "visual-question-answering",
                "dataset_type": "lmms-lab/textvqa",
                "dataset_name": "TextVQA",
                "dataset_split": "validation",
                "metric_type": "accuracy",
                "metric_value": 0.4321,
            }
        ],
    )
    # Pull it back the way a user would: from the repo id, with the standard PEFT call.
    base = AutoModelForImageTextToText.from_pretrained(base_dir)
    model = PeftModel.from_pretrained(base, repo)
    local = load_file(str(Path(adapter_dir) / "adapter_model.safetensors"))
    pulled = get_peft_model_state_dict(model)
    matched = sum(
        1
        for key, value in local.items()
        if key in pulled and torch.equal(pulled[key].cpu(), value.cpu())
    )
    report = {
        "files": result.files,
        "commit": result.commit_oid,
        "url": str(result),
        "lora_tensors": len(local),
        "matched": matched,
        "peft_type": str(model.peft_config["default"].peft_type),
    }
    Path(out).write_text(json.dumps(report))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"load": load, "adapter": adapter}[command](*args)
