"""Merge rules on hand-written descriptions."""

from ouro_toolkit.annotate.labels import mentioning_sentence, normalise_label, split_sentences
from ouro_toolkit.annotate.merge import merge_tree, relative_position, word_count
from ouro_toolkit.regions.tree import RegionTree


def _tree(root_text: str, children: list[tuple[tuple, str, str]]) -> RegionTree:
    tree = RegionTree.with_root(300, 300)
    tree.root.description = root_text
    for bbox, label, text in children:
        node = tree.add(tree.root, bbox, 0.9, "grouping")
        node.label, node.description = label, text
    return tree


def test_matched_child_is_woven_after_the_sentence_naming_it():
    tree = _tree(
        "A kitchen table in the morning. A red mug stands on it. Sunlight falls from the left.",
        [((10, 10, 60, 60), "Mug", "The mug has a chipped handle and holds black coffee.")],
    )
    assert merge_tree(tree) == (
        "A kitchen table in the morning. A red mug stands on it. "
        "The mug has a chipped handle and holds black coffee. Sunlight falls from the left."
    )


def test_unmatched_child_is_appended_with_its_position():
    tree = _tree(
        "A quiet street.", [((210, 10, 290, 80), "bicycle", "A blue bicycle leans on a lamp post")]
    )
    assert (
        merge_tree(tree)
        == "A quiet street. In the upper right, a blue bicycle leans on a lamp post."
    )


def test_plurals_and_synonyms_match():
    assert normalise_label("Red Cars") == ("red", "car")
    assert normalise_label("women") == ("person",)
    sentences = split_sentences("Two dogs run. A man throws a ball.")
    assert mentioning_sentence(sentences, "dog") == 0
    assert mentioning_sentence(sentences, "Person") == 1  # man -> person
    assert mentioning_sentence(sentences, "boxes") is None


def test_several_children_on_one_object_keep_their_order():
    tree = _tree(
        "A cat sleeps on a sofa. The room is dim.",
        [
            ((10, 10, 100, 100), "cat", "Its fur is orange."),
            ((150, 150, 250, 250), "kitten", "Its paws are white."),
        ],
    )
    assert (
        merge_tree(tree)
        == "A cat sleeps on a sofa. Its fur is orange. Its paws are white. The room is dim."
    )


def test_deep_tree_merges_bottom_up():
    tree = RegionTree.with_root(400, 400)
    tree.root.description = "A desk with a laptop."
    laptop = tree.add(tree.root, (0, 200, 200, 400), 0.9, "rpn")
    laptop.label, laptop.description = "laptop", "The laptop screen shows a chart."
    screen = tree.add(laptop, (0, 200, 100, 300), 0.9, "rpn")
    screen.label, screen.description = "monitor", "The chart has three blue bars."
    text = tree.add(screen, (0, 200, 50, 240), 0.9, "ocr")
    text.label, text.description = "words", "It reads 'Q3 sales'."
    assert merge_tree(tree) == (
        "A desk with a laptop. The laptop screen shows a chart. The chart has three blue bars. In the upper left, it reads 'Q3 sales'."
    )


def test_empty_child_descriptions_add_nothing_and_positions_cover_the_grid():
    tree = _tree("A field.", [((0, 0, 10, 10), "cow", "")])
    assert merge_tree(tree) == "A field."
    parent = tree.root
    node = tree.nodes[1]
    for bbox, expected in [
        ((140, 140, 160, 160), "center"),
        ((0, 140, 20, 160), "left"),
        ((140, 280, 160, 300), "lower part"),
    ]:
        node.bbox = bbox
        assert relative_position(node, parent) == expected


def _long(sentence: str, n: int) -> str:
    return " ".join(f"{sentence} number {i}." for i in range(n))


def test_a_sentence_already_said_is_not_said_again():
    tree = _tree(
        "A red mug stands on a table.",
        [
            ((10, 10, 60, 60), "mug", "A red mug stands on a table. It is chipped."),
            ((210, 210, 290, 290), "spoon", "a red mug stands on a table!"),
            ((210, 10, 290, 80), "", "A spoon lies nearby."),
            ((10, 210, 80, 290), "", "A spoon lies nearby."),
        ],
    )
    text = merge_tree(tree)
    assert text.lower().count("a red mug stands on a table") == 1
    assert text.count("spoon lies nearby") == 1 and "It is chipped." in text


def test_word_budget_drops_the_finest_regions_first():
    tree = RegionTree.with_root(400, 400)
    tree.root.description = "A kitchen."
    big = tree.add(tree.root, (0, 0, 300, 300), 0.9, "grouping")
    big.label, big.description = "", _long("A big shelf", 10)
    small = tree.add(tree.root, (300, 300, 340, 340), 0.9, "grouping")
    small.label, small.description = "", _long("A small jar", 10)
    deep = tree.add(big, (0, 0, 100, 100), 0.99, "grouping")
    deep.label, deep.description = "", _long("A deep cup", 10)
    full = merge_tree(tree)
    assert "deep cup" in full and "small jar" in full and word_count(full) > 100
    # Level 2 goes first, then the weaker/smaller region of level 1.
    text = merge_tree(tree, max_words=110)
    assert "deep cup" not in text and "big shelf" in text and "small jar" in text
    assert word_count(text) <= 110
    text = merge_tree(tree, max_words=60)
    assert "small jar" not in text and "big shelf" in text and word_count(text) <= 60
    assert merge_tree(tree, max_words=2) == "A kitchen."


def test_a_root_description_longer_than_the_budget_keeps_its_first_sentences():
    tree = RegionTree.with_root(100, 100)
    tree.root.description = "One two three. Four five six. Seven eight nine."
    assert merge_tree(tree, max_words=7) == "One two three. Four five six."
    assert merge_tree(tree, max_words=2) == "One two"
