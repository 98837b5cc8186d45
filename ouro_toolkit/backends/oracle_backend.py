"""`GroundTruthOracle`: a measurement backend that answers from the truth of generated scenes.

Never a default and never a model: it exists so the pipeline's own parts (proposals, tree
rules, merge, budgets) can be scored without one. A region request is answered with the
description of the true object that best matches the region's box; a QA request gets exact
questions of every kind the `scenes` benchmark scores (colour, count, sign text, left of, above,
inside) about the objects the request's d0 names, answered from the scene as a perfect QA writer
that sees the image would (`scenes.oracle.qa_about`); a QA request whose row names no scene is
answered from its d0 alone. It reads the request's `meta` (row id, box, d0), which the
annotator fills in; the row id names the scene ("scenes/scene-0000042"), which is made again
from it. Requests about anything else fail with a message saying so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from ouro_toolkit.backends.base import VLMRequest, VLMResult
from ouro_toolkit.backends.messages import images_in
from ouro_toolkit.backends.results import failed, finish_result
from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.errors import ConfigError
from ouro_toolkit.scenes.generate import scene_from_id
from ouro_toolkit.scenes.oracle import MIN_IOU, describe_region, qa_about, qa_from_description
from ouro_toolkit.scenes.truth import Scene, parse_scene_id, scene_id

NAME = "ground-truth-oracle"


class GroundTruthOracle:
    name = "oracle"  # its registry key; provenance then says backend "oracle", model NAME

    def __init__(self, model: str = NAME, scenes: Iterable[Scene] = (), min_iou: float = MIN_IOU):
        self.model = model
        self.min_iou = float(min_iou)
        # Scenes given up front (any config); others are made again from their id, on demand.
        self._scenes: dict[str, Scene] = {s.id: s for s in scenes}
        self.requests = 0

    @classmethod
    def from_spec(cls, spec: BackendSpec, adapter: str | None = None) -> GroundTruthOracle:
        if adapter:
            raise ConfigError(f"the {cls.name!r} backend is not a model: it takes no adapter")
        return cls(spec.model, **spec.options)

    def add_scenes(self, scenes: Iterable[Scene]) -> None:
        self._scenes.update({s.id: s for s in scenes})

    async def generate(self, requests: Sequence[VLMRequest]) -> list[VLMResult]:
        return [self._answer(r) for r in requests]

    async def aclose(self) -> None:
        return None

    def _answer(self, request: VLMRequest) -> VLMResult:
        self.requests += 1
        kind = request.meta.get("kind")
        if kind == "qa":
            d0 = str(request.meta.get("description") or "")
            scene = self._scene(str(request.meta.get("row_id") or ""))
            pairs = qa_from_description(d0) if scene is None else qa_about(scene, d0)
            fields = ("question", "answer", "aspect")  # the QA schema's, no more
            pairs = [{key: p[key] for key in fields} for p in pairs]
            return finish_result(request, json.dumps({"qa": pairs}))
        if kind != "region":
            return failed(
                f"{NAME}: answers only the annotator's region and QA requests about generated "
                "scenes (request has no meta kind 'region'/'qa'); use a model backend for this"
            )
        scene = self._scene(str(request.meta.get("row_id") or ""))
        if scene is None:
            return failed(
                f"{NAME}: row id {request.meta.get('row_id')!r} names no generated scene; "
                "the oracle only annotates rows of the `scenes` source"
            )
        box = tuple(float(v) for v in request.meta["bbox"])
        mismatch = _size_mismatch(request, box)
        if mismatch:
            return failed(f"{NAME}: {scene.id}: {mismatch}")
        label, description = describe_region(scene, box, self.min_iou)
        return finish_result(request, json.dumps({"label": label, "description": description}))

    def _scene(self, row_id: str) -> Scene | None:
        parsed = parse_scene_id(row_id)
        if parsed is None:
            return None
        key = scene_id(parsed[1], parsed[0])
        if key not in self._scenes:
            scene = scene_from_id(key, render=False)
            if scene is None:
                return None
            self._scenes[key] = scene
        return self._scenes[key]


def _size_mismatch(request: VLMRequest, box: tuple[float, ...]) -> str:
    """The crop in the request must be the box's size, or meta and pixels disagree."""
    images = images_in(request.messages) if request.messages else []
    if not images:
        return ""
    width, height = images[0].size
    want = (round(box[2]) - round(box[0]), round(box[3]) - round(box[1]))
    if (width, height) != want:
        return f"the request's image is {width}x{height} but its box {list(box)} is {want[0]}x{want[1]}"
    return ""
