"""The recipe files: paper settings parse through the real parser, ablations differ only where
they should, launch configs are well-formed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from ouro_toolkit.training import LANGUAGE_MODEL_LORA_REGEX, parse_training_args

RECIPES = Path(__file__).parents[2] / "recipes"
PAPER = RECIPES / "ouro_qwen2vl_7b_lora.yaml"
# bf16 cannot be validated on a CPU-only machine; these overrides exercise the override path too.
ON_CPU = ["--use_cpu", "true", "--bf16", "false"]


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_paper_recipe_has_the_paper_settings():
    args = parse_training_args(["--config", str(PAPER), *ON_CPU, "--k", "3"])
    data, training, model, ouro = args
    assert model.model_name_or_path == "Qwen/Qwen2-VL-7B-Instruct" and model.dtype == "bfloat16"
    assert model.use_peft and model.lora_r == 8 and model.lora_target_modules is None
    assert ouro.lora_target_regex == LANGUAGE_MODEL_LORA_REGEX and ouro.auto_resume
    assert training.learning_rate == 1e-4 and str(training.lr_scheduler_type.value) == "cosine"
    assert training.warmup_steps == 0.1 and training.num_train_epochs == 3
    assert training.per_device_train_batch_size == 4 and training.gradient_accumulation_steps == 8
    assert training.max_length is None and training.assistant_only_loss and not training.packing
    assert (RECIPES.parent / training.chat_template_path).is_file()
    assert data.k == 3  # the CLI override beat the YAML's 5
    assert _yaml(PAPER)["k"] == 5 and data.max_pixels == 262_144 and data.annotations == "enhanced"
    assert _yaml(PAPER)["bf16"] is True


def test_lora_regex_targets_language_model_projections_only():
    import re

    pattern = re.compile(LANGUAGE_MODEL_LORA_REGEX)
    assert pattern.fullmatch("model.language_model.layers.0.self_attn.q_proj")
    assert pattern.fullmatch("model.language_model.layers.27.mlp.down_proj")
    assert not pattern.fullmatch("model.visual.blocks.0.attn.qkv")
    assert not pattern.fullmatch("model.visual.blocks.0.mlp.down_proj")  # Qwen2.5-VL's vision MLP
    assert not pattern.fullmatch("lm_head")


@pytest.mark.parametrize(
    "family, key, values",
    [("k", "k", [0, 1, 2, 3, 5, 7]), ("annotations_", "annotations", ["original", "enhanced"])],
)
def test_ablations_differ_only_in_their_axis(family, key, values):
    files = sorted(RECIPES.glob(f"ablations/{family}*.yaml"))
    recipes = {path.stem: _yaml(path) for path in files}
    assert sorted(r[key] for r in recipes.values()) == sorted(values)
    rest = [{k: v for k, v in r.items() if k not in (key, "output_dir")} for r in recipes.values()]
    assert all(r == rest[0] for r in rest)
    assert len({r["output_dir"] for r in recipes.values()}) == len(
        files
    )  # runs never resume each other
    paper = _yaml(PAPER)
    for name, value in rest[0].items():  # and share every setting with the paper recipe
        assert paper.get(name) == value or name == key, name
    parse_training_args(["--config", str(files[0]), *ON_CPU])


def test_smoke_recipe_is_cpu_ready():
    smoke = _yaml(RECIPES / "tiny_cpu_smoke.yaml")
    assert smoke["use_cpu"] is True and smoke["bf16"] is False and smoke["max_length"] is None


def test_accelerate_configs_and_slurm_script_are_well_formed():
    kinds = {
        name: _yaml(RECIPES / "accelerate" / f"{name}.yaml")
        for name in ("multi_gpu", "zero2", "fsdp")
    }
    assert kinds["multi_gpu"]["distributed_type"] == "MULTI_GPU"
    assert kinds["zero2"]["distributed_type"] == "DEEPSPEED"
    assert kinds["zero2"]["deepspeed_config"]["zero_stage"] == 2
    assert kinds["fsdp"]["distributed_type"] == "FSDP"
    assert all(k["mixed_precision"] == "bf16" for k in kinds.values())
    sbatch = RECIPES / "slurm" / "train.sbatch"
    assert subprocess.run(["bash", "-n", str(sbatch)], capture_output=True).returncode == 0
    assert "accelerate launch" in sbatch.read_text() and "recipes/train.py" in sbatch.read_text()


def test_unknown_recipe_key_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model_name_or_path: x\nnum_crops: 5\n")
    with pytest.raises(ValueError, match="num_crops"):
        parse_training_args(["--config", str(bad), *ON_CPU])


@pytest.mark.parametrize(
    "override, message",
    [
        (["--max_length", "256"], "max_length=256"),
        (["--assistant_only_loss", "false"], "assistant_only_loss=False"),
        (["--packing", "true"], "packing=True"),
        (["--eval_strategy", "steps"], "--eval_split"),
        (["--chat_template_path", "missing.jinja"], "no such file"),
        (["--push_to_hub", "true", "--use_peft", "false", "--hub_model_id", "u/m"], "use_peft"),
    ],
)
def test_settings_that_cannot_work_fail_before_loading(override, message):
    from ouro_toolkit.training.runner import TrainingConfigError, check_settings

    args = parse_training_args(["--config", str(RECIPES / "tiny_cpu_smoke.yaml"), *override])
    with pytest.raises(TrainingConfigError, match=message):
        check_settings(args.data, args.training, args.model)


def test_the_recipe_carries_every_transform_setting_to_the_transform():
    """`TransformSettings` is the one home of the transform's defaults: the recipe's fields are
    those settings, and `transform()` hands each of them over unchanged."""
    from dataclasses import fields

    from ouro_toolkit.training.transform import OuroTransform, TransformSettings

    args = parse_training_args(["--config", str(PAPER), *ON_CPU])
    assert OuroTransform.from_settings(TransformSettings()) == OuroTransform()
    changed = ["--k", "2", "--crop_seed", "7", "--max_qa", "1", "--min_crop_side", "14"]
    changed += ["--max_pixels", "4096", "--region_descriptions", "false", "--layout", "per_sample"]
    changed += ["--crop_choice", "informed", "--annotations", "original"]
    data = parse_training_args(["--config", str(PAPER), *ON_CPU, *changed]).data
    transform = data.transform()
    for setting in fields(TransformSettings):
        assert getattr(transform, setting.name) == getattr(data, setting.name), setting.name
        assert getattr(args.data, setting.name) != getattr(data, setting.name), setting.name
