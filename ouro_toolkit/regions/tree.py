"""`RegionTree`: the nested region hierarchy of one image, and its flat-list form.

Arrow has no recursive type, so on disk a tree is a flat list of nodes with parent links, root
first, children after their parent (breadth-first). `node_id` is the index in that list, which
makes ids deterministic for a given set of proposals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from ouro_toolkit.regions.box import Box

ROOT_ID = 0
NO_PARENT = -1


@dataclass
class RegionNode:
    node_id: int
    parent_id: int
    depth: int
    bbox: Box  # full-image pixels, (x0, y0, x1, y1)
    score: float
    proposer: str  # "root" | "rpn" | "ocr" | "layout" | "grouping" | ...
    label: str = ""  # main object name, filled by the VLM
    description: str = ""
    ocr_text: str = ""

    def to_row(self) -> dict:
        row = asdict(self)
        row["bbox"] = [float(v) for v in self.bbox]
        return row

    @classmethod
    def from_row(cls, row: dict) -> RegionNode:
        return cls(
            node_id=int(row["node_id"]),
            parent_id=int(row["parent_id"]),
            depth=int(row["depth"]),
            bbox=tuple(float(v) for v in row["bbox"]),  # type: ignore[arg-type]
            score=float(row["score"]),
            proposer=str(row["proposer"]),
            label=row.get("label") or "",
            description=row.get("description") or "",
            ocr_text=row.get("ocr_text") or "",
        )

    @property
    def width(self) -> float:
        return self.bbox[2] - self.bbox[0]

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]


@dataclass
class RegionTree:
    nodes: list[RegionNode] = field(default_factory=list)

    @classmethod
    def with_root(cls, width: int, height: int) -> RegionTree:
        root = RegionNode(
            ROOT_ID, NO_PARENT, 0, (0.0, 0.0, float(width), float(height)), 1.0, "root"
        )
        return cls([root])

    @property
    def root(self) -> RegionNode:
        return self.nodes[ROOT_ID]

    def add(
        self, parent: RegionNode, bbox: Box, score: float, proposer: str, ocr_text: str = ""
    ) -> RegionNode:
        node = RegionNode(
            len(self.nodes),
            parent.node_id,
            parent.depth + 1,
            bbox,
            score,
            proposer,
            ocr_text=ocr_text,
        )
        self.nodes.append(node)
        return node

    def children(self, node: RegionNode) -> list[RegionNode]:
        return [n for n in self.nodes if n.parent_id == node.node_id]

    def levels(self) -> list[list[RegionNode]]:
        """Nodes grouped by depth, root level first."""
        by_depth: dict[int, list[RegionNode]] = {}
        for node in self.nodes:
            by_depth.setdefault(node.depth, []).append(node)
        return [by_depth[d] for d in sorted(by_depth)]

    @property
    def max_depth(self) -> int:
        return max(n.depth for n in self.nodes)

    def walk(self, node: RegionNode | None = None) -> Iterator[RegionNode]:
        """Depth-first, parents before children."""
        node = node or self.root
        yield node
        for child in self.children(node):
            yield from self.walk(child)

    def to_rows(self) -> list[dict]:
        return [n.to_row() for n in self.nodes]

    @classmethod
    def from_rows(cls, rows: list[dict]) -> RegionTree:
        nodes = sorted((RegionNode.from_row(r) for r in rows), key=lambda n: n.node_id)
        if not nodes or nodes[0].parent_id != NO_PARENT:
            raise ValueError("a region list must start with its root (parent_id -1)")
        if [n.node_id for n in nodes] != list(range(len(nodes))):
            raise ValueError("region node ids must be 0..N-1")
        return cls(nodes)

    def render(self) -> str:
        """An indented, human-readable view of the tree."""
        lines = []
        for node in self.walk():
            x0, y0, x1, y1 = (round(v) for v in node.bbox)
            head = f"{'  ' * node.depth}[{node.node_id}] {node.proposer} ({x0},{y0},{x1},{y1}) score={node.score:.2f}"
            if node.label:
                head += f" label={node.label!r}"
            if node.ocr_text:
                head += f" text={node.ocr_text!r}"
            lines.append(head)
            if node.description:
                lines.append(f"{'  ' * node.depth}    {node.description}")
        return "\n".join(lines)
