"""Training samples for M0, one kind per role, with the exact requests the pipeline sends.

Describe and QA prompts come from `RecursiveAnnotator.describe_request` / `qa_request` with the
backend's JSON instruction appended, so M0 is trained on byte-identical prompts to those it
answers in `ouro build`. Targets come from the scenes' ground truth:

* `crop`: one object's crop -> `{"label", "description"}` (label: colour + name, no size, as a
  crop does not show its size in the image);
* `scene`: the whole scene with the describe prompt -> `{"label": "scene", "description":
  <caption>}` (the root node of every tree is the whole image; the caption names its biggest
  object only by default, see `CAPTION_STYLES`);
* `qa`: the QA prompt with a d0-like text (the true tree merged by the annotator's own merge)
  -> `{"qa": [...]}` with up to five exact pairs of the kinds the `scenes` benchmark scores
  (colour, count, sign text, left of, above, inside; one per kind first), exactly what the
  ground-truth oracle writes for that d0 (`scenes.oracle.qa_about`);
* `answer`: a question about the scene -> its short answer (with and without the short-answer
  suffix the benchmarks use), its kind drawn uniformly from those the scene has (by pairs, a
  colour question would be most of them), and a plain describe instruction -> the coarse caption.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ouro_toolkit.annotate.annotator import RecursiveAnnotator
from ouro_toolkit.annotate.merge import merge_tree
from ouro_toolkit.annotate.prompts import PromptSet, load_prompts
from ouro_toolkit.backends.messages import request_messages
from ouro_toolkit.evaluation.readers import SCENE_DESCRIBE_PROMPT
from ouro_toolkit.evaluation.tasks import SHORT
from ouro_toolkit.regions.tree import RegionNode
from ouro_toolkit.scenes import caption, describe_object, generate_scene, salient_caption
from ouro_toolkit.scenes.language import qa_pairs, true_tree
from ouro_toolkit.scenes.oracle import describe_region, qa_about
from ouro_toolkit.scenes.truth import Scene, SceneObject
from ouro_toolkit.training.transform import DESCRIBE_PROMPT

ROLES = ("crop", "scene", "qa", "answer")
# What M0 says of a whole scene: "salient" names its biggest object only, as the alt-text a real
# VLM's captions come from does ("A red circle on a beige background."), so M0 sees more than it
# says; "full" lists every top-level object, the scene's true caption, which leaves the OURO
# loop nothing to add to M0's descriptions that M0 was not already trained on.
CAPTION_STYLES = {"salient": salient_caption, "full": caption}
# Plain "describe" instructions (the training transform's, the scenes benchmark's): M0 answers
# them with the coarse caption, as a captioning model would.
DESCRIBE_PROMPTS = (DESCRIBE_PROMPT, SCENE_DESCRIBE_PROMPT)
DESCRIBE_SHARE = 0.3  # of `answer` samples
SCENE_LABEL = "scene"


@dataclass
class Sample:
    role: str
    messages: list[dict[str, Any]]  # protocol messages (PIL images inside)
    answer: str
    truth: dict[str, str]  # what the answer should contain, for accuracy checks


def crop_label(obj: SceneObject) -> str:
    """'red circle', 'blue door', 'house', 'sign', 'word OPEN'."""
    if obj.name == "text":
        return obj.label
    if obj.name in ("house", "sign"):
        return obj.name
    return f"{obj.colour} {obj.name}"


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _node(obj: SceneObject) -> RegionNode:
    return RegionNode(0, 0, obj.depth, tuple(float(v) for v in obj.bbox), 1.0, "truth")


# Share of crop samples whose box is random rather than one object's.
PROPOSAL_SHARE = 0.25


def proposal_box(scene: Scene, rng: random.Random) -> tuple[int, int, int, int]:
    side = min(scene.width, scene.height)
    w, h = (max(28, round(rng.uniform(0.12, 0.6) * side)) for _ in range(2))
    x0, y0 = rng.randrange(0, scene.width - w + 1), rng.randrange(0, scene.height - h + 1)
    return (x0, y0, x0 + w, y0 + h)


def jitter_box(scene: Scene, obj: SceneObject, rng: random.Random) -> tuple[int, int, int, int]:
    """The object's box, loosened or shifted a little the way a proposer's box would be."""
    x0, y0, x1, y1 = obj.bbox
    w, h = x1 - x0, y1 - y0
    pad = [round(rng.uniform(-0.06, 0.15) * s) for s in (w, h, w, h)]
    box = (x0 - pad[0], y0 - pad[1], x1 + pad[2], y1 + pad[3])
    box = (max(0, box[0]), max(0, box[1]), min(scene.width, box[2]), min(scene.height, box[3]))
    if box[2] - box[0] < 4 or box[3] - box[1] < 4:
        return obj.bbox
    return box


class RoleSampler:
    """Draws seeded samples of every role from scenes seeded in [first_seed, first_seed + n)."""

    def __init__(
        self,
        first_seed: int,
        n_scenes: int,
        prompts: PromptSet | None = None,
        crop_border: int = 0,
        balanced_crops: bool = False,
        scene_caption: str = "full",
    ):
        if scene_caption not in CAPTION_STYLES:
            raise ValueError(
                f"scene_caption {scene_caption!r}: choose one of {', '.join(CAPTION_STYLES)}"
            )
        self.caption = CAPTION_STYLES[scene_caption]
        self.first_seed = first_seed
        self.n_scenes = n_scenes
        self.prompts = prompts or load_prompts()
        self.annotator = RecursiveAnnotator(
            backend=None,  # type: ignore[arg-type]
            prompts=self.prompts,
            crop_border=crop_border,
        )
        # Crop one object of a kind drawn uniformly among the scene's kinds (free shape, part,
        # composite, word) rather than one of all objects: petals alone are 16% of objects,
        # free shapes 25%.
        self.balanced_crops = balanced_crops

    def pick_object(self, scene: Scene, rng: random.Random) -> SceneObject:
        if not self.balanced_crops:
            return rng.choice(scene.objects)
        kinds = sorted({_kind(o) for o in scene.objects})
        kind = rng.choice(kinds)
        return rng.choice([o for o in scene.objects if _kind(o) == kind])

    def scene(self, rng: random.Random) -> Scene:
        return generate_scene(self.first_seed + rng.randrange(self.n_scenes))

    def sample(self, role: str, rng: random.Random) -> Sample:
        return getattr(self, f"_{role}")(self.scene(rng), rng)

    def crop_sample(self, scene: Scene, obj: SceneObject, box, ocr: bool) -> Sample:
        node = _node(obj)
        node.bbox = tuple(float(v) for v in box)  # type: ignore[assignment]
        node.parent_id = 0
        node.ocr_text = obj.text if ocr and obj.name == "text" else ""
        request = self.annotator.describe_request(scene.image, node)
        answer = {"label": crop_label(obj), "description": describe_object(scene, obj)}
        truth = {"colour": obj.colour, "name": obj.name, "label": crop_label(obj)}
        return Sample("crop", request_messages(request), _dump(answer), truth)

    def _crop(self, scene: Scene, rng: random.Random) -> Sample:
        if rng.random() < PROPOSAL_SHARE:
            return self.proposal_sample(scene, proposal_box(scene, rng))
        obj = self.pick_object(scene, rng)
        return self.crop_sample(scene, obj, jitter_box(scene, obj, rng), rng.random() < 0.5)

    def proposal_sample(self, scene: Scene, box: tuple[int, int, int, int]) -> Sample:
        """A box that is not one object's (background, a fragment, several objects): the
        oracle's words for it, as a proposer's stray regions need."""
        node = RegionNode(0, 0, 1, tuple(float(v) for v in box), 1.0, "truth")
        request = self.annotator.describe_request(scene.image, node)
        label, description = describe_region(scene, box)
        answer = {"label": label, "description": description}
        return Sample("crop", request_messages(request), _dump(answer), {"label": label})

    def _scene(self, scene: Scene, rng: random.Random) -> Sample:
        root = RegionNode(
            0, -1, 0, (0.0, 0.0, float(scene.width), float(scene.height)), 1.0, "root"
        )
        request = self.annotator.describe_request(scene.image, root)
        answer = {"label": SCENE_LABEL, "description": self.caption(scene)}
        return Sample(
            "scene", request_messages(request), _dump(answer), {"caption": self.caption(scene)}
        )

    def d0(self, scene: Scene) -> str:
        """What the pipeline's d0 looks like when every region is described correctly."""
        tree = true_tree(scene)
        for node in tree.nodes[1:]:
            obj = _object_at(scene, node)
            node.label = crop_label(obj)
        tree.root.description = self.caption(scene)
        return merge_tree(tree)

    def _qa(self, scene: Scene, rng: random.Random) -> Sample:
        d0 = self.d0(scene)
        pairs = qa_about(scene, d0, rng=rng)
        request = self.annotator.qa_request(scene.image, d0)
        fields = ("question", "answer", "aspect")
        answer = {"qa": [{key: p[key] for key in fields} for p in pairs]}
        return Sample("qa", request_messages(request), _dump(answer), {"kinds": _kinds(pairs)})

    def _answer(self, scene: Scene, rng: random.Random) -> Sample:
        pair = None
        if rng.random() < DESCRIBE_SHARE:
            question, answer = rng.choice(DESCRIBE_PROMPTS), self.caption(scene)
        else:
            pool = qa_pairs(scene)
            kind = rng.choice(sorted({p["kind"] for p in pool}))
            pair = rng.choice([p for p in pool if p["kind"] == kind])
            question = pair["question"] + (SHORT if rng.random() < 0.5 else "")
            answer = pair["answer"]
        messages = [
            {
                "role": "user",
                "content": [
                    {"type": "image", "image": scene.image},
                    {"type": "text", "text": question},
                ],
            }
        ]
        truth = {"answer": answer} | ({} if pair is None else {"kind": pair["kind"]})
        return Sample("answer", messages, answer, truth)


def _kind(obj: SceneObject) -> str:
    return "text" if obj.name == "text" else obj.kind


def _kinds(pairs: list[dict[str, str]]) -> str:
    return ",".join(p["kind"] for p in pairs)


def _object_at(scene: Scene, node: RegionNode) -> SceneObject:
    box = tuple(round(v) for v in node.bbox)
    return next(o for o in scene.objects if tuple(o.bbox) == box)


def corpus(sampler: RoleSampler, n: int, seed: int) -> list[str]:
    """Texts for the tokenizer: every role's prompt and answer, from `n` samples of each."""
    rng = random.Random(seed)
    texts = []
    for role in ROLES:
        for _ in range(n):
            s = sampler.sample(role, rng)
            texts.extend(
                p["text"] for m in s.messages for p in m["content"] if p.get("type") == "text"
            )
            texts.append(s.answer)
    return texts


def image_of(sample: Sample) -> list[Image.Image]:
    return [p["image"] for m in sample.messages for p in m["content"] if p.get("type") == "image"]
