"""`make demo`: build a small OURO dataset from the bundled sample photos, then show a row.

Runs fully offline: the VLM is a tiny, randomly initialised Qwen2-VL made on the spot (its text is
meaningless noise: the demo shows the pipeline, not the model), served by the embedded
transformers backend; proposals come from the offline grouping proposer and RapidOCR.
Run it again and the finished shard is skipped; delete demo_out/ to start over.
"""

from __future__ import annotations

import argparse
import logging
from importlib import resources
from pathlib import Path

from ouro_toolkit.decomposition.decompose import DecomposeConfig
from ouro_toolkit.pipeline.build import build_shard
from ouro_toolkit.pipeline.config import BuildConfig
from ouro_toolkit.pipeline.inspect import draw_tree, load_build, render_row

DEMO_PROMPTS = """\
version: ouro-v1-demo
describe_max_new_tokens: 24
qa_max_new_tokens: 48
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="demo_out", help="Where the tiny model and the build go.")
    parser.add_argument(
        "--model", help="A real VLM instead of the tiny one, e.g. Qwen/Qwen2-VL-2B-Instruct."
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    out = Path(args.out)
    model = args.model or str(_tiny_model(out / "tiny-qwen2vl"))
    prompts = out / "demo_prompts.yaml"
    prompts.parent.mkdir(parents=True, exist_ok=True)
    prompts.write_text(DEMO_PROMPTS)
    samples = resources.files("ouro_toolkit") / "assets" / "samples"
    config = BuildConfig(
        source="local",
        data_dir=str(samples),
        model=model,
        out=str(out / "build"),
        proposers=["objects", "ocr"],
        decompose=DecomposeConfig(max_depth=2, max_children=4),
        prompts_path=str(prompts),
        batch_size=4,
    )
    stats = build_shard(config)
    print(
        f"\n== built {config.out}: {stats.to_dict() if not stats.skipped else 'already complete, skipped'}"
    )
    dataset = load_build(config.out)
    print(f"== {len(dataset)} rows; features: {', '.join(dataset.features)}")
    for index, row in enumerate(dataset):
        print(
            f"   row {index}: {row['id']:<24} status={row['status']:<5} regions={len(row['regions']):>3}  qa={len(row['qa'])}"
        )
    index = next((i for i, r in enumerate(dataset) if "rocket" in r["id"]), 0)
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
    if not args.model:
        print(
            "== note: the tiny model's words are random noise by design; use --model Qwen/Qwen2-VL-7B-Instruct for real text."
        )


def _tiny_model(path: Path) -> Path:
    if not (path / "config.json").is_file():
        from ouro_toolkit.models.tiny import make_tiny_qwen2vl

        make_tiny_qwen2vl(path)
    return path


if __name__ == "__main__":
    main()
