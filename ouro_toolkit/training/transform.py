"""The training transform: one OURO row -> one multi-image conversation for TRL (paper §3.2).

The model sees the full image plus `k` sub-region crops drawn at random from the row's region
tree (non-root nodes), one `{"type": "image"}` placeholder per image, in order. The targets are

* a description turn: `d^(0)` (the merged, hierarchical description of the whole image);
* one turn per crop with that region's own description `d_i` (so the description loss covers
  the image *and* its regions, as the paper's `L_desc` does);
* up to `max_qa` question/answer turns (`L_qa`).

Only assistant turns carry loss (TRL `assistant_only_loss=True` with a `{% generation %}` chat
template), so `<|image_pad|>` tokens and prompts are never learned.

`annotations="original"` (Table 6) keeps the same images but trains on the source's own
captions and QA instead of the OURO annotations.

The transform is a plain batched function (`dict of lists -> dict of lists`), so it works both
lazily (`Dataset.with_transform`, crops are cut when a batch is read, nothing is duplicated on
disk) and eagerly (`Dataset.map(..., batched=True)`).

Two layouts (`layout`):

* `"joint"` (default, the paper's): one sample per row, the conversation above (full image + k
  crops in the first turn, a box preamble, the description, region and QA turns);
* `"per_sample"`: one single-image, single-turn sample per target, in the layout of the `scenes`
  benchmark's requests (one image, then the prompt): the full image with `PER_SAMPLE_DESCRIBE`
  -> d0; the full image with each question + `SHORT_ANSWER` -> its answer; each of the k crops,
  alone, with `PER_SAMPLE_REGION` -> that region's description. A crop is asked with a prompt of
  its own: a region is not a whole scene, and under the benchmark's whole-image prompt the k short
  region answers per row would outnumber d0's one. A row gives 1 + QA + crops
  samples (`sample_count`), so `Dataset.map(batched=True)` returns more rows than it read, and
  `training.data.prepare_dataset` indexes (row, sample) pairs for lazy reading. Measured on main:
  M0's loss on the rows' QA answers is 7.9 nats/token inside the six-image conversation and 1.6
  in the benchmark's one-image prompt; a model that has only seen one image and one turn spends
  a short LoRA budget learning the joint layout rather than the content.
"""

from __future__ import annotations

import logging
import math
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from PIL import Image

from ouro_toolkit.errors import ConfigError
from ouro_toolkit.images import open_image_value

logger = logging.getLogger(__name__)

Annotations = Literal["enhanced", "original"]
ANNOTATIONS: tuple[str, ...] = ("enhanced", "original")

# Qwen2-VL's grounding convention: boxes as integer (x, y) corners on a 0-1000 scale between
# <|box_start|> / <|box_end|>, the format the model was pretrained with.
BOX_SCALE = 1000
DESCRIBE_PROMPT = "Describe this image in detail."
DESCRIBE_WITH_REGIONS_PROMPT = "Describe the whole image in detail."
# Said once, before the first question, when crops are shown: which picture is which region.
REGION_PREAMBLE = "Picture 1 is the whole image. Picture 2 is a region cropped from it:\n{boxes}\n"
REGIONS_PREAMBLE = (
    "Picture 1 is the whole image. Pictures 2 to {last} are regions cropped from it:\n{boxes}\n"
)
REGION_PROMPT = "Describe region {index} in detail."
# The per-sample layout asks as the `scenes` benchmark does (`evaluation.readers`' describe prompt
# and `evaluation.tasks.SHORT`, lmms-eval's short-answer suffix; a test keeps them equal).
PER_SAMPLE_DESCRIBE = (
    "Describe this image in detail: name every object, its colour and where it is in the image."
)
SHORT_ANSWER = "\nAnswer the question using a single word or phrase."
# A crop alone is a region of a larger picture, not a whole scene: its own prompt.
PER_SAMPLE_REGION = "This is a region cropped from a larger image. Describe the region in detail."
Layout = Literal["joint", "per_sample"]
LAYOUTS: tuple[str, ...] = ("joint", "per_sample")


@dataclass(frozen=True)
class Crop:
    """One chosen region: its tree node, its pixel box in the full image and its description."""

    node_id: int
    box: tuple[int, int, int, int]  # integer pixels, (x0, y0, x1, y1), x1/y1 exclusive
    description: str


