"""Joint multi-region LoRA training on OURO data with TRL (paper §3.2).

`OuroTransform` turns OURO rows into multi-image conversations; `run_training` trains a LoRA
adapter with TRL's SFTTrainer; `parse_training_args` reads a recipe YAML plus CLI overrides.
"""

from ouro_toolkit.training.config import (
    LANGUAGE_MODEL_LORA_REGEX,
    OuroDataConfig,
    OuroTrainingArguments,
    make_parser,
    parse_training_args,
)
from ouro_toolkit.training.runner import (
    AdapterPushError,
    TrainingConfigError,
    TrainingOutcome,
    run_training,
)
from ouro_toolkit.training.transform import OuroTransform

__all__ = [
    "AdapterPushError",
    "LANGUAGE_MODEL_LORA_REGEX",
    "OuroDataConfig",
    "OuroTrainingArguments",
    "OuroTransform",
    "TrainingConfigError",
    "TrainingOutcome",
    "make_parser",
    "parse_training_args",
    "run_training",
]
