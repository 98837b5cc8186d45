"""Copy a finished M0 run into the package: weights (float16), processor, log, config, card."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

MODEL_FILES = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "processor_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "ouro.json",  # how the annotator must call it (its crop border)
)

# What the card says of each `scene_caption` style (`roles.CAPTION_STYLES`).
CAPTION_DOCS = {
    "salient": "the biggest object only, as alt-text names a photo's main subject "
    '("A red circle on a beige background."), so M0 sees more than it says of a whole scene',
    "full": "every top-level object (the scene's true caption)",
}
CARD = """\
# M0: a small Qwen2-VL that sees procedural scenes (trained from scratch on CPU)

The base model of the bootstrapping experiment (`ouro experiment`) and of `make demo`.
{params:.2f}M parameters (text: hidden {hidden}, {layers} layers; vision: depth {vdepth}, embed
{vembed}), a {vocab}-token byte-level BPE trained on its own prompts and answers, no default
system prompt, images {min_side}..224 px. Weights stored in float16 ({size_mb:.1f} MB); loaders upcast.
{recipe}
## What it was trained on

Samples drawn on the fly from seeded procedural scenes (`ouro_toolkit.scenes`, train seeds
0-999999), with the pipeline's exact prompts (the annotator's requests plus the backend's JSON
instruction), loss on the answer tokens only:

