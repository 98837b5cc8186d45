"""`run_training`: OURO rows -> TRL SFTTrainer + PEFT LoRA -> adapter (-> Hub, with its card).

Called by `recipes/train.py` (under `accelerate launch`) and by `ouro train`. Settings that would
silently ruin a vision run fail here, before any model is loaded, with the setting to change.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ouro_toolkit.errors import OuroError, one_line
from ouro_toolkit.training.config import OuroDataConfig, OuroTrainingArguments
from ouro_toolkit.training.data import load_ouro_dataset, prepare_dataset, resolve_data_files

logger = logging.getLogger(__name__)

GENERATION_MARKER = "{% generation %}"
TRAINING_RECORD = "ouro_training.json"


class TrainingConfigError(OuroError, ValueError):
    """A setting that cannot work; the message names it and the fix."""


class AdapterPushError(OuroError, RuntimeError):
    """Training finished and the adapter is saved, but publishing it failed; the message says why."""


@dataclass
class TrainingOutcome:
    output_dir: Path
    global_step: int
    train_loss: float | None
    resumed_from: str | None
    num_train_rows: int
    hub_url: str | None = None


def check_settings(data: OuroDataConfig, training: Any, model: Any) -> None:
    """Fail early on settings that break (or silently spoil) multi-image LoRA training."""
    if not model.model_name_or_path:
        raise TrainingConfigError(
            "model_name_or_path is not set: pass --model_name_or_path ID_OR_DIR"
        )
    if not data.dataset_name:
        raise TrainingConfigError(
            "dataset_name is not set: pass --dataset_name BUILD_DIR|PARQUET_GLOB|REPO_ID"
        )
    if training.max_length is not None:
        raise TrainingConfigError(
            f"max_length={training.max_length}: truncation would cut image tokens out of OURO's multi-image "
            "samples (input ids and pixel values then disagree). Set `max_length: null` (the recipes do) and "
            "bound the sequence with k / max_pixels instead."
        )
    if not training.assistant_only_loss:
        raise TrainingConfigError(
            "assistant_only_loss=False would put loss on the prompt and the <|image_pad|> tokens; set "
            "`assistant_only_loss: true` (the recipes do)."
        )
    if training.packing:
        raise TrainingConfigError(
            "packing=True is not supported for vision data; set `packing: false`"
        )
    if training.push_to_hub and not model.use_peft:
        raise TrainingConfigError(
            "push_to_hub pushes a LoRA adapter: set `use_peft: true` or drop push_to_hub"
        )
    if training.push_to_hub and not training.hub_model_id:
        raise TrainingConfigError("push_to_hub needs a target repo: pass --hub_model_id USER/NAME")
    if (
        getattr(training.eval_strategy, "value", training.eval_strategy) != "no"
        and not data.eval_split
    ):
        raise TrainingConfigError(
            f"eval_strategy={training.eval_strategy.value!r} needs an evaluation split: pass --eval_split NAME "
            "(a build folder's data/NAME-*.parquet or a Hub split) or set eval_strategy: 'no'"
        )
    template = training.chat_template_path
    if template and template.endswith((".jinja", ".j2")) and not os.path.isfile(template):
        raise TrainingConfigError(
            f"chat_template_path={template!r}: no such file (relative paths are read from the current folder; "
            "run from the repository root or give an absolute path)"
        )


def load_processor(model: Any, training: Any):
    """The model's processor, with the recipe's chat template if any; it must mark answers."""
    from transformers import AutoProcessor

    try:
        processor = AutoProcessor.from_pretrained(
            model.model_name_or_path,
            revision=model.model_revision,
            trust_remote_code=training.trust_remote_code,
        )
    except OSError as exc:
        raise TrainingConfigError(
            f"model_name_or_path {model.model_name_or_path!r} is neither a local model folder nor "
            f"reachable on the Hub ({one_line(exc, first_only=True)}); for a CPU smoke run make one with "
            "`ouro tiny-model DIR` (or `make demo`) and pass --model_name_or_path DIR"
        ) from None
    if training.chat_template_path:
        processor.chat_template = Path(training.chat_template_path).read_text()
        # Applied here so the check below sees it; TRL would otherwise apply it again.
        training.chat_template_path = None
    if GENERATION_MARKER not in (processor.chat_template or ""):
        raise TrainingConfigError(
            f"the chat template of {model.model_name_or_path} has no {GENERATION_MARKER} markers, so "
            "assistant-only loss cannot find the answers. Pass --chat_template_path "
            "recipes/templates/qwen2_vl.jinja (Qwen2-VL's template with the markers added)."
        )
    return processor


def load_model(model: Any, training: Any):
    import torch
    from transformers import AutoModelForImageTextToText

    dtype = model.dtype if model.dtype in (None, "auto") else getattr(torch, model.dtype)
    return AutoModelForImageTextToText.from_pretrained(
        model.model_name_or_path,
        revision=model.model_revision,
        dtype=dtype,
        attn_implementation=model.attn_implementation,
        trust_remote_code=training.trust_remote_code,
    )


def lora_config(model: Any, ouro: OuroTrainingArguments):
    """TRL's LoRA config from ModelConfig; targets default to the language model's projections."""
    from trl import get_peft_config

    peft_config = get_peft_config(model)
    if peft_config is not None and not model.lora_target_modules:
        peft_config.target_modules = ouro.lora_target_regex
    return peft_config


def find_resume_checkpoint(training: Any, ouro: OuroTrainingArguments) -> str | None:
    if training.resume_from_checkpoint:
        return training.resume_from_checkpoint
    from transformers.trainer_utils import get_last_checkpoint

    if ouro.auto_resume and os.path.isdir(training.output_dir):
        return get_last_checkpoint(training.output_dir)
    return None


def hyperparameters(data: OuroDataConfig, training: Any, model: Any) -> dict[str, Any]:
    """What the model card and `ouro_training.json` record about this run."""
    world = max(1, training.world_size)
    return {
        "base_model": model.model_name_or_path,
        "dataset": data.dataset_name,
        "dataset_revision": data.dataset_revision,
        "k": data.k,
        "annotations": data.annotations,
        "max_pixels": data.max_pixels,
        "region_descriptions": data.region_descriptions,
        "max_qa": data.max_qa,
        "crop_seed": data.crop_seed,
        "crop_choice": data.crop_choice,
        "layout": data.layout,
        "lora_r": model.lora_r,
        "lora_alpha": model.lora_alpha,
        "lora_dropout": model.lora_dropout,
        "learning_rate": training.learning_rate,
        "lr_scheduler_type": str(
            getattr(training.lr_scheduler_type, "value", training.lr_scheduler_type)
        ),
        "warmup_steps": training.warmup_steps,  # < 1: a ratio of the total steps
        "num_train_epochs": training.num_train_epochs,
        "max_steps": training.max_steps,
        "per_device_train_batch_size": training.per_device_train_batch_size,
        "gradient_accumulation_steps": training.gradient_accumulation_steps,
        "world_size": world,
        "effective_batch_size": training.per_device_train_batch_size
        * training.gradient_accumulation_steps
        * world,
        "bf16": training.bf16,
        "seed": training.seed,
    }


def _datasets(data: OuroDataConfig, training: Any):
    transform = data.transform()
    train = load_ouro_dataset(data.dataset_name, data.dataset_split, data.dataset_revision)
    train = prepare_dataset(train, transform)
    if data.max_train_samples is not None:
        train = train.select(range(min(data.max_train_samples, len(train))))
    evaluation = None
    if data.eval_split and getattr(training.eval_strategy, "value", training.eval_strategy) != "no":
        evaluation = prepare_dataset(
            load_ouro_dataset(data.dataset_name, data.eval_split, data.dataset_revision), transform
        )
    return train, evaluation


def run_training(
    data: OuroDataConfig,
    training: Any,
    model: Any,
    ouro: OuroTrainingArguments | None = None,
    callbacks: list | None = None,
) -> TrainingOutcome:
    """Train a LoRA adapter on OURO data; returns where it went and how far it got.

    `training` is a `trl.SFTConfig`, `model` a `trl.ModelConfig`; `callbacks` are extra
    `transformers.TrainerCallback`s (tests use one to interrupt a run).
    """
    from trl import SFTTrainer

    from ouro_toolkit.training.collator import use_list_mask_collator  # imports trl

    ouro = ouro or OuroTrainingArguments()
    check_settings(data, training, model)
    push = training.push_to_hub
    # The Trainer would push every checkpoint with a generic card; we push the final adapter once,
    # with the OURO card, below.
    training.push_to_hub = False
    # The trainer must hand the raw OURO columns to our lazy transform; dropping "unused" columns
    # would leave it only `image` (TRL keeps image/images/messages for vision data).
    training.remove_unused_columns = False

    # Rank 0 downloads / reads the Parquet first; the other ranks then hit the local cache.
    with training.main_process_first(desc="loading the OURO dataset"):
        train_dataset, eval_dataset = _datasets(data, training)
    processor = load_processor(model, training)
    trainer = SFTTrainer(
        model=load_model(model, training),
        args=training,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        processing_class=processor,
        peft_config=lora_config(model, ouro),
        callbacks=callbacks,
    )
    use_list_mask_collator(trainer)  # TRL's batches without its ~365 ms a batch mask loop
    resume = find_resume_checkpoint(training, ouro)
    if resume:
        logger.warning("Resuming from %s", resume)
    result = trainer.train(resume_from_checkpoint=resume)
    trainer.save_model(training.output_dir)
    params = hyperparameters(data, training, model)
    outcome = TrainingOutcome(
        output_dir=Path(training.output_dir),
        global_step=trainer.state.global_step,
        train_loss=getattr(result, "training_loss", None),
        resumed_from=resume,
        num_train_rows=len(train_dataset),
    )
    try:
        if trainer.is_world_process_zero():
            record = {
                **params,
                "global_step": outcome.global_step,
                "train_loss": outcome.train_loss,
            }
            (outcome.output_dir / TRAINING_RECORD).write_text(json.dumps(record, indent=2) + "\n")
            if push:
                outcome.hub_url = push_adapter(data, training, model, ouro, params)
    finally:
        trainer.end()
    return outcome


def push_adapter(
    data: OuroDataConfig, training: Any, model: Any, ouro: OuroTrainingArguments, params: dict
) -> str:
    try:
        from ouro_toolkit.hub import push_adapter as hub_push_adapter
    except ImportError as exc:
        raise TrainingConfigError(
            f"push_to_hub needs ouro_toolkit.hub.push_adapter, which could not be imported ({exc}); the adapter "
            f"is saved in {training.output_dir}"
        ) from None
    dataset_repo = ouro.hub_dataset_repo
    if dataset_repo is None and resolve_data_files(data.dataset_name) is None:
        dataset_repo = data.dataset_name  # a Hub id, not a local path
    try:
        url = hub_push_adapter(
            training.output_dir,
            training.hub_model_id,
            base_model=model.model_name_or_path,
            dataset_repo=dataset_repo,
            dataset_revision=data.dataset_revision,
            hyperparameters=params,
            token=training.hub_token,
        )
    except RuntimeError as exc:  # HubPushError / HubAuthError carry a one-line explanation
        raise AdapterPushError(
            f"the adapter is saved in {training.output_dir}, but pushing it to {training.hub_model_id} "
            f"failed: {exc}. Retry the upload alone with ouro_toolkit.hub.push_adapter("
            f"'{training.output_dir}', '{training.hub_model_id}', base_model=..., hyperparameters=<the "
            f"contents of {TRAINING_RECORD}>)."
        ) from exc
    return str(url) if url is not None else f"hf://{training.hub_model_id}"
