"""The region tree: boxes, the tree structure and recursive decomposition."""

from ouro_toolkit.regions.box import Box, box_area, clip_box, iou, nms
from ouro_toolkit.regions.tree import RegionNode, RegionTree

__all__ = ["Box", "RegionNode", "RegionTree", "box_area", "clip_box", "iou", "nms"]
