"""Scoring the pipeline's own parts on scenes whose truth is known.

For one pipeline setting (a `TreeRecipe`, whose `max_regions` is the region budget, and the
annotator's d0 budget `max_description_words`) over a list of scenes: how well the region tree's boxes cover the true objects and parts, how deep
it is against the true tree, and, with the ground-truth oracle describing every region, how
much of the truth survives into d0 and its QA. Proposals are cached by crop, so a sweep over
settings pays for each distinct crop once.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, fields

from PIL import Image

from ouro_toolkit.annotate.annotator import RecursiveAnnotator
from ouro_toolkit.annotate.prompts import load_prompts
from ouro_toolkit.backends.oracle_backend import GroundTruthOracle
from ouro_toolkit.decomposition.recipe import TreeRecipe
from ouro_toolkit.pipeline.config import BuildConfig
from ouro_toolkit.proposers.base import Proposal, RegionProposer
from ouro_toolkit.regions.box import iou
from ouro_toolkit.regions.tree import RegionTree
from ouro_toolkit.scenes.language import true_tree
from ouro_toolkit.scenes.matching import judge_qa, score_description
from ouro_toolkit.scenes.oracle import qa_from_description
from ouro_toolkit.scenes.truth import Scene

MATCH_IOU = 0.5
# A build's d0 budget, so the figures are of what a build writes.
D0_WORDS = BuildConfig.__dataclass_fields__["max_description_words"].default


class CachedProposer:
    """A proposer that answers a crop it has seen before from memory (keyed by its pixels)."""

    def __init__(self, inner: RegionProposer):
        self.inner = inner
        self.name = inner.name
        self._memo: dict[str, list[Proposal]] = {}

    def propose(self, image: Image.Image) -> list[Proposal]:
        key = hashlib.blake2b(image.tobytes(), digest_size=16).hexdigest() + f"{image.size}"
        if key not in self._memo:
            self._memo[key] = self.inner.propose(image)
        return self._memo[key]


@dataclass
class Figures:
    scenes: int = 0
    gt_boxes: int = 0  # true objects and parts
    gt_found: int = 0  # ... matched by a region at IoU >= 0.5
    gt_objects: int = 0  # true objects (no parts)
    objects_found: int = 0
    regions: int = 0  # non-root regions
    regions_matched: int = 0  # ... matching some true box at IoU >= 0.5
    depth: int = 0  # summed tree depth
    true_depth: int = 0
    depth_equal: int = 0  # trees as deep as the true tree
    # With the oracle:
    d0_objects: int = 0
    d0_named: int = 0
    d0_colour: int = 0
    d0_position: int = 0
    d0_mentions: int = 0
    d0_words: int = 0
    qa: int = 0
    qa_answerable: int = 0
    qa_correct: int = 0

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @staticmethod
    def _share(a: int, b: int) -> float:
        return a / b if b else 0.0

    def summary(self) -> dict[str, float]:
        s = self._share
        return {
            "box_recall": s(self.gt_found, self.gt_boxes),
            "object_recall": s(self.objects_found, self.gt_objects),
            "box_precision": s(self.regions_matched, self.regions),
            "depth": s(self.depth, self.scenes),
            "true_depth": s(self.true_depth, self.scenes),
            "depth_equal": s(self.depth_equal, self.scenes),
            "regions_per_image": s(self.regions, self.scenes),
            "d0_named": s(self.d0_named, self.d0_objects),
            "d0_colour": s(self.d0_colour, self.d0_objects),
            "d0_position": s(self.d0_position, self.d0_objects),
            "d0_precision": s(self.d0_named, self.d0_mentions),
            "d0_words": s(self.d0_words, self.scenes),
            "qa_per_image": s(self.qa, self.scenes),
            "qa_answerable": s(self.qa_answerable, self.qa),
            "qa_correct": s(self.qa_correct, self.qa),
        }


def box_figures(scene: Scene, tree: RegionTree) -> Figures:
    regions = [n.bbox for n in tree.nodes[1:]]
    truth = scene.objects

    def found(box) -> bool:
        return any(iou(box, r) >= MATCH_IOU for r in regions)

    return Figures(
        scenes=1,
        gt_boxes=len(truth),
        gt_found=sum(found(o.bbox) for o in truth),
        gt_objects=sum(o.kind != "part" for o in truth),
        objects_found=sum(found(o.bbox) for o in truth if o.kind != "part"),
        regions=len(regions),
        regions_matched=sum(any(iou(r, o.bbox) >= MATCH_IOU for o in truth) for r in regions),
        depth=tree.max_depth,
        true_depth=scene.depth,
        depth_equal=int(tree.max_depth == scene.depth),
    )


def build_trees(
    scenes: Sequence[Scene], proposers: Sequence[RegionProposer], recipe: TreeRecipe
) -> list[RegionTree]:
    """The trees the pipeline builds: the recipe's own region budget (`prune_tree`) applied."""
    return [recipe.tree(s.image, proposers) for s in scenes]


