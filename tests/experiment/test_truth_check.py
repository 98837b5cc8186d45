"""Reading OURO rows of scenes against the truth."""

from __future__ import annotations

import random

from ouro_toolkit.experiment.truth_check import check_row, one_line, summarise
from ouro_toolkit.scenes import describe_scene, generate_scene
from ouro_toolkit.scenes.language import sample_qa, true_tree
from ouro_toolkit.scenes.oracle import describe_region


def _row(scene, label_of, qa):
    tree = true_tree(scene)
    regions = [
        {"node_id": n.node_id, "parent_id": n.parent_id, "bbox": list(n.bbox), "label": label_of(n)}
        for n in tree.nodes
    ]
    return {
        "id": f"scenes/{scene.id}",
        "regions": regions,
        "description": describe_scene(scene),
        "qa": qa,
    }


def test_a_true_row_scores_full_and_a_wrong_one_does_not():
    scene = generate_scene(11)
    pairs = sample_qa(scene, 3, random.Random(0))
    right = _row(
        scene,
        lambda n: describe_region(scene, n.bbox)[0],
        [{"question": p["question"], "answer": p["answer"]} for p in pairs],
    )
    check = check_row(right)
    assert check["labels_right"] == check["regions"] == len(scene.objects)
    objects = [o for o in scene.objects if o.kind != "part"]  # parts are not scored in d0
    assert check["d0_named"] == check["d0_objects"] == len(objects) > 0
    assert check["qa_exact_questions"] == check["qa_right"] == 3
    wrong = _row(
        scene,
        lambda n: "zebra",
        [{"question": p["question"], "answer": "zebra"} for p in pairs]
        + [{"question": "Is it nice?", "answer": "yes"}],
    )
    bad = check_row(wrong)
    assert bad["labels_right"] == 0 and bad["qa_right"] == 0 and bad["qa"] == 4
    assert bad["qa_exact_questions"] == 3
    summary = summarise([check, bad])
    assert summary["region_label_accuracy"] == 0.5 and summary["qa_answer_accuracy"] == 0.5
    assert "region labels 0/" in one_line(bad)


def test_d0_is_scored_on_objects_and_their_parts_are_not_counted():
    scene = generate_scene(13)
    # Two shapes and a sign; the sign's board, text and post are parts.
    assert [o.kind for o in scene.objects] == ["shape"] * 2 + ["composite"] + ["part"] * 3
    text = describe_scene(scene)  # names the rectangle, the square and the sign, each coloured
    check = check_row({"id": f"scenes/{scene.id}", "regions": [], "description": text, "qa": []})
    assert (check["d0_objects"], check["d0_mentions"], check["d0_named"]) == (3, 3, 3)
    assert check["d0_colour_right"] == 3 and check["regions"] == check["qa"] == 0


def test_region_labels_are_read_for_colour_and_name_apart():
    scene = generate_scene(11)
    by_box = {tuple(o.bbox): o for o in scene.objects}

    def coloured_label(node, colour_of):
        obj = by_box.get(tuple(node.bbox))
        name = describe_region(scene, node.bbox)[0]
        return f"{colour_of(obj)} {name}" if obj is not None else name

    objects = [o for o in scene.objects if o.colour]
    right = check_row(_row(scene, lambda n: coloured_label(n, lambda o: o.colour), []))
    assert right["labels_coloured"] == len(objects) > 0
    assert right["labels_colour_right"] == right["labels_both_right"] == len(objects)
    # Every colour wrong (a colour no object of the scene has for itself), every name right.
    other = {o.id: next(c for c in ("red", "blue") if c != o.colour) for o in objects}
    wrong = check_row(_row(scene, lambda n: coloured_label(n, lambda o: other[o.id]), []))
    assert wrong["labels_right"] == wrong["regions"]
    assert wrong["labels_colour_right"] == wrong["labels_both_right"] == 0
    assert "colour right 0/" in one_line(wrong)
    summary = summarise([right, wrong])
    assert summary["region_colour_accuracy"] == 0.5
    assert summary["region_name_and_colour_accuracy"] == 0.5