# Qwen2-VL's image processor raises on images more elongated than this (smart_resize).
MAX_ASPECT_RATIO = 200


def aspect_ok(width: float, height: float) -> bool:
    return min(width, height) > 0 and max(width, height) / min(width, height) <= MAX_ASPECT_RATIO


def pixel_box(bbox: Sequence[float], width: int, height: int) -> tuple[int, int, int, int]:
    """The integer crop box covering `bbox` (floor the start, ceil the end), clipped to the image."""
    x0 = min(max(math.floor(bbox[0]), 0), width)
    y0 = min(max(math.floor(bbox[1]), 0), height)
    x1 = min(max(math.ceil(bbox[2]), 0), width)
    y1 = min(max(math.ceil(bbox[3]), 0), height)
    return x0, y0, x1, y1


def bound_pixels(image: Image.Image, max_pixels: int | None) -> Image.Image:
    """Downscale `image` (keeping its aspect ratio) so that width * height <= `max_pixels`."""
    if not max_pixels or image.width * image.height <= max_pixels:
        return image
    scale = math.sqrt(max_pixels / (image.width * image.height))
    size = (max(1, math.floor(image.width * scale)), max(1, math.floor(image.height * scale)))
    # reducing_gap: shrink by an integer factor first (fast box filter), then bicubic for the rest;
    # visually identical at these ratios and several times faster for big downscales.
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)


def open_row_image(value: Any) -> Image.Image:
    """A row's image as RGB: decoded (PIL), undecoded ({"bytes", "path"}), bytes or a path; an
    empty one is an `ImageLoadError` like any other unusable image."""
    return open_image_value(value)


def row_rng(seed: int, row_id: str) -> random.Random:
    """A generator seeded by (seed, row id): the same row always gets the same crops, whatever
    the worker, shard or position in the dataset (str seeds are hashed with SHA-512, not hash())."""
    return random.Random(f"{seed}:{row_id}")


def candidate_regions(
    regions: Sequence[dict], width: int, height: int, min_side: int
) -> list[Crop]:
    """Non-root nodes whose clipped box is at least `min_side` pixels on both sides and not more
    elongated than Qwen2-VL's processor accepts."""
    crops = []
    for node in regions:
        if int(node["parent_id"]) < 0:
            continue
        box = pixel_box(node["bbox"], width, height)
        w, h = box[2] - box[0], box[3] - box[1]
        if w >= min_side and h >= min_side and aspect_ok(w, h):
            crops.append(Crop(int(node["node_id"]), box, (node.get("description") or "").strip()))
    return crops


def choose_crops(candidates: list[Crop], k: int, rng: random.Random) -> list[Crop]:
    """`k` crops drawn without replacement (all of them when fewer), in tree order."""
    chosen = rng.sample(candidates, min(k, len(candidates)))
    return sorted(chosen, key=lambda crop: crop.node_id)


CropChoice = Literal["random", "informed"]
CROP_CHOICES: tuple[str, ...] = ("random", "informed")
_WORD = re.compile(r"[a-z]+")
# Words too common in questions and descriptions to say which object a question is about.
_STOPWORDS = frozenset(
    "the a an is are of and what which how many there in on at to with it its this that colour "
    "color where left right above below inside image picture region part".split()
)


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOPWORDS}


def choose_informed(
    candidates: list[Crop], k: int, rng: random.Random, qa_texts: Sequence[str]
) -> list[Crop]:
    """`k` crops that together cover most of the words the row's QA asks about (greedy set
    cover over description words; the paper draws crops at random). Ties go to `rng`'s order,
    and crops that add nothing new are taken only after every useful one."""
    wanted = set().union(*(content_words(t) for t in qa_texts)) if qa_texts else set()
    pool = candidates[:]
    rng.shuffle(pool)
    words = {c.node_id: content_words(c.description) & wanted for c in pool}
    chosen: list[Crop] = []
    covered: set[str] = set()
    while pool and len(chosen) < k:
        best = max(pool, key=lambda c: (len(words[c.node_id] - covered), len(words[c.node_id])))
        pool.remove(best)
        chosen.append(best)
        covered |= words[best.node_id]
    return sorted(chosen, key=lambda crop: crop.node_id)


