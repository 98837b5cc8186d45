"""The two OURO config dataclasses, parsed with TRL's `SFTConfig` and `ModelConfig` by one parser.

`make_parser()` returns a `trl.TrlParser` over (OuroDataConfig, SFTConfig, ModelConfig,
OuroTrainingArguments): a recipe YAML (`--config FILE`) sets defaults and any key can be overridden
on the command line, as in TRL's own scripts. Field names are unique across the four classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from ouro_toolkit.training.transform import ANNOTATIONS, CROP_CHOICES, LAYOUTS, OuroTransform

# LoRA on the language model's projections only (paper §3.2); `all-linear` would also adapt the
# vision tower. PEFT full-matches a string `target_modules` against module names.
LANGUAGE_MODEL_LORA_REGEX = (
    r".*language_model\..*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"
)


@dataclass
class OuroDataConfig:
    """Where the OURO rows come from and how each becomes a training conversation."""

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
    k: int = field(
        default=5,
        metadata={
            "help": "Number of sub-region crops shown beside the full image, drawn at random (seeded per row) "
            "from the region tree's non-root nodes; rows with fewer usable regions get all of them. Paper "
            "Table 5: 0, 1, 2, 3, 5 (best), 7."
        },
    )
    annotations: str = field(
        default="enhanced",
        metadata={
            "help": "Training targets: 'enhanced' (OURO d0, region descriptions and synthesised QA) or "
            "'original' (the source's own captions and QA, paper Table 6).",
            "choices": list(ANNOTATIONS),
        },
    )
    max_pixels: int | None = field(
        default=262_144,
        metadata={
            "help": "Upper bound on width*height of every image and crop (downscaled keeping aspect). 262144 = "
            "512*512, LLaMA-Factory's `image_max_pixels` for Qwen2-VL."
        },
    )
    crop_seed: int = field(
        default=0,
        metadata={
            "help": "Seed of the per-row crop choice; with a row's id it fixes which regions are shown."
        },
    )
    max_qa: int = field(
        default=5, metadata={"help": "At most this many QA turns per conversation (paper: 5)."}
    )
    region_descriptions: bool = field(
        default=True,
        metadata={
            "help": "Add one turn per shown crop whose target is that region's own description, so the "
            "description loss covers the image and its regions (§3.2). False trains on d0 and QA only."
        },
    )
    min_crop_side: int = field(
        default=28,
        metadata={
            "help": "Regions narrower or shorter than this (pixels) are never chosen: Qwen2-VL's smallest patch "
            "group is 28 px."
        },
    )
    crop_choice: str = field(
        default="random",
        metadata={
            "help": "How the k crops are chosen: 'random' (the paper) or 'informed' (the crops whose "
            "descriptions best cover the words of the row's QA, greedy set cover).",
            "choices": list(CROP_CHOICES),
        },
    )
    layout: str = field(
        default="joint",
        metadata={
            "help": "'joint' (the paper's): one conversation per row, full image + k crops, the "
            "description, region and QA turns; 'per_sample': one single-image, single-turn sample "
            "per target in the benchmark's prompt layout (full image -> d0, full image + each "
            "question -> its answer, each crop alone -> its description).",
            "choices": list(LAYOUTS),
        },
    )
    max_train_samples: int | None = field(
        default=None,
        metadata={
            "help": "Train on the first N trainable rows (samples, in the per-sample layout) only (smoke runs, debugging)."
        },
    )

    def transform(self) -> OuroTransform:
        return OuroTransform(
            k=self.k,
            annotations=self.annotations,  # type: ignore[arg-type]
            max_pixels=self.max_pixels,
            seed=self.crop_seed,
            max_qa=self.max_qa,
            region_descriptions=self.region_descriptions,
            min_crop_side=self.min_crop_side,
            crop_choice=self.crop_choice,  # type: ignore[arg-type]
            layout=self.layout,  # type: ignore[arg-type]
        )


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
