"""`make demo`: build a small OURO dataset from the bundled sample photos, then show a row.

Runs fully offline: the VLM is a tiny, randomly initialised Qwen2-VL made on the spot (its text is
meaningless noise: the demo shows the pipeline, not the model), served by the embedded
transformers backend; proposals come from the offline grouping proposer and RapidOCR.
Stdout is the demo's report alone (printable text only); logs and progress go to stderr.
Run it again and the finished shard is skipped; delete demo_out/ to start over.
"""

from __future__ import annotations

import argparse
import logging
from importlib import resources
from pathlib import Path

from ouro_toolkit.cli.output import chatter_to_stderr
from ouro_toolkit.decomposition.decompose import DecomposeConfig
from ouro_toolkit.pipeline.build import build_shard
from ouro_toolkit.pipeline.config import BuildConfig
from ouro_toolkit.pipeline.inspect import draw_tree, load_build, render_row

DEMO_PROMPTS = """\
version: ouro-v1-demo
describe_max_new_tokens: 24
qa_max_new_tokens: 48
"""

SHOWS = (
    "What it shows: the pipeline at work. Region proposals (offline grouping + RapidOCR text), a\n"
    "  region tree per image, one model call per region, the children's descriptions merged into\n"
    "  d0, a Parquet shard with its marker, request cache and config, the boxes drawn on a photo."
)
CANNOT_SHOW = (
    "What it cannot show: real descriptions or QA. The model is a tiny Qwen2-VL with random\n"
    "  weights, made on the spot: its words are noise (printed here with unprintable characters\n"
    "  removed), and it never writes the QA JSON the prompt asks for, so every row says QA (0).\n"
    "  A demo model that sees is planned; for real text now pass a real model:\n"
    "  .venv/bin/python -m ouro_toolkit.demo --model Qwen/Qwen2-VL-2B-Instruct"
)


def intro(model: str | None, images: int | None) -> str:
    photos = f"{images} of the bundled photos" if images else "the bundled photos"
    head = f"OURO demo: build a small OURO dataset from {photos}, offline, and show one row."
    if model:
        return f"{head}\nModel: {model}.\n{SHOWS}"
    return f"{head}\n{SHOWS}\n{CANNOT_SHOW}"


def printable(text: str) -> str:
    """`text` without what a terminal cannot show: control and format characters, and U+FFFD
    (what undecodable bytes became); line breaks are kept."""
    return "\n".join(
        "".join(c for c in line if c.isprintable() and c != "\ufffd") for line in text.split("\n")
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default="demo_out", help="Where the tiny model and the build go.")
    parser.add_argument(
        "--model", help="A real VLM instead of the tiny one, e.g. Qwen/Qwen2-VL-2B-Instruct."
    )
    parser.add_argument(
        "--images", type=int, default=None, help="Use only the first N photos [default: all]."
    )
    args = parser.parse_args()
    print(intro(args.model, args.images), flush=True)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    out = Path(args.out)
    prompts = out / "demo_prompts.yaml"
    prompts.parent.mkdir(parents=True, exist_ok=True)
    prompts.write_text(DEMO_PROMPTS)
    samples = resources.files("ouro_toolkit") / "assets" / "samples"
    with chatter_to_stderr():  # model making, weight downloads, library chatter: not the report
        model = args.model or str(_tiny_model(out / "tiny-qwen2vl"))
    config = BuildConfig(
        source="local",
        data_dir=str(samples),
        model=model,
        out=str(out / "build"),
        proposers=["objects", "ocr"],
        decompose=DecomposeConfig(max_depth=2, max_children=4),
        prompts_path=str(prompts),
        batch_size=4,
        limit=args.images,
    )
    with chatter_to_stderr():
        stats = build_shard(config)
        dataset = load_build(config.out)
    print(
        f"\n== built {config.out}: {stats.to_dict() if not stats.skipped else 'already complete, skipped'}"
    )
    print(f"== {len(dataset)} rows; features: {', '.join(dataset.features)}")
    for index, row in enumerate(dataset):
        print(
            f"   row {index}: {row['id']:<24} status={row['status']:<5} regions={len(row['regions']):>3}  qa={len(row['qa'])}"
        )
    index = next((i for i, r in enumerate(dataset) if "rocket" in r["id"]), 0)
    row = dataset[index]
    print(f"\n== row {index} (`ouro inspect {config.out} --row {index}`):\n")
    raw_images = dataset.cast_column("image", dataset.features["image"].__class__(decode=False))
    print(printable(render_row(raw_images[index])))
    png = out / f"row{index}_tree.png"
    draw_tree(row["image"], row["regions"]).save(png)
    print(f"\n== region boxes drawn on the image: {png}")
    if not args.model:
        print("== the text above is the random model's noise, and QA (0) is expected: see the top.")
    _known_truth()


def _known_truth() -> None:
    """A bundled scene whose truth is known, its true tree described by the ground-truth oracle
    and merged into d0, and that d0 scored against the truth (no model, well under a second)."""
    import asyncio

    from ouro_toolkit.annotate.annotator import RecursiveAnnotator
    from ouro_toolkit.annotate.prompts import load_prompts
    from ouro_toolkit.backends.oracle_backend import GroundTruthOracle
    from ouro_toolkit.regions.tree import RegionTree
    from ouro_toolkit.scenes import caption, true_tree
    from ouro_toolkit.scenes.matching import score_description
    from ouro_toolkit.scenes.samples import load_samples

    scene = load_samples()[1]
    tree = RegionTree.from_rows(
        [{**r, "label": "", "description": ""} for r in true_tree(scene).to_rows()]
    )
    annotator = RecursiveAnnotator(GroundTruthOracle(scenes=[scene]), load_prompts())
    (annotation,) = asyncio.run(annotator.annotate([(scene.image, tree)], [scene.id]))
    score = score_description(scene, annotation.description)
    print(f"\n== a scene with known truth ({scene.id}, bundled): {caption(scene)}")
    print(f"   true tree depth {scene.depth}, {len(scene.objects)} objects and parts")
    print(f"   d0 from the true tree via the ground-truth oracle: {annotation.description}")
    print(
        f"   scored against the truth: {score.named}/{score.objects} objects named, "
        f"{score.right_colour} with their colour, {score.right_position} placed right"
    )
    print("   measure the pipeline on such scenes: python benchmarks/quality.py")


def _tiny_model(path: Path) -> Path:
    if not (path / "config.json").is_file():
        from ouro_toolkit.models.tiny import make_tiny_qwen2vl

        make_tiny_qwen2vl(path)
    return path


if __name__ == "__main__":
    main()
