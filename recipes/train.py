"""OURO joint multi-region LoRA fine-tuning (paper §3.2), a thin script over `run_training`.

    accelerate launch --config_file recipes/accelerate/multi_gpu.yaml \
        recipes/train.py --config recipes/ouro_qwen2vl_7b_lora.yaml [--key value ...]

Every field of OuroDataConfig, trl.SFTConfig, trl.ModelConfig and OuroTrainingArguments can be set
in the YAML or overridden on the command line (`--help` lists them all). Errors a user can fix are
printed as one line with exit code 1 (the same entry as `ouro train`).
"""

from __future__ import annotations

import logging
import sys

from ouro_toolkit.training.cli_entry import main

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(main())
