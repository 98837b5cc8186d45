"""`python -m ouro_toolkit.experiment.base_model OUT [--steps N]`: train M0 (see train.py)."""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # CPU torch spins without it


def main() -> None:
    from ouro_toolkit.experiment.base_model.train import BaseModelConfig, train_base_model

    parser = argparse.ArgumentParser(description="Train M0 from scratch on procedural scenes.")
    parser.add_argument("out", help="run folder (checkpoint, train_log.jsonl, model/)")
    defaults = BaseModelConfig()
    for name in (
        "seed",
        "steps",
        "batch_size",
        "eval_every",
        "eval_crops",
        "threads",
        "vision_steps",
    ):
        parser.add_argument(
            f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name)
        )
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--ship", help="then copy the model, log and card into this folder")
    args = vars(parser.parse_args())
    out, ship_to = args.pop("out"), args.pop("ship")
    start = time.time()
    print(train_base_model(out, BaseModelConfig(**args)))
    if ship_to:
        from ouro_toolkit.experiment.base_model.ship import (
            FINAL_ACCURACY,
            SIGHT,
            measure_crops,
            measure_sight,
            ship,
        )

        minutes = (time.time() - start) / 60
        measure_crops(f"{out}/model", f"{out}/{FINAL_ACCURACY}")
        measure_sight(f"{out}/model", f"{out}/{SIGHT}")
        print(ship(out, ship_to, minutes=minutes))


if __name__ == "__main__":
    main()
