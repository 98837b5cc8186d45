"""OURO joint multi-region LoRA fine-tuning (paper §3.2), a thin script over `run_training`.

    accelerate launch --config_file recipes/accelerate/multi_gpu.yaml \
        recipes/train.py --config recipes/ouro_qwen2vl_7b_lora.yaml [--key value ...]

Every field of OuroDataConfig, trl.SFTConfig, trl.ModelConfig and OuroTrainingArguments can be set
in the YAML or overridden on the command line (`--help` lists them all).
"""

from __future__ import annotations

import logging
import sys

from ouro_toolkit.training import (
    AdapterPushError,
    TrainingConfigError,
    parse_training_args,
    run_training,
)
from ouro_toolkit.training.data import DatasetSpecError


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = parse_training_args(argv)
    try:
        outcome = run_training(args.data, args.training, args.model, args.ouro)
    except (TrainingConfigError, DatasetSpecError, AdapterPushError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"adapter saved to {outcome.output_dir} (global step {outcome.global_step})")
    if outcome.hub_url:
        print(f"pushed to {outcome.hub_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
