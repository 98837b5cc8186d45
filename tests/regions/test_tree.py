import pytest

from ouro_toolkit.regions.tree import RegionTree


def _sample_tree() -> RegionTree:
    tree = RegionTree.with_root(200, 100)
    left = tree.add(tree.root, (0, 0, 100, 100), 0.9, "grouping")
    tree.add(tree.root, (120, 10, 190, 90), 0.8, "ocr", ocr_text="STOP")
    tree.add(left, (10, 10, 50, 50), 0.7, "rpn")
    return tree


def test_round_trip_through_flat_rows():
    tree = _sample_tree()
    rows = tree.to_rows()
    assert [r["node_id"] for r in rows] == [0, 1, 2, 3]
    assert rows[0]["parent_id"] == -1 and rows[3]["parent_id"] == 1
    assert RegionTree.from_rows(rows) == tree


def test_from_rows_accepts_any_order_and_rejects_bad_lists():
    rows = _sample_tree().to_rows()
    assert RegionTree.from_rows(list(reversed(rows))).to_rows() == rows
    with pytest.raises(ValueError, match="root"):
        RegionTree.from_rows(rows[1:])
    with pytest.raises(ValueError, match="0..N-1"):
        RegionTree.from_rows([rows[0], rows[2]])


def test_levels_children_and_render():
    tree = _sample_tree()
    assert [[n.node_id for n in level] for level in tree.levels()] == [[0], [1, 2], [3]]
    assert [n.node_id for n in tree.children(tree.root)] == [1, 2]
    assert [n.node_id for n in tree.walk()] == [0, 1, 3, 2]
    text = tree.render()
    assert "text='STOP'" in text and text.splitlines()[2].startswith("    [3] rpn")
