"""The region budget: cut a tree to its strongest regions, keeping it a valid tree.

A region can only be kept with its parent, so regions are taken best-first from the frontier of
those whose parent is already kept: highest score, then largest, then shallowest. The result
keeps breadth-first order, renumbered 0..N-1.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from ouro_toolkit.regions.box import Box, box_area, intersection
from ouro_toolkit.regions.tree import NO_PARENT, RegionNode, RegionTree


def prune_tree(tree: RegionTree, max_regions: int) -> RegionTree:
    """At most `max_regions` nodes (the root included), every kept node's parent kept."""
    if len(tree.nodes) <= max_regions:
        return tree
    children: dict[int, list[RegionNode]] = {}
    for node in tree.nodes[1:]:
        children.setdefault(node.parent_id, []).append(node)

    def rank(node: RegionNode) -> tuple:
        return (-node.score, -box_area(node.bbox), node.depth, node.node_id)

    kept = {tree.root.node_id}
    frontier = [(rank(c), c.node_id) for c in children.get(tree.root.node_id, [])]
    heapq.heapify(frontier)
    while frontier and len(kept) < max_regions:
        _, node_id = heapq.heappop(frontier)
        kept.add(node_id)
        for child in children.get(node_id, []):
            heapq.heappush(frontier, (rank(child), child.node_id))
    return _renumbered([n for n in tree.nodes if n.node_id in kept])


def _renumbered(nodes: list[RegionNode]) -> RegionTree:
    new_id = {node.node_id: i for i, node in enumerate(nodes)}
    out = []
    for node in nodes:
        parent = new_id[node.parent_id] if node.parent_id != NO_PARENT else NO_PARENT
        out.append(
            RegionNode(
                new_id[node.node_id],
                parent,
                node.depth,
                node.bbox,
                node.score,
                node.proposer,
                node.label,
                node.description,
                node.ocr_text,
            )
        )
    return RegionTree(out)


def attach_text_lines(tree: RegionTree, lines: Sequence[tuple[Box, str]]) -> RegionTree:
    """Give each text line to the deepest node containing it, unless that node already has it."""
    for bbox, text in lines:
        holders = [
            n for n in tree.nodes if intersection(bbox, n.bbox) >= 0.8 * max(box_area(bbox), 1e-6)
        ]
        deepest = max(holders, key=lambda n: (n.depth, -box_area(n.bbox)), default=None)
        if deepest is not None and text not in deepest.ocr_text:
            deepest.ocr_text = " ".join(filter(None, (deepest.ocr_text, text)))
    return tree
