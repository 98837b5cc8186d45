"""The two OURO config dataclasses, parsed with TRL's `SFTConfig` and `ModelConfig` by one parser.

`make_parser()` returns a `trl.TrlParser` over (OuroDataConfig, SFTConfig, ModelConfig,
OuroTrainingArguments): a recipe YAML (`--config FILE`) sets defaults and any key can be overridden
on the command line, as in TRL's own scripts. Field names are unique across the four classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from ouro_toolkit.training.transform import OuroTransform, TransformSettings

# LoRA on the language model's projections only (paper §3.2); `all-linear` would also adapt the
# vision tower. PEFT full-matches a string `target_modules` against module names.
LANGUAGE_MODEL_LORA_REGEX = (
    r".*language_model\..*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"
)


@dataclass
class OuroDataConfig(TransformSettings):
    """Where the OURO rows come from and how each becomes a training conversation (the
    `TransformSettings` fields, which come first on the command line)."""

    dataset_name: str | None = field(
        default=None,
        metadata={
            "help": "OURO data: a local `ouro build` output folder (its data/*.parquet is read), a Parquet "
            "file or glob, or a Hub dataset repo id."
        },
    )
    dataset_split: str = field(default="train", metadata={"help": "Split to train on."})
    dataset_revision: str | None = field(
        default=None,
        metadata={
            "help": "Hub revision (branch, tag or commit) of a Hub dataset; recorded in the model card."
        },
    )
    eval_split: str | None = field(
        default=None,
        metadata={
            "help": "Split evaluated on when `eval_strategy` is not 'no' (None: no evaluation set)."
        },
    )
    max_train_samples: int | None = field(
        default=None,
        metadata={
            "help": "Train on the first N trainable rows (samples, in the per-sample layout) only (smoke runs, debugging)."
        },
    )

    def transform(self) -> OuroTransform:
        return OuroTransform.from_settings(self)


@dataclass
class OuroTrainingArguments:
    """OURO-specific training switches that TRL's `SFTConfig` and `ModelConfig` do not have."""

    lora_target_regex: str = field(
        default=LANGUAGE_MODEL_LORA_REGEX,
        metadata={
            "help": "PEFT target_modules regex used when `lora_target_modules` is not given: the language "
            "model's q/k/v/o/gate/up/down projections, never the vision tower."
        },
    )
    auto_resume: bool = field(
        default=True,
        metadata={
            "help": "When `resume_from_checkpoint` is not given, continue from the last checkpoint-N in "
            "output_dir if there is one (an interrupted job restarts where it stopped)."
        },
    )
    hub_dataset_repo: str | None = field(
        default=None,
        metadata={
            "help": "Hub dataset repo named in the pushed model card. Defaults to `dataset_name` when that is a "
            "repo id rather than a local path."
        },
    )


class TrainingArgs(NamedTuple):
    data: OuroDataConfig
    training: object  # trl.SFTConfig
    model: object  # trl.ModelConfig
    ouro: OuroTrainingArguments


def make_parser(prog: str | None = None):
    """A `trl.TrlParser` over the four dataclasses (TRL imported here: it pulls in torch)."""
    from trl import ModelConfig, SFTConfig, TrlParser

    return TrlParser((OuroDataConfig, SFTConfig, ModelConfig, OuroTrainingArguments), prog=prog)


def parse_training_args(argv: Sequence[str] | None = None, prog: str | None = None) -> TrainingArgs:
    """Parse `--config FILE.yaml` plus command-line overrides (argv defaults to sys.argv[1:])."""
    parser = make_parser(prog)
    data, training, model, ouro = parser.parse_args_and_config(
        list(argv) if argv is not None else None
    )
    return TrainingArgs(data, training, model, ouro)
