"""Recursive decomposition (the splitting half of the paper's Algorithm 1).

Each node's crop is given to every proposer; proposals above τ that are big enough, clearly
smaller than the node and not duplicates of a sibling become its children; children are split
again until nothing can be split or the depth limit is reached. The tree is then cut to the
region budget (`max_regions`).

Two ways to get each node's proposals, chosen by `proposal_mode`:
- "per-crop": every proposer runs on every node's crop, the paper's literal Algorithm 1;
- "fast" (default): proposers that can (`for_image`) run once on the whole image and answer each
  node from that; the others run on all crops of a level in one `propose_batch` call when they
  have one. Text lines read once are also attached to the deepest kept region containing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from PIL import Image

from ouro_toolkit.decomposition.budget import attach_text_lines, prune_tree
from ouro_toolkit.errors import ConfigError
from ouro_toolkit.proposers.base import ImageProposals, Proposal, RegionProposer
from ouro_toolkit.regions.box import Box, box_area, clip_box, intersection, iou, offset_box
from ouro_toolkit.regions.tree import RegionNode, RegionTree

PROPOSAL_MODES = ("fast", "per-crop")


def _option(default: object, text: str, **meta: object) -> Any:
    """A field that is also a command-line option (see `ouro_toolkit.cli.fields`)."""
    return field(default=default, metadata={"help": text, **meta})


@dataclass(frozen=True)
class DecomposeConfig:
    # τ: proposals scoring below it are dropped
    threshold: float = _option(0.5, "τ: minimum proposal confidence.", min=0, max=1)
    max_depth: int = _option(3, "Deepest level (the whole image is 0).", min=0)
    # pixels, on a region's shorter side
    min_region_size: int = _option(32, "Smallest region side, in pixels.", min=1, flag="--min-size")
    min_text_height: int = (
        8  # text lines are thin: OCR regions need this height and min_region_size width
    )
    max_child_area_ratio: float = 0.7  # a child must be clearly smaller than its parent
    # 10, not 6: on generated scenes of 2-8 objects, 6 children per node left a fifth of the
    # objects out of d0 (81% -> 93% named with 10, for 20% more regions; benchmarks/quality.py).
    max_children: int = _option(10, "Most children per region.", min=1)
    nms_iou: float = 0.5  # among siblings, across proposers
    leaf_proposers: tuple[str, ...] = ("ocr",)  # a text line is not split further
    # Each region is one model call, so this bounds an image's GPU cost (regions + 1 calls);
    # the root counts. See docs for why 32.
    max_regions: int = _option(
        32,
        "Region budget per image, the whole image included (one model call each): "
        "the strongest regions are kept, each with its parent.",
        min=1,
    )
    # "fast" | "per-crop" (see the module docstring)
    proposal_mode: str = _option(
        "fast",
        "fast: OCR and grouping once per image, reused for every region; per-crop: "
        "every proposer on every region's crop (the paper's literal Algorithm 1).",
        choices=PROPOSAL_MODES,
    )

    def __post_init__(self) -> None:
        if self.proposal_mode not in PROPOSAL_MODES:
            raise ConfigError(
                f"proposal mode {self.proposal_mode!r} is not one of {', '.join(PROPOSAL_MODES)}"
            )
        if self.max_regions < 1:
            raise ConfigError(f"--max-regions must be >= 1 (the root), got {self.max_regions}")


def build_region_tree(
    image: Image.Image,
    proposers: Sequence[RegionProposer],
    config: DecomposeConfig = DecomposeConfig(),
) -> RegionTree:
    """Split `image` recursively into a `RegionTree` whose boxes are in full-image pixels."""
    per_image: list[ImageProposals] = []
    per_crop = list(proposers)
    if config.proposal_mode == "fast":
        per_image = [p.for_image(image) for p in proposers if hasattr(p, "for_image")]
        per_crop = [p for p in proposers if not hasattr(p, "for_image")]
    tree = RegionTree.with_root(image.width, image.height)
    frontier = [tree.root]
    while frontier:
        splittable = [node for node in frontier if _can_split(node, config)]
        found = _proposals(
            image, splittable, per_image, per_crop, batched=config.proposal_mode == "fast"
        )
        next_frontier: list[RegionNode] = []
        for node, proposals in zip(splittable, found, strict=True):
            # The node and its ancestors contain every child by construction: compare against
            # the rest of the tree only, or a child covering >50% of its parent counts as a duplicate.
            lineage = _lineage(tree, node)
            others = [n.bbox for n in tree.nodes if n.node_id not in lineage]
            for proposal in select_children(node, proposals, config, existing=others):
                child = tree.add(
                    node, proposal.bbox, proposal.score, proposal.proposer, ocr_text=proposal.text
                )
                next_frontier.append(child)
        frontier = next_frontier
    tree = prune_tree(tree, config.max_regions)
    # Text read once for the whole image: lines too small to be regions, or whose region was
    # cut by the budget, still reach the deepest kept region that contains them.
    lines = [p for index in per_image for p in index.within(tree.root.bbox) if p.text]
    return attach_text_lines(tree, [(p.bbox, p.text) for p in lines])


def _proposals(
    image: Image.Image,
    nodes: list[RegionNode],
    per_image: list[ImageProposals],
    per_crop: list[RegionProposer],
    batched: bool,
) -> list[list[Proposal]]:
    """Each node's proposals, in its crop's pixels (what `select_children` expects)."""
    crops = [image.crop(tuple(round(v) for v in node.bbox)) for node in nodes] if per_crop else []
    found: list[list[Proposal]] = [[] for _ in nodes]
    for proposer in per_crop:
        batch = getattr(proposer, "propose_batch", None) if batched else None
        results = batch(crops) if batch and crops else [proposer.propose(c) for c in crops]
        for mine, result in zip(found, results, strict=True):
            mine.extend(result)
    for index in per_image:
        for mine, node in zip(found, nodes, strict=True):
            dx, dy = round(node.bbox[0]), round(node.bbox[1])
            mine.extend(
                replace(p, bbox=offset_box(p.bbox, -dx, -dy)) for p in index.within(node.bbox)
            )
    return found


def _lineage(tree: RegionTree, node: RegionNode) -> set[int]:
    ids = {node.node_id}
    while node.parent_id >= 0:
        node = tree.nodes[node.parent_id]
        ids.add(node.node_id)
    return ids


def _mostly_inside(inner: Box, outer: Box, fraction: float = 0.8) -> bool:
    area = box_area(inner)
    return area > 0 and intersection(inner, outer) >= fraction * area


def _nest_contained(chosen: list[Proposal]) -> list[Proposal]:
    """Drop a box lying inside a sibling: it belongs one level down, under that sibling, which
    keeps any text OCR read in it (the sibling may be too small to be split again)."""
    texts = {i: p.text for i, p in enumerate(chosen)}
    dropped = set()
    for i, inner in enumerate(chosen):
        outer = next(
            (j for j, o in enumerate(chosen) if j != i and _mostly_inside(inner.bbox, o.bbox)), None
        )
        if outer is not None:
            dropped.add(i)
            if inner.text and inner.text not in texts[outer]:
                texts[outer] = " ".join(filter(None, (texts[outer], inner.text)))
    return [replace(p, text=texts[i]) for i, p in enumerate(chosen) if i not in dropped]


def _big_enough(bbox: Box, is_text: bool, config: DecomposeConfig) -> bool:
    short, long = sorted((bbox[2] - bbox[0], bbox[3] - bbox[1]))
    if is_text:
        return short >= config.min_text_height and long >= config.min_region_size
    return short >= config.min_region_size


def _can_split(node: RegionNode, config: DecomposeConfig) -> bool:
    if node.depth >= config.max_depth or node.proposer in config.leaf_proposers:
        return False
    return min(node.width, node.height) >= 2 * config.min_region_size


def select_children(
    parent: RegionNode,
    proposals: Sequence[Proposal],
    config: DecomposeConfig,
    existing: Sequence[Box] = (),
) -> list[Proposal]:
    """Map crop-relative proposals to full-image pixels and keep the ones that make good children.

    A region already in the tree (`existing`) is not proposed again, and a candidate lying mostly
    inside a stronger sibling is left for that sibling to find, so each region appears once, at
    the level where it is nested.
    """
    x0, y0 = round(parent.bbox[0]), round(parent.bbox[1])
    parent_area = box_area(parent.bbox)
    candidates = []
    for proposal in proposals:
        if proposal.score < config.threshold:
            continue
        bbox = clip_box(offset_box(proposal.bbox, x0, y0), parent.bbox[2], parent.bbox[3])
        bbox = (max(bbox[0], parent.bbox[0]), max(bbox[1], parent.bbox[1]), bbox[2], bbox[3])
        if not _big_enough(bbox, bool(proposal.text), config):
            continue
        if box_area(bbox) > config.max_child_area_ratio * parent_area:
            continue
        candidates.append(
            Proposal(
                tuple(round(v, 1) for v in bbox),
                proposal.score,
                proposal.proposer,
                proposal.text,
                proposal.label,
            )
        )
    # Sorting first makes node ids independent of proposer order and ties.
    candidates.sort(key=lambda p: (-p.score, p.bbox, p.proposer))
    chosen: list[Proposal] = []
    for candidate in candidates:
        if any(iou(candidate.bbox, box) > config.nms_iou for box in existing):
            continue
        duplicate = next(
            (
                k
                for k, kept in enumerate(chosen)
                if _mostly_inside(candidate.bbox, kept.bbox)
                or iou(candidate.bbox, kept.bbox) > config.nms_iou
            ),
            None,
        )
        if duplicate is None:
            chosen.append(candidate)
        elif candidate.text and candidate.text not in chosen[duplicate].text:
            # The words OCR read stay with the region that won the box (a sign found as an object).
            kept = chosen[duplicate]
            chosen[duplicate] = replace(
                kept, text=" ".join(filter(None, (kept.text, candidate.text)))
            )
    chosen = _nest_contained(chosen)[: config.max_children]
    # Reading order (top-to-bottom, left-to-right) reads naturally in a description.
    return sorted(chosen, key=lambda p: (p.bbox[1], p.bbox[0]))