| role | share of steps | prompt | target |
| --- | --- | --- | --- |
| crop | {w_crop:.0%} | describe_region (+ OCR line for text, half the time) | `{{"label", "description"}}` of the object (75%), or of a random box as a perfect describer says it (25%: background, fragments, several objects) |
| scene | {w_scene:.0%} | describe_region on the whole image | `{{"label": "scene", "description": <caption>}}`: {caption_doc} |
| qa | {w_qa:.0%} | qa_synthesis with a d0 (the true tree merged by the annotator's merge) | `{{"qa": [...]}}`, up to five exact pairs of the kinds the `scenes` benchmark scores (colour, count, sign text, left of, above, inside), one per kind first |
| answer | {w_answer:.0%} | a question (half with the short-answer suffix), or "Describe this image in detail." | the short answer, or the caption |

{steps} steps of batch {batch} ({samples} samples), AdamW lr {lr} (warmup {warmup}, cosine to
{min_lr:.0%}), seed {seed}. A plain PyTorch loop (`ouro_toolkit/experiment/base_model/train.py`),
not TRL: samples are drawn on the fly and every prompt is built byte-identical to the pipeline's.
Training log: `train_log.jsonl` (loss per step, samples/s, crop accuracy every {eval_every} steps).
{history}
## Crop accuracy on held-out scenes (seeds 9000000+, exact object boxes, greedy decoding)

| step | valid JSON | colour | shape/name | exact label |
| --- | --- | --- | --- | --- |
{accuracy_rows}
{final}
{sight}
## Limits

It knows only the scenes world (shapes, houses, signs, flowers, cars; 11 colours). It was
never trained on a proposer's exact boxes, so stray regions can get confident wrong labels.
Made by `make m0` (about {minutes:.0f} minutes on a busy 2-core CPU).
"""


def accuracy_rows(log_path: Path) -> list[str]:
    rows = []
    for line in log_path.read_text().splitlines():
        record = json.loads(line)
        acc = record.get("crop_accuracy")
        if acc:
            rows.append(
                f"| {record['step']} | {acc['json']:.0%} | {acc['colour']:.0%} | "
                f"{acc['name']:.0%} | {acc['label']:.0%} |"
            )
    return rows


FINAL_ACCURACY = "final_crop_accuracy.json"


def final_accuracy(path: Path) -> str:
    """The shipped weights measured on more crops than the in-training checks (if measured)."""
    if not path.is_file():
        return ""
    acc = json.loads(path.read_text())
    return (
        f"\nShipped weights (float16, loaded as float32), {acc['crops']} held-out crops: valid "
        f"JSON {acc['json']:.0%}, colour {acc['colour']:.0%}, shape/name {acc['name']:.0%}, exact "
        f"label {acc['label']:.0%} (`measure_crops` in `ouro_toolkit/experiment/base_model/ship.py`).\n"
    )


def measure_crops(model_dir: str | Path, out_file: str | Path, n: int = 200) -> dict:
    """Crop accuracy of a model folder on `n` held-out crops, written to `out_file`."""
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from ouro_toolkit.annotate.model_settings import model_settings
    from ouro_toolkit.experiment.base_model.train import crop_accuracy, heldout_crops

    model = AutoModelForImageTextToText.from_pretrained(model_dir, dtype=torch.float32).eval()
    processor = AutoProcessor.from_pretrained(model_dir)
    crops = heldout_crops(n, crop_border=model_settings(str(model_dir)).crop_border)
    acc = {"crops": n, "first_seed": 9_000_000, **crop_accuracy(model, processor, crops)}
    Path(out_file).write_text(json.dumps(acc) + "\n")
    return acc


SIGHT = "sight.json"


def measure_sight(model_dir: str | Path, out_file: str | Path) -> dict:
    """The held-out sight benchmark (`benchmarks/m0_sight.py`) of a model folder, kept as JSON."""
    import tempfile

    from ouro_toolkit.backends.transformers_backend import TransformersBackend
    from ouro_toolkit.experiment.base_model import sight

    backend = TransformersBackend(str(model_dir), max_pixels=sight.MAX_PIXELS)
    cases = sight.crop_cases()
    crops = sight.crop_table(cases, sight.describe_labels(backend, cases))
    with tempfile.TemporaryDirectory() as tmp:
        build = sight.build_figures(str(model_dir), Path(tmp) / "build", backend=backend)
    figures = {"crops": crops, "build": build}
    Path(out_file).write_text(json.dumps(figures, indent=2) + "\n")
    return figures


def sight_section(path: Path) -> str:
    if not path.is_file():
        return ""
    from ouro_toolkit.experiment.base_model.sight import (
        BUILD_SCENES,
        CROP_SCENES,
        FIRST_SEED,
        format_table,
    )

    figures = json.loads(path.read_text())
    return (
        f"\n## Held-out sight benchmark (`benchmarks/m0_sight.py`)\n\n"
        f"Every object of the `scenes` test split's first {CROP_SCENES} scenes (seeds {FIRST_SEED}+,"
        f" never trained on), described through the annotator's request and the embedded backend:"
        f" on its true box, and on a proposer-like box (15% padding a side, up to 10% off-centre,"
        f" clipped). Then a real `ouro build` of the first {BUILD_SCENES} test scenes.\n\n"
        + format_table(figures["crops"], figures["build"])
        + "\n"
    )


def recipe_note(cfg: dict) -> str:
    notes = []
    if cfg.get("vision_steps"):
        notes.append(
            f"The vision tower was first trained alone for {cfg['vision_steps']} steps of "
            f"{cfg['vision_batch']} crops with shape/name and colour heads (then dropped)."
        )
    if cfg.get("crop_border"):
        notes.append(
            f"Region crops carry a {cfg['crop_border']} px white border, in training and in use "
            f"(`ouro.json` in this folder tells the annotator)."
        )
    if cfg.get("balanced_crops"):
        notes.append("Crops pick an object kind uniformly (free shape, part, composite, word).")
    return ("\n" + " ".join(notes) + "\n") if notes else ""


def history(log_path: Path) -> str:
    """Notes written into the log where a run was resumed with other settings."""
    notes = []
    for line in log_path.read_text().splitlines():
        record = json.loads(line)
        if "note" in record:
            notes.append(f"- {record['note']}")
    if not notes:
        return ""
    return (
        "\nThis run was resumed with changed settings (so `make m0` from scratch, which uses "
        "the final settings throughout, is close to but not bit-identical with it):\n"
        + "\n".join(notes)
        + "\n"
    )


def ship(run_dir: str | Path, asset_dir: str | Path, minutes: float = 0.0) -> Path:
    run, out = Path(run_dir), Path(asset_dir)
    model = run / "model"
    out.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        if (model / name).is_file():
            shutil.copy2(model / name, out / name)
    for name in ("train_log.jsonl", "train_config.json", FINAL_ACCURACY, SIGHT):
        if (run / name).is_file():
            shutil.copy2(run / name, out / name)
    cfg = json.loads((run / "train_config.json").read_text())
    arch = cfg["architecture"]
    arch = dict(arch, **arch.get("shape", {}))  # the sizes, nested since SeeingConfig has a shape
    config = json.loads((model / "config.json").read_text())
    size = (model / "model.safetensors").stat().st_size
    weights = cfg["role_weights"]
    total = sum(weights.values())
    caption_doc = CAPTION_DOCS[cfg.get("scene_caption", "full")]
    (out / "README.md").write_text(
        CARD.format(
            params=size / 2 / 1e6,
            hidden=arch["hidden"],
            layers=arch["layers"],
            vdepth=arch["vision_depth"],
            vembed=arch["vision_embed"],
            vocab=config["text_config"]["vocab_size"],
            size_mb=size / 1e6,
            caption_doc=caption_doc,
            w_crop=weights["crop"] / total,
            w_scene=weights["scene"] / total,
            w_qa=weights["qa"] / total,
            w_answer=weights["answer"] / total,
            steps=cfg["steps"],
            batch=cfg["batch_size"],
            samples=cfg["steps"] * cfg["batch_size"],
            lr=cfg["lr"],
            warmup=cfg["warmup"],
            min_lr=cfg["min_lr_ratio"],
            seed=cfg["seed"],
            eval_every=cfg["eval_every"],
            accuracy_rows="\n".join(accuracy_rows(run / "train_log.jsonl")),
            history=history(run / "train_log.jsonl"),
            final=final_accuracy(run / FINAL_ACCURACY),
            sight=sight_section(run / SIGHT),
            min_side=round(arch["min_pixels"] ** 0.5),
            recipe=recipe_note(cfg),
            minutes=minutes,
        )
    )
    return out