def majority_answer(answers: Sequence[str]) -> str:
    """The most frequent of a source's answers (VQAv2 has ten per question); first on ties."""
    cleaned = [a.strip() for a in answers if a and a.strip()]
    if not cleaned:
        return ""
    counts = Counter(cleaned)
    return max(cleaned, key=lambda a: (counts[a], -cleaned.index(a)))


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _image() -> dict[str, Any]:
    # Same keys as a text block so Arrow can store both in one struct column (Dataset.map).
    return {"type": "image", "text": None}


def _turn(role: str, content: list[dict[str, Any]]) -> dict[str, Any]:
    return {"role": role, "content": content}


def _box_text(box: tuple[int, int, int, int], width: int, height: int) -> str:
    x0, y0, x1, y1 = box
    sx, sy = BOX_SCALE / width, BOX_SCALE / height
    return (
        f"<|box_start|>({round(x0 * sx)},{round(y0 * sy)}),"
        f"({min(round(x1 * sx), BOX_SCALE)},{min(round(y1 * sy), BOX_SCALE)})<|box_end|>"
    )


@dataclass
class TransformSettings:
    """How one OURO row becomes training samples: each setting's one default and help text.

    `OuroTransform` applies them; `training.config.OuroDataConfig` extends them, so they are
    fields of the training recipe and the command line (`help` and `choices` are what
    `trl.TrlParser` shows). `crop_seed` is not `seed` because `SFTConfig` has a `seed` of its own.
    """

    k: int = field(
        default=5,
        metadata={
            "help": "Number of sub-region crops shown beside the full image, drawn at random (seeded per row) "
            "from the region tree's non-root nodes; rows with fewer usable regions get all of them. Paper "
            "Table 5: 0, 1, 2, 3, 5 (best), 7."
        },
    )
    annotations: str = field(
        default="enhanced",
        metadata={
            "help": "Training targets: 'enhanced' (OURO d0, region descriptions and synthesised QA) or "
            "'original' (the source's own captions and QA, paper Table 6).",
            "choices": list(ANNOTATIONS),
        },
    )
    max_pixels: int | None = field(
        default=262_144,
        metadata={
            "help": "Upper bound on width*height of every image and crop (downscaled keeping aspect). 262144 = "
            "512*512, LLaMA-Factory's `image_max_pixels` for Qwen2-VL."
        },
    )
    crop_seed: int = field(
        default=0,
        metadata={
            "help": "Seed of the per-row crop choice; with a row's id it fixes which regions are shown."
        },
    )
    max_qa: int = field(
        default=5, metadata={"help": "At most this many QA turns per conversation (paper: 5)."}
    )
    region_descriptions: bool = field(
        default=True,
        metadata={
            "help": "Add one turn per shown crop whose target is that region's own description, so the "
            "description loss covers the image and its regions (§3.2). False trains on d0 and QA only."
        },
    )
    min_crop_side: int = field(
        default=28,
        metadata={
            "help": "Regions narrower or shorter than this (pixels) are never chosen: Qwen2-VL's smallest patch "
            "group is 28 px."
        },
    )
    crop_choice: str = field(
        default="random",
        metadata={
            "help": "How the k crops are chosen: 'random' (the paper) or 'informed' (the crops whose "
            "descriptions best cover the words of the row's QA, greedy set cover).",
            "choices": list(CROP_CHOICES),
        },
    )
    layout: str = field(
        default="joint",
        metadata={
            "help": "'joint' (the paper's): one conversation per row, full image + k crops, the "
            "description, region and QA turns; 'per_sample': one single-image, single-turn sample "
            "per target in the benchmark's prompt layout (full image -> d0, full image + each "
            "question -> its answer, each crop alone -> its description).",
            "choices": list(LAYOUTS),
        },
    )


