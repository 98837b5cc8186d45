"""The fast proposal path (one pass per image) and the region budget, on real photos."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ouro_toolkit.decomposition.budget import attach_text_lines, prune_tree
from ouro_toolkit.decomposition.decompose import DecomposeConfig, build_region_tree
from ouro_toolkit.proposers import build_proposers
from ouro_toolkit.proposers.grouping import GroupingProposer
from ouro_toolkit.regions.tree import RegionTree
from tests.decomposition.test_decompose import assert_tree_invariants
from tests.helpers.images import photo, text_image


def test_grouping_once_per_image_gives_the_root_exactly_the_per_crop_proposals():
    image = photo("coffee", (640, 480))
    grouping = GroupingProposer()
    assert grouping.for_image(image).within((0, 0, 640, 480)) == grouping.propose(image)


def test_segments_for_a_region_lie_inside_it():
    image = photo("astronaut", (640, 480))
    region = (100.0, 50.0, 400.0, 300.0)
    found = GroupingProposer().for_image(image).within(region)
    assert found
    for p in found:
        x0, y0, x1, y1 = p.bbox
        assert 100 <= x0 < x1 <= 400 and 50 <= y0 < y1 <= 300


class CountingProposer:
    """Wraps a real proposer and counts whole-image and per-crop calls."""

    def __init__(self, inner):
        self.inner, self.name = inner, inner.name
        self.image_calls = self.crop_calls = 0
        self.crop_sizes: list[tuple[int, int]] = []

    def propose(self, image):
        self.crop_calls += 1
        self.crop_sizes.append(image.size)
        return self.inner.propose(image)

    def for_image(self, image):
        self.image_calls += 1
        return self.inner.for_image(image)


def test_fast_path_reads_text_once_and_gives_it_to_the_deepest_region():
    image = photo("coffee", (640, 480))
    image.paste(text_image(["BEST COFFEE"], size=(420, 90)), (100, 20))
    ocr = CountingProposer(build_proposers(["ocr"])[0])
    grouping = CountingProposer(GroupingProposer())
    config = DecomposeConfig(min_region_size=16)
    tree = build_region_tree(image, [grouping, ocr], config)
    assert (ocr.image_calls, ocr.crop_calls) == (1, 0)
    assert (grouping.image_calls, grouping.crop_calls) == (1, 0)
    holders = [n for n in tree.nodes if "COFFEE" in n.ocr_text.upper()]
    assert holders
    deepest = max(holders, key=lambda n: n.depth)
    assert not any("COFFEE" in c.ocr_text.upper() for c in tree.children(deepest)), (
        "the text sits with the deepest region holding it"
    )
    assert_tree_invariants(tree, config, image.size)


def test_per_crop_mode_runs_every_proposer_on_every_split_region():
    image = photo("astronaut", (320, 240))
    grouping = CountingProposer(GroupingProposer())
    # No budget, so the tree keeps every region: each one big and shallow enough to split
    # (the shorter side at least twice the minimum, above the deepest level) was proposed on
    # once, with its own crop, and no other crop was.
    config = DecomposeConfig(proposal_mode="per-crop", max_regions=10_000)
    tree = build_region_tree(image, [grouping], config)
    splittable = [
        n
        for n in tree.nodes
        if n.depth < config.max_depth and min(n.width, n.height) >= 2 * config.min_region_size
    ]
    assert grouping.image_calls == 0 and grouping.crop_calls == len(splittable) > 1
    sizes = [
        (round(n.bbox[2]) - round(n.bbox[0]), round(n.bbox[3]) - round(n.bbox[1]))
        for n in splittable
    ]
    assert sorted(grouping.crop_sizes) == sorted(sizes)
    assert all(n in splittable for n in tree.nodes if tree.children(n))


def test_unknown_proposal_mode_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="fast, per-crop"):
        DecomposeConfig(proposal_mode="quick")


def _scripted_tree() -> RegionTree:
    tree = RegionTree.with_root(400, 400)
    a = tree.add(tree.root, (0, 0, 200, 200), 0.9, "grouping")
    b = tree.add(tree.root, (200, 0, 400, 200), 0.6, "grouping")
    tree.add(tree.root, (0, 200, 100, 300), 0.6, "grouping")  # as strong as b, smaller
    tree.add(a, (0, 0, 100, 100), 0.95, "grouping")
    tree.add(b, (200, 0, 300, 100), 0.99, "grouping")
    return tree


def test_budget_keeps_the_strongest_regions_and_every_parent():
    pruned = prune_tree(_scripted_tree(), 4)
    kept = {(n.bbox, n.score) for n in pruned.nodes}
    # a (0.9), then a's child (0.95, its parent now kept), then b (0.6, larger than its tie).
    assert kept == {
        ((0, 0, 400, 400), 1.0),
        ((0, 0, 200, 200), 0.9),
        ((0, 0, 100, 100), 0.95),
        ((200, 0, 400, 200), 0.6),
    }
    ids = [n.node_id for n in pruned.nodes]
    assert ids == list(range(4))
    for node in pruned.nodes[1:]:
        parent = pruned.nodes[node.parent_id]
        assert parent.node_id < node.node_id and parent.depth == node.depth - 1
    assert RegionTree.from_rows(pruned.to_rows()).to_rows() == pruned.to_rows()


def test_budget_leaves_a_small_tree_alone_and_always_keeps_the_root():
    tree = _scripted_tree()
    assert prune_tree(tree, 10) is tree
    assert [n.proposer for n in prune_tree(tree, 1).nodes] == ["root"]


@pytest.mark.parametrize("name", ["coffee", "astronaut"])
def test_default_trees_on_real_photos_fit_the_budget(name):
    image = photo(name, (640, 480))
    config = DecomposeConfig()
    proposers = [GroupingProposer()]
    tree = build_region_tree(image, proposers, config)
    unbounded = build_region_tree(image, proposers, replace(config, max_regions=10_000))
    assert len(tree.nodes) == min(config.max_regions, len(unbounded.nodes))
    assert_tree_invariants(tree, config, image.size)


def test_a_text_line_goes_to_the_deepest_region_containing_it():
    tree = _scripted_tree()
    attach_text_lines(tree, [((210, 10, 290, 40), "EXIT"), ((5, 390, 50, 399), "hi")])
    assert tree.nodes[5].ocr_text == "EXIT"  # b's child, inside b, inside the root
    assert tree.root.ocr_text == "hi"  # only the root holds it
    attach_text_lines(tree, [((210, 10, 290, 40), "EXIT")])
    assert tree.nodes[5].ocr_text == "EXIT"  # not twice
