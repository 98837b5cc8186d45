"""A whole (tiny) M0 run: vision-first pretraining once, resume, the model folder's settings."""

from __future__ import annotations

import json

from ouro_toolkit.annotate.model_settings import model_settings
from ouro_toolkit.experiment.base_model.train import BaseModelConfig, train_base_model
from ouro_toolkit.models.seeing import SeeingConfig


def _config(steps: int) -> BaseModelConfig:
    return BaseModelConfig(
        steps=steps,
        batch_size=2,
        warmup=1,
        eval_every=1,
        eval_crops=2,
        tokenizer_samples=3,
        threads=1,
        crop_border=4,
        balanced_crops=True,
        vision_steps=2,
        vision_batch=2,
        architecture=SeeingConfig.sized(350, hidden=64, layers=1, intermediate=64, vision_depth=1),
    )


def _log(run) -> list[dict]:
    return [json.loads(line) for line in (run / "train_log.jsonl").read_text().splitlines()]


def test_the_tower_is_pretrained_once_and_the_folder_asks_for_the_border(tmp_path):
    model_dir = train_base_model(tmp_path, _config(1))
    first = _log(tmp_path)
    assert [r["vision_step"] for r in first if "vision_step" in r] == [1, 2]
    assert "heldout" in first[1] and set(first[1]["heldout"]) == {"name", "free_shape", "colour"}
    assert (tmp_path / "vision.pt").is_file()
    assert model_settings(str(model_dir)).crop_border == 4
    # Resumed from its checkpoint with more steps: no second pretraining, one more step.
    train_base_model(tmp_path, _config(2))
    added = _log(tmp_path)[len(first) :]
    assert [r.get("step") for r in added] == [2]