@dataclass
class OuroTransform(TransformSettings):
    """Batched `datasets` transform from OURO rows to TRL `messages` + `images` columns.

    Rows must already be filtered to `status == "ok"` with at least one target (see
    `skip_reason`); `ouro_toolkit.training.data.prepare_dataset` does that.
    """

    @classmethod
    def from_settings(cls, settings: TransformSettings) -> OuroTransform:
        """The transform for `settings` (an `OuroDataConfig` or any other `TransformSettings`)."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(TransformSettings)})

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ConfigError(f"layout={self.layout!r}: choose one of {', '.join(LAYOUTS)}")
        if self.crop_choice not in CROP_CHOICES:
            raise ValueError(
                f"crop_choice={self.crop_choice!r}: choose one of {', '.join(CROP_CHOICES)}"
            )
        if self.k < 0:
            raise ConfigError(f"k={self.k}: the number of region crops must be >= 0")
        if self.annotations not in ANNOTATIONS:
            raise ConfigError(
                f"annotations={self.annotations!r}: choose one of {', '.join(ANNOTATIONS)}"
            )
        if self.max_qa < 0:
            raise ConfigError(f"max_qa={self.max_qa}: must be >= 0")
        if self.max_pixels is not None and self.max_pixels < self.min_crop_side**2:
            raise ConfigError(
                f"max_pixels={self.max_pixels} is smaller than one {self.min_crop_side}px square"
            )

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        """Joint: one sample per row. Per sample: every row's samples, in row order."""
        messages, images = [], []
        for i in range(len(batch["id"])):
            row = {key: values[i] for key, values in batch.items()}
            for conversation, pictures in self.samples(row):
                messages.append(conversation)
                images.append(pictures)
        return {"messages": messages, "images": images}

    def samples(self, row: dict) -> list[tuple[list[dict], list[Image.Image]]]:
        """Every training sample of one row under this layout."""
        if self.layout == "joint":
            return [self.convert(row)]
        full = open_row_image(row["image"])
        return [self._single(full, target) for target in self._targets(row, full.size)]

    def sample(self, row: dict, index: int) -> tuple[list[dict], list[Image.Image]]:
        """The `index`-th sample of `row` (per-sample layout: only that one's image is cut)."""
        if self.layout == "joint":
            if index != 0:
                raise IndexError(f"the joint layout makes one sample per row, not {index + 1}")
            return self.convert(row)
        full = open_row_image(row["image"])
        return self._single(full, self._targets(row, full.size)[index])

    def sample_count(self, row: dict) -> int:
        """How many samples `row` gives, read from its text columns and root box (no image
        decoded unless the row has no root region)."""
        if self.layout == "joint":
            return 1
        root = next((r for r in row.get("regions") or [] if int(r["parent_id"]) < 0), None)
        if root is not None:
            size = (
                round(root["bbox"][2] - root["bbox"][0]),
                round(root["bbox"][3] - root["bbox"][1]),
            )
        else:
            size = open_row_image(row["image"]).size
        return len(self._targets(row, size))

    def _targets(self, row: dict, size: tuple[int, int]) -> list[tuple[Crop | None, str, str]]:
        """(crop or None for the full image, prompt, answer) of each per-sample target."""
        crops, description, region_texts, qa = self._plan(row, size)
        targets: list[tuple[Crop | None, str, str]] = []
        if description:
            targets.append((None, PER_SAMPLE_DESCRIBE, description))
        targets += [(None, question + SHORT_ANSWER, answer) for question, answer in qa]
        for crop, text in zip(crops, region_texts, strict=False):
            if text:
                targets.append((crop, PER_SAMPLE_REGION, text))
        return targets

    def _single(
        self, full: Image.Image, target: tuple[Crop | None, str, str]
    ) -> tuple[list[dict], list[Image.Image]]:
        crop, prompt, answer = target
        picture = full if crop is None else full.crop(crop.box)
        conversation = [
            _turn("user", [_image(), _text(prompt)]),
            _turn("assistant", [_text(answer)]),
        ]
        return conversation, [bound_pixels(picture, self.max_pixels)]

    def convert(self, row: dict) -> tuple[list[dict], list[Image.Image]]:
        """One row -> (conversation, images): images[0] is the full image, then the crops."""
        full = open_row_image(row["image"])
        crops, description, region_texts, qa = self._plan(row, full.size)
        pictures = [bound_pixels(full, self.max_pixels)]
        pictures += [bound_pixels(full.crop(crop.box), self.max_pixels) for crop in crops]
        return self._conversation(crops, full.size, description, region_texts, qa), pictures

    def _plan(
        self, row: dict, size: tuple[int, int]
    ) -> tuple[list[Crop], str, list[str], list[tuple[str, str]]]:
        """What one row trains on: the chosen crops, the description, the crops' own texts and
        the QA pairs (at most `max_qa`); needs the image's size, not its pixels."""
        width, height = size
        rng = row_rng(self.crop_seed, row["id"])
        candidates = candidate_regions(row.get("regions") or [], width, height, self.min_crop_side)
        if self.crop_choice == "informed":
            asked = [f"{q.get('question', '')} {q.get('answer', '')}" for q in row.get("qa") or []]
            crops = choose_informed(candidates, self.k, rng, asked)
        else:
            crops = choose_crops(candidates, self.k, rng)
        if self.annotations == "enhanced":
            description = (row.get("description") or "").strip()
            qa = [(q["question"], q["answer"]) for q in row.get("qa") or []]
            region_texts = [c.description for c in crops] if self.region_descriptions else []
        else:
            original = row.get("original") or {}
            captions = [c.strip() for c in original.get("captions") or [] if c and c.strip()]
            description = rng.choice(captions) if captions else ""
            qa = [
                (_original_question(q), majority_answer(q.get("answers") or []))
                for q in original.get("qa") or []
            ]
            region_texts = []  # sources have no region descriptions
        qa = [(q.strip(), a.strip()) for q, a in qa if q and q.strip() and a and a.strip()]
        return crops, description, region_texts, qa[: self.max_qa]

    def _conversation(
        self,
        crops: list[Crop],
        size: tuple[int, int],
        description: str,
        region_texts: list[str],
        qa: list[tuple[str, str]],
    ) -> list[dict]:
        preamble = ""
        if crops:
            boxes = "\n".join(
                f"Picture {i + 2}: region {i + 1} at {_box_text(c.box, *size)}"
                for i, c in enumerate(crops)
            )
            preamble = (
                REGIONS_PREAMBLE.format(last=len(crops) + 1, boxes=boxes)
                if len(crops) > 1
                else REGION_PREAMBLE.format(boxes=boxes)
            )
        # Every image goes into the first user turn, so placeholders and images share one order.
        first = [_image() for _ in range(len(crops) + 1)]
        turns: list[tuple[str, str]] = []
        if description:
            turns.append((DESCRIBE_WITH_REGIONS_PROMPT if crops else DESCRIBE_PROMPT, description))
        for index, text in enumerate(region_texts, start=1):
            if text:
                turns.append((REGION_PROMPT.format(index=index), text))
        turns += qa
        if not turns:
            raise ValueError("row has no training target; filter rows with skip_reason() first")
        conversation = []
        for n, (question, answer) in enumerate(turns):
            content = [*first, _text(preamble + question)] if n == 0 else [_text(question)]
            conversation.append(_turn("user", content))
            conversation.append(_turn("assistant", [_text(answer)]))
        return conversation


