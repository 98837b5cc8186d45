"""Tree invariants on real photographs, with the offline proposer and with a scripted one."""

from dataclasses import dataclass

import pytest

from ouro_toolkit.decomposition.decompose import DecomposeConfig, build_region_tree
from ouro_toolkit.proposers.base import Proposal
from ouro_toolkit.proposers.grouping import GroupingProposer
from ouro_toolkit.regions.box import box_area, iou
from tests.helpers.images import photo


def assert_tree_invariants(tree, config, size):
    width, height = size
    assert tree.root.bbox == (0, 0, width, height)
    for node in tree.nodes[1:]:
        parent = tree.nodes[node.parent_id]
        x0, y0, x1, y1 = node.bbox
        px0, py0, px1, py1 = parent.bbox
        assert px0 <= x0 < x1 <= px1 and py0 <= y0 < y1 <= py1, "child inside parent"
        assert node.depth == parent.depth + 1 <= config.max_depth
        assert box_area(node.bbox) <= config.max_child_area_ratio * box_area(parent.bbox) + 1e-6
        assert node.score >= config.threshold
        if node.proposer == "ocr":
            assert min(node.width, node.height) >= config.min_text_height
            assert max(node.width, node.height) >= config.min_region_size
        else:
            assert min(node.width, node.height) >= config.min_region_size
        assert node.node_id > parent.node_id
    for node in tree.nodes:
        siblings = tree.children(node)
        assert len(siblings) <= config.max_children
        for i, a in enumerate(siblings):
            assert all(iou(a.bbox, b.bbox) <= config.nms_iou for b in siblings[i + 1 :])


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
def test_grouping_tree_on_real_photos(name):
    image = photo(name)
    config = DecomposeConfig(threshold=0.5, max_depth=3)
    tree = build_region_tree(image, [GroupingProposer()], config)
    assert len(tree.nodes) > 3, "a real photograph has sub-regions"
    assert_tree_invariants(tree, config, image.size)
    again = build_region_tree(image, [GroupingProposer()], config)
    assert again.to_rows() == tree.to_rows(), "node ids and boxes are deterministic"


@dataclass
class ScriptedProposer:
    """Returns fixed proposals relative to whatever crop it is given (its name says it: scripted)."""

    fractions: list[tuple[float, float, float, float, float]]
    name: str = "scripted"

    def propose(self, image):
        w, h = image.size
        return [
            Proposal((a * w, b * h, c * w, d * h), s, self.name) for a, b, c, d, s in self.fractions
        ]


def test_threshold_depth_size_and_nms_rules():
    proposer = ScriptedProposer(
        [
            (0.0, 0.0, 0.5, 0.5, 0.9),  # kept
            (0.02, 0.0, 0.52, 0.5, 0.8),  # duplicate of the first (IoU > 0.5): suppressed
            (0.5, 0.5, 1.0, 1.0, 0.3),  # below τ
            (0.0, 0.0, 0.95, 0.95, 0.99),  # not clearly smaller than the parent
            (0.6, 0.0, 0.62, 0.02, 0.95),  # too small
        ]
    )
    config = DecomposeConfig(threshold=0.5, max_depth=2, min_region_size=20)
    tree = build_region_tree(photo("astronaut"), [proposer], config)
    assert [n.bbox for n in tree.nodes] == [(0, 0, 512, 512), (0, 0, 256, 256), (0, 0, 128, 128)]
    assert_tree_invariants(tree, config, (512, 512))


def test_recursion_stops_when_nothing_can_be_split():
    config = DecomposeConfig(max_depth=10, min_region_size=40)
    tree = build_region_tree(
        photo("astronaut"), [ScriptedProposer([(0.0, 0.0, 0.5, 0.5, 0.9)])], config
    )
    # 512 -> 256 -> 128 -> 64; a 64px node is smaller than 2x40 and is not split.
    assert [n.width for n in tree.nodes] == [512, 256, 128, 64]


def test_a_node_exactly_twice_the_minimum_is_split():
    config = DecomposeConfig(max_depth=10, min_region_size=32)
    tree = build_region_tree(
        photo("astronaut"), [ScriptedProposer([(0.0, 0.0, 0.5, 0.5, 0.9)])], config
    )
    # The 64px node is 2x32, so it still splits, into a 32px child that is the minimum.
    assert [n.width for n in tree.nodes] == [512, 256, 128, 64, 32]


def test_children_are_mapped_back_to_full_image_pixels():
    config = DecomposeConfig(max_depth=2, min_region_size=10, max_child_area_ratio=0.9)
    proposer = ScriptedProposer([(0.5, 0.5, 1.0, 1.0, 0.9)])
    tree = build_region_tree(photo("coffee"), [proposer], config)  # 600x400
    assert tree.nodes[2].bbox == (450, 300, 600, 400)


@dataclass
class ScriptedTextProposer:
    """Returns one fixed text line (scripted OCR) relative to the crop it is given."""

    box: tuple[float, float, float, float]
    text: str
    name: str = "ocr"

    def propose(self, image):
        w, h = image.size
        a, b, c, d = self.box
        return [Proposal((a * w, b * h, c * w, d * h), 0.99, self.name, text=self.text)]


def test_thin_text_line_inside_an_object_box_gives_the_box_its_text():
    # A sign found as an object (0.84) with its 19px-high text line inside it: the sign is too
    # small to split again, so the words must stay on the sign's node.
    sign = ScriptedProposer([(0.05, 0.1, 0.65, 0.26, 0.84)])
    words = ScriptedTextProposer((0.09, 0.14, 0.64, 0.22), "LAUNCH PAD 39")
    config = DecomposeConfig(max_depth=2)
    tree = build_region_tree(photo("rocket", (384, 256)), [sign, words], config)
    (node,) = tree.children(tree.root)
    assert node.ocr_text == "LAUNCH PAD 39" and node.proposer == "scripted"
    assert_tree_invariants(tree, config, (384, 256))


def test_thin_text_line_alone_is_kept_as_a_text_leaf():
    words = ScriptedTextProposer((0.1, 0.1, 0.6, 0.17), "OPEN")
    tree = build_region_tree(photo("coffee", (384, 256)), [words], DecomposeConfig())
    assert [(n.proposer, n.ocr_text) for n in tree.nodes[1:]] == [("ocr", "OPEN")]
    assert tree.nodes[1].height < 32


def test_a_child_covering_most_of_its_parent_is_kept():
    # 60% of the parent's area: above the sibling NMS IoU (0.5) against the parent itself, but
    # the parent is not a rival, only other regions are.
    tree = build_region_tree(
        photo("astronaut"),
        [ScriptedProposer([(0.0, 0.0, 0.8, 0.75, 0.9)])],
        DecomposeConfig(max_depth=1),
    )
    assert [n.bbox for n in tree.nodes] == [(0, 0, 512, 512), (0, 0, 409.6, 384.0)]
