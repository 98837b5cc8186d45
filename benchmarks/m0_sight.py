"""How well M0 sees, on held-out scenes: crops (tight and proposer boxes) and a real build.

    python benchmarks/m0_sight.py [--model DIR] [--crop-scenes 40] [--build-scenes 12] [--json F]

Every object of the `scenes` test split's first scenes is described by the model through the
project's own describe request and embedded transformers backend (max_pixels 224²), once on its
true box and once on a proposer-like box (padded 15%, off-centre, clipped); labels are scored for
exact label, shape/name and colour per object kind. Then a real `ouro build` of held-out scenes
gives the share of region labels right in the pipeline and the recall of d0 (merged from the
model's region answers) against the model's own whole-scene description. Seeds and boxes are
fixed in `ouro_toolkit/experiment/base_model/sight.py`. Prints a Markdown table; `--json` keeps
the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from ouro_toolkit.backends.transformers_backend import TransformersBackend  # noqa: E402
from ouro_toolkit.experiment.base_model import sight  # noqa: E402
from ouro_toolkit.experiment.config import shipped_m0  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default=shipped_m0())
    parser.add_argument("--crop-scenes", type=int, default=sight.CROP_SCENES)
    parser.add_argument("--build-scenes", type=int, default=sight.BUILD_SCENES, help="0: skip")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    start = time.time()
    backend = TransformersBackend(args.model, max_pixels=sight.MAX_PIXELS, threads=args.threads)
    backend.load()
    seeds = range(sight.FIRST_SEED, sight.FIRST_SEED + args.crop_scenes)
    cases = sight.crop_cases(seeds)
    crops = sight.crop_table(cases, sight.describe_labels(backend, cases))
    build = None
    if args.build_scenes:
        with tempfile.TemporaryDirectory() as tmp:
            build = sight.build_figures(
                args.model, Path(tmp) / "build", args.build_scenes, backend=backend
            )
    print(f"model: {args.model}\n")
    print(sight.format_table(crops, build))
    print(f"\n({(time.time() - start) / 60:.1f} minutes)")
    if args.json:
        figures = {"model": args.model, "crops": crops, "build": build}
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
