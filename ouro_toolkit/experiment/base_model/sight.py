"""How well M0 sees, on scenes it was never trained on: the held-out sight benchmark.

Three measurements, each through the project's own requests and backend (what `ouro build`
does), never through M0's training code:

* **crops**: every object of held-out scenes, cropped (a) to its true box and (b) to a box as a
  proposer makes it (grown 15% a side, shifted off-centre by up to 10% of its size, clipped to
  the image), described with the annotator's describe request; the label is scored for the
  exact label, the shape/name and the colour, per object kind (free shapes, parts, composites,
  text — a text crop is right only when it reads the scene's own word);
* **build**: a real `ouro build --source scenes` of held-out scenes (the demo's proposers and
  tree), its region labels read against the truth (`truth_check`);
* **recall**: the true objects that d0 — merged from M0's region answers — names, against those
  M0's own whole-scene description names (the `scenes` benchmark's describe prompt); the ratio
  is what the region tree adds.

The scenes are the `scenes` source's test split (seeds 2000000+): training draws seeds
0-999999 and its in-training checks 9000000+, so no crop here was trained on. The seeds and the
box perturbation are fixed here, before any model is trained; `benchmarks/m0_sight.py` runs it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ouro_toolkit.annotate.annotator import RecursiveAnnotator, parse_description
from ouro_toolkit.annotate.prompts import load_prompts
from ouro_toolkit.backends.base import SamplingParams, VLMBackend, VLMRequest
from ouro_toolkit.experiment.base_model.roles import crop_label
from ouro_toolkit.regions.tree import RegionNode
from ouro_toolkit.scenes.generate import generate_scene
from ouro_toolkit.scenes.truth import Scene, SceneObject

FIRST_SEED = 2_000_000  # the `scenes` source's test split
CROP_SCENES = 40  # scenes whose every object is cropped
BUILD_SCENES = 12  # scenes built with `ouro build` for the in-pipeline figures
PAD = 0.15  # a proposer's box, grown this much a side ...
SHIFT = 0.10  # ... and moved by up to this share of its size
KINDS = ("shape", "part", "composite", "text")
BOXES = ("tight", "proposer")
MAX_PIXELS = 224 * 224  # the size M0 was trained at


def object_kind(obj: SceneObject) -> str:
    """'shape' (a free shape), 'part', 'composite' or 'text' (a sign's word)."""
    return "text" if obj.name == "text" else obj.kind


def proposer_box(scene: Scene, obj: SceneObject, rng: random.Random) -> tuple[int, int, int, int]:
    """The object's box as a proposer draws it: padded, off-centre, clipped to the image."""
    x0, y0, x1, y1 = obj.bbox
    w, h = x1 - x0, y1 - y0
    dx, dy = rng.uniform(-SHIFT, SHIFT) * w, rng.uniform(-SHIFT, SHIFT) * h
    box = (
        max(0, round(x0 - PAD * w + dx)),
        max(0, round(y0 - PAD * h + dy)),
        min(scene.width, round(x1 + PAD * w + dx)),
        min(scene.height, round(y1 + PAD * h + dy)),
    )
    return box if box[2] - box[0] >= 4 and box[3] - box[1] >= 4 else obj.bbox


@dataclass
class CropCase:
    scene: int
    kind: str  # object_kind
    boxes: str  # "tight" | "proposer"
    truth: dict[str, str]  # label, name, colour ("" when the label names none), text
    request: VLMRequest


def crop_cases(
    seeds: Sequence[int] = range(FIRST_SEED, FIRST_SEED + CROP_SCENES),
    annotator: RecursiveAnnotator | None = None,
) -> list[CropCase]:
    """Every object of every scene, once per box kind; text crops carry the OCR line, as the
    OCR proposer's regions do."""
    annotator = annotator or RecursiveAnnotator(backend=None, prompts=load_prompts())  # type: ignore[arg-type]
    cases = []
    for seed in seeds:
        scene = generate_scene(seed)
        rng = random.Random(seed)
        for obj in scene.objects:
            label = crop_label(obj)
            truth = {
                "label": label,
                "name": obj.name,
                "colour": obj.colour if obj.colour in label.split() else "",
                "text": obj.text if obj.name == "text" else "",
            }
            for boxes, box in (("tight", obj.bbox), ("proposer", proposer_box(scene, obj, rng))):
                node = RegionNode(1, 0, obj.depth, tuple(float(v) for v in box), 1.0, "truth")
                node.ocr_text = truth["text"]
                request = annotator.describe_request(scene.image, node, row_id=scene.id)
                cases.append(CropCase(seed, object_kind(obj), boxes, truth, request))
    return cases


def score_label(label: str, truth: dict[str, str]) -> dict[str, bool | None]:
    """Exact label, shape/name and colour right (colour None where the label names none)."""
    words = label.lower().split()
    if truth["name"] == "text":  # the word itself: "word OPEN"
        name = words[:1] == ["word"] and label.split()[1:] == [truth["text"]]
    else:
        name = truth["name"] in words
    return {
        "label": label.strip() == truth["label"],
        "name": name,
        "colour": (truth["colour"] in words) if truth["colour"] else None,
    }


def crop_table(cases: list[CropCase], labels: list[str]) -> dict[str, dict[str, dict]]:
    """{boxes: {kind or 'all': {n, label, name, colour}}} as shares of the cases."""
    table: dict[str, dict[str, dict]] = {}
    for boxes in BOXES:
        table[boxes] = {}
        for kind in (*KINDS, "all"):
            picked = [
                score_label(label, c.truth)
                for c, label in zip(cases, labels, strict=True)
                if c.boxes == boxes and kind in (c.kind, "all")
            ]
            coloured = [s["colour"] for s in picked if s["colour"] is not None]
            table[boxes][kind] = {
                "n": len(picked),
                "label": _share([s["label"] for s in picked]),
                "name": _share([s["name"] for s in picked]),
                "colour": _share(coloured),
            }
    return table


def _share(values: list[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def describe_labels(backend: VLMBackend, cases: list[CropCase]) -> list[str]:
    results = asyncio.run(backend.generate([c.request for c in cases]))
    return [parse_description(r.text or "")[0] for r in results]


def scene_descriptions(backend: VLMBackend, scenes: list[Scene]) -> list[str]:
    """M0's own whole-scene descriptions, asked as the `scenes` benchmark asks."""
    from ouro_toolkit.evaluation.readers import SCENE_DESCRIBE_PROMPT, SCENE_DESCRIBE_TOKENS

    requests = [
        VLMRequest(
            [
                {
                    "role": "user",
                    "content": [
                        {"type": "image", "image": s.image},
                        {"type": "text", "text": SCENE_DESCRIBE_PROMPT},
                    ],
                }
            ],
            sampling=SamplingParams(max_new_tokens=SCENE_DESCRIBE_TOKENS),
        )
        for s in scenes
    ]
    return [r.text or "" for r in asyncio.run(backend.generate(requests))]


def build_figures(
    model: str,
    out: str | Path,
    scenes: int = BUILD_SCENES,
    backend: VLMBackend | None = None,
    **build: Any,
) -> dict[str, Any]:
    """A real build of the first `scenes` test scenes (the demo's proposers and tree), read
    against the truth, and the recall of its d0s against M0's whole-scene descriptions."""
    from ouro_toolkit.backends.spec import BackendSpec
    from ouro_toolkit.experiment.config import EXPERIMENT_TREE
    from ouro_toolkit.experiment.truth_check import check_row, summarise
    from ouro_toolkit.pipeline.build import build_shard, make_backend
    from ouro_toolkit.pipeline.config import BuildConfig
    from ouro_toolkit.pipeline.inspect import load_build
    from ouro_toolkit.scenes.generate import scene_from_id
    from ouro_toolkit.scenes.matching import score_description

    spec = BackendSpec(model, "transformers", max_pixels=MAX_PIXELS, batch_size=scenes)
    config = BuildConfig(
        source="scenes",
        split="test",
        limit=scenes,
        out=str(out),
        backend=spec,
        tree=EXPERIMENT_TREE,  # the demo's proposers and tree: objects + OCR, depth 2, 5 children
        **build,
    )
    backend = backend or make_backend(config)
    # Whole-scene descriptions first: the build closes the backend when it is done.
    truth = [generate_scene(FIRST_SEED + i) for i in range(scenes)]
    whole = dict(zip((s.id for s in truth), scene_descriptions(backend, truth), strict=True))
    build_shard(config, backend)
    rows = list(load_build(config.out))
    summary = summarise([check_row(row) for row in rows])
    truth = [scene_from_id(str(row["id"]).removeprefix("scenes/")) for row in rows]
    own = [score_description(s, whole[s.id]) for s in truth]
    d0 = [
        score_description(s, row["description"] or "") for s, row in zip(truth, rows, strict=True)
    ]
    named_d0, named_own = sum(d.named for d in d0), sum(d.named for d in own)
    objects = sum(d.objects for d in d0)
    return {
        "scenes": len(rows),
        "region_label_accuracy": summary["region_label_accuracy"],
        "region_colour_accuracy": summary["region_colour_accuracy"],
        "d0_recall": named_d0 / objects if objects else 0.0,
        "whole_scene_recall": named_own / objects if objects else 0.0,
        "d0_named": named_d0,
        "whole_scene_named": named_own,
        "objects": objects,
        "recall_ratio": named_d0 / named_own if named_own else float("inf"),
    }


def format_table(crops: dict[str, dict[str, dict]], build: dict[str, Any] | None) -> str:
    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    lines = ["| boxes | kind | n | exact label | shape/name | colour |", "| --- " * 6 + "|"]
    for boxes, kinds in crops.items():
        for kind, row in kinds.items():
            lines.append(
                f"| {boxes} | {kind} | {row['n']} | {pct(row['label'])} | "
                f"{pct(row['name'])} | {pct(row['colour'])} |"
            )
    if build:
        lines += [
            "",
            f"ouro build of {build['scenes']} held-out scenes: region labels right "
            f"{pct(build['region_label_accuracy'])} (colour right "
            f"{pct(build['region_colour_accuracy'])}); d0 recall {pct(build['d0_recall'])} vs "
            f"whole-scene description {pct(build['whole_scene_recall'])} "
            f"(true objects named {build['d0_named']} vs {build['whole_scene_named']} of "
            f"{build['objects']}: ratio {build['recall_ratio']:.2f}x)",
        ]
    return "\n".join(lines)
