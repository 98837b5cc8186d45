"""`make demo`: build a few procedural scenes with the shipped M0, show a row, score it.

Runs fully offline. M0 is a small Qwen2-VL trained from scratch on CPU on procedural scenes
(shipped in the package, see `ouro_toolkit/assets/m0/README.md`); it sits behind the embedded
transformers backend and does every model step of the real pipeline: it describes every region
the proposers found, the annotator merges those descriptions into d0, and M0 writes QA from d0.
The row is then scored in one line against the scene's ground truth. Run it again and the
finished shard is skipped; delete demo_out/ to start over.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ouro_toolkit.experiment.config import shipped_m0
from ouro_toolkit.experiment.truth_check import check_row, one_line
from ouro_toolkit.pipeline.build import build_shard
from ouro_toolkit.pipeline.config import BuildConfig
from ouro_toolkit.pipeline.inspect import draw_tree, load_build, render_row
from ouro_toolkit.regions.decompose import DecomposeConfig


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="demo_out", help="Where the build goes.")
    parser.add_argument("--model", default=None, help="Another model folder instead of M0.")
    parser.add_argument("--scenes", type=int, default=3, help="How many scenes to build.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    out = Path(args.out)
    config = BuildConfig(
        source="scenes",
        split="validation",
        limit=args.scenes,
        model=args.model or shipped_m0(),
        out=str(out / "build"),
        proposers=["objects", "ocr"],
        decompose=DecomposeConfig(max_depth=2, max_children=5),
        max_pixels=224 * 224,  # the size M0 was trained at
        batch_size=args.scenes,
    )
    stats = build_shard(config)
    print(
        f"\n== built {config.out}: {stats.to_dict() if not stats.skipped else 'already complete, skipped'}"
    )
    dataset = load_build(config.out)
    checks = [check_row(row) for row in dataset]
    for index, (row, check) in enumerate(zip(dataset, checks, strict=True)):
        print(f"   row {index}: {row['id']:<28} status={row['status']:<5} {one_line(check)}")
    index = max(range(len(checks)), key=lambda i: checks[i]["regions"])
    row = dataset[index]
    print(f"\n== row {index} (`ouro inspect {config.out} --row {index}`):\n")
    print(
        render_row(
            dataset.cast_column("image", dataset.features["image"].__class__(decode=False))[index]
        )
    )
    png = out / f"row{index}_tree.png"
    draw_tree(row["image"], row["regions"]).save(png)
    print(f"\n== region boxes drawn on the image: {png}")
    print(f"== row {index} {one_line(checks[index])}")


if __name__ == "__main__":
    main()
