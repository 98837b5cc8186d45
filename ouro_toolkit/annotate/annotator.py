"""`RecursiveAnnotator`: describe every region of a batch of trees, merge, then synthesise QA.

Throughput by design: all nodes of one level, across every image of the batch, go to the backend
in one concurrent call; then one QA call per image, all images together. That is exactly one
model call per node plus one per image, and a replay cache in front of the backend makes a rerun
free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PIL import Image, ImageOps

from ouro_toolkit.annotate.merge import merge_tree
from ouro_toolkit.annotate.prompts import PromptSet
from ouro_toolkit.backends.base import SamplingParams, VLMBackend, VLMRequest, VLMResult
from ouro_toolkit.backends.json_output import JSONOutputError, extract_json
from ouro_toolkit.regions.tree import RegionNode, RegionTree
from ouro_toolkit.schema import QA_ASPECTS

MAX_QA = 5


@dataclass
class Annotation:
    tree: RegionTree
    description: str = ""  # d^(0)
    qa: list[dict[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def error(self) -> str:
        return "; ".join(self.errors)


class RecursiveAnnotator:
    def __init__(
        self,
        backend: VLMBackend,
        prompts: PromptSet,
        max_description_words: int | None = None,
        crop_border: int = 0,
    ):
        self.backend = backend
        self.prompts = prompts
        self.max_description_words = max_description_words  # d0 budget; None: unbounded
        # White pixels around every region crop (never the whole image): 0 for real models;
        # a model trained on bordered crops (M0) asks for its own width in its folder.
        self.crop_border = crop_border

    async def annotate(
        self, items: list[tuple[Image.Image, RegionTree]], ids: list[str] | None = None
    ) -> list[Annotation]:
        """`ids` (the rows' ids) only travel in each request's `meta`, for measurement backends."""
        ids = ids or [""] * len(items)
        annotations = [Annotation(tree) for _, tree in items]
        depth = max((tree.max_depth for _, tree in items), default=-1)
        for level in range(depth + 1):
            jobs = [
                (i, node)
                for i, (_, tree) in enumerate(items)
                for node in tree.nodes
                if node.depth == level
            ]
            requests = [self.describe_request(items[i][0], node, ids[i]) for i, node in jobs]
            for (i, node), result in zip(jobs, await self.backend.generate(requests), strict=True):
                self._apply_description(annotations[i], node, result)
        for annotation in annotations:
            annotation.description = merge_tree(annotation.tree, self.max_description_words)
        requests = [
            self.qa_request(image, a.description, row_id)
            for (image, _), a, row_id in zip(items, annotations, ids, strict=True)
        ]
        for annotation, result in zip(
            annotations, await self.backend.generate(requests), strict=True
        ):
            if result.text is None:
                annotation.errors.append(f"qa: {result.error}")
            else:
                annotation.qa = parse_qa(result.text)
        return annotations

    # Requests are laid out for a server's prefix cache (SGLang's radix cache): the constant
    # instruction (and the JSON instruction the backend appends to it) comes first, so every
    # region request shares those tokens; the image and the per-region text come after it.
    def describe_request(
        self, image: Image.Image, node: RegionNode, row_id: str = ""
    ) -> VLMRequest:
        crop = image if node.parent_id < 0 else image.crop(tuple(round(v) for v in node.bbox))
        if self.crop_border and node.parent_id >= 0:
            crop = ImageOps.expand(crop.convert("RGB"), self.crop_border, fill="white")
        content: list[dict] = [
            {"type": "text", "text": self.prompts.describe_region},
            {"type": "image", "image": crop},
        ]
        if node.ocr_text:
            content.append(
                {"type": "text", "text": f'Text read in this region by OCR: "{node.ocr_text}"'}
            )
        return VLMRequest(
            messages=[{"role": "user", "content": content}],
            sampling=SamplingParams(max_new_tokens=self.prompts.describe_max_new_tokens),
            json_schema=self.prompts.describe_schema,
            prompt_version=self.prompts.version,
            meta={"kind": "region", "row_id": row_id, "bbox": [float(v) for v in node.bbox]},
        )

    def qa_request(self, image: Image.Image, description: str, row_id: str = "") -> VLMRequest:
        # The template's text before its {description} slot is constant: it goes first.
        text = self.prompts.qa_synthesis.format(description="\x00")
        head, _, tail = text.partition("\x00")
        content: list[dict] = [{"type": "text", "text": head.strip()}] if head.strip() else []
        content += [
            {"type": "image", "image": image},
            {"type": "text", "text": (description or "(no description)") + tail},
        ]
        return VLMRequest(
            messages=[{"role": "user", "content": content}],
            sampling=SamplingParams(max_new_tokens=self.prompts.qa_max_new_tokens),
            json_schema=self.prompts.qa_schema,
            prompt_version=self.prompts.version,
            meta={"kind": "qa", "row_id": row_id, "description": description},
        )

    @staticmethod
    def _apply_description(annotation: Annotation, node: RegionNode, result: VLMResult) -> None:
        # A reply that is not the JSON asked for still has text: parse_description keeps it.
        if result.text is None:
            annotation.errors.append(f"describe node {node.node_id}: {result.error}")
            return
        node.label, node.description = parse_description(result.text)


def parse_description(text: str) -> tuple[str, str]:
    """(label, description) from a structured reply; a reply that is not the JSON asked for keeps its text."""
    try:
        value = extract_json(text)
        label, description = (
            str(value.get("label", "")).strip(),
            str(value.get("description", "")).strip(),
        )
        if description:
            return label[:60], description
    except JSONOutputError:
        pass
    return "", _clean(text)


_QA_LINES = re.compile(
    r"Q(?:uestion)?\s*\d*\s*[:.]\s*(?P<q>.+?)\s*A(?:nswer)?\s*\d*\s*[:.]\s*(?P<a>.+?)(?=\s*Q(?:uestion)?\s*\d*\s*[:.]|$)",
    re.S | re.I,
)


def parse_qa(text: str) -> list[dict[str, str]]:
    """Up to five {question, answer, aspect} pairs from JSON, or from 'Q: ... A: ...' text."""
    pairs: list[dict[str, str]] = []
    try:
        value = extract_json(text)
        items = value.get("qa", []) if isinstance(value, dict) else []
    except JSONOutputError:
        items = [{"question": m["q"], "answer": m["a"]} for m in _QA_LINES.finditer(text)]
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        question, answer = (
            _clean(str(item.get("question", ""))),
            _clean(str(item.get("answer", ""))),
        )
        if question and answer:
            aspect = str(item.get("aspect", "")).strip().lower()
            pairs.append(
                {
                    "question": question,
                    "answer": answer,
                    "aspect": aspect if aspect in QA_ASPECTS else "other",
                }
            )
    return pairs[:MAX_QA]


def _clean(text: str) -> str:
    # Control characters (NUL and friends) break terminals and some Parquet readers' text views.
    return " ".join("".join(ch for ch in text if ch.isprintable() or ch.isspace()).split())