def _original_question(qa: dict) -> str:
    """A source question, with its answer options when it is multiple choice (ScienceQA, AI2D)."""
    question = (qa.get("question") or "").strip()
    choices = [c.strip() for c in qa.get("choices") or [] if c and c.strip()]
    if question and choices:
        question += "\nOptions: " + "; ".join(choices)
    return question


def skip_reason(row: dict, annotations: Annotations) -> str:
    """Why a row cannot be trained on ("" when it can); reads text columns and the root box only."""
    if row.get("status") != "ok":
        return "status != 'ok'"
    root = next((r for r in row.get("regions") or [] if int(r["parent_id"]) < 0), None)
    if root is not None:
        x0, y0, x1, y1 = root["bbox"]
        if not aspect_ok(x1 - x0, y1 - y0):
            return f"an image more elongated than {MAX_ASPECT_RATIO}:1"
    fields = (row.get("description"), row.get("qa"), row.get("original"))
    if not has_training_target("ok", *fields, annotations):
        return "no target for these annotations"
    return ""


def has_training_target(
    status: str | None,
    description: str | None,
    qa: list | None,
    original: dict | None,
    annotations: Annotations,
) -> bool:
    """Whether a row can be trained on: status "ok" and at least one non-empty target."""
    if status != "ok":
        return False
    if annotations == "enhanced":
        return bool((description or "").strip()) or any(
            (q.get("answer") or "").strip() and (q.get("question") or "").strip() for q in qa or []
        )
    original = original or {}
    return any((c or "").strip() for c in original.get("captions") or []) or any(
        (q.get("question") or "").strip() and majority_answer(q.get("answers") or [])
        for q in original.get("qa") or []
    )