def oracle_figures(
    scenes: Sequence[Scene],
    trees: Sequence[RegionTree],
    max_description_words: int | None = D0_WORDS,
) -> Figures:
    """Annotate with the ground-truth oracle, then score d0 and its QA against the truth.

    d0 is merged within `max_description_words` by the annotator, as in a build, and its QA is
    written from that d0."""
    oracle = GroundTruthOracle(scenes=scenes)
    annotator = RecursiveAnnotator(oracle, load_prompts(), max_description_words)
    # Fresh copies: annotation writes labels and descriptions into the nodes.
    copies = [RegionTree.from_rows(t.to_rows()) for t in trees]
    annotations = asyncio.run(
        annotator.annotate(
            [(s.image, t) for s, t in zip(scenes, copies, strict=True)], [s.id for s in scenes]
        )
    )
    total = Figures()
    for scene, annotation in zip(scenes, annotations, strict=True):
        if annotation.errors:
            raise RuntimeError(f"{scene.id}: oracle annotation failed: {annotation.error}")
        d0 = annotation.description
        # What d0 alone carries (the oracle's own QA also reads the image: always right).
        qa = qa_from_description(d0)
        score = score_description(scene, d0)
        judged = [judge_qa(scene, p["question"], p["answer"]) for p in qa]
        total.add(
            Figures(
                d0_objects=score.objects,
                d0_named=score.named,
                d0_colour=score.right_colour,
                d0_position=score.right_position,
                d0_mentions=score.mentions,
                d0_words=len(d0.split()),
                qa=len(qa),
                qa_answerable=sum(j.answerable for j in judged),
                qa_correct=sum(j.correct for j in judged),
            )
        )
    return total


def measure_true_trees(scenes: Sequence[Scene]) -> Figures:
    """The same figures with each scene's true tree in place of a built one: the ceiling that
    the oracle, the merge and QA leave when proposals and tree rules are perfect."""
    trees = [
        RegionTree.from_rows(
            [{**r, "label": "", "description": ""} for r in true_tree(s).to_rows()]
        )
        for s in scenes
    ]
    total = Figures()
    for scene, tree in zip(scenes, trees, strict=True):
        total.add(box_figures(scene, tree))
    total.add(oracle_figures(scenes, trees))
    return total


def measure(
    scenes: Sequence[Scene],
    proposers: Sequence[RegionProposer],
    recipe: TreeRecipe,
    *,
    max_description_words: int | None = D0_WORDS,
    with_oracle: bool = True,
) -> Figures:
    trees = build_trees(scenes, proposers, recipe)
    total = Figures()
    for scene, tree in zip(scenes, trees, strict=True):
        total.add(box_figures(scene, tree))
    if with_oracle:
        total.add(oracle_figures(scenes, trees, max_description_words))
    return total
