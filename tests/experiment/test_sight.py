"""The held-out sight benchmark: fixed held-out cases, proposer boxes, and honest scoring."""

from __future__ import annotations

from ouro_toolkit.backends.messages import images_in, request_messages
from ouro_toolkit.experiment.base_model import sight
from ouro_toolkit.scenes import generate_scene


def test_cases_are_every_object_of_held_out_scenes_twice():
    seeds = range(sight.FIRST_SEED, sight.FIRST_SEED + 2)
    cases = sight.crop_cases(seeds)
    objects = sum(len(generate_scene(s).objects) for s in seeds)
    assert len(cases) == 2 * objects
    assert {c.boxes for c in cases} == set(sight.BOXES)
    assert sight.FIRST_SEED > 999_999  # past every training seed
    again = sight.crop_cases(seeds)  # fixed: the same boxes every time
    assert [c.request.meta["bbox"] for c in again] == [c.request.meta["bbox"] for c in cases]


def test_proposer_boxes_are_padded_shifted_and_clipped():
    scene = generate_scene(sight.FIRST_SEED)
    cases = [c for c in sight.crop_cases([sight.FIRST_SEED]) if c.boxes == "proposer"]
    for obj, case in zip(scene.objects, cases, strict=True):
        x0, y0, x1, y1 = case.request.meta["bbox"]
        assert 0 <= x0 < x1 <= scene.width and 0 <= y0 < y1 <= scene.height
        grown = (x1 - x0) * (y1 - y0) > (obj.bbox[2] - obj.bbox[0]) * (obj.bbox[3] - obj.bbox[1])
        clipped = x0 == 0 or y0 == 0 or x1 == scene.width or y1 == scene.height
        assert grown or clipped
    [image] = images_in(request_messages(cases[0].request))
    x0, y0, x1, y1 = cases[0].request.meta["bbox"]
    assert image.size == (x1 - x0, y1 - y0)


def test_text_is_right_only_when_it_reads_the_scenes_word():
    truth = {"label": "word OPEN", "name": "text", "colour": "", "text": "OPEN"}
    assert sight.score_label("word OPEN", truth) == {"label": True, "name": True, "colour": None}
    assert sight.score_label("word SALE", truth)["name"] is False
    shape = {"label": "red circle", "name": "circle", "colour": "red", "text": ""}
    assert sight.score_label("blue circle", shape) == {
        "label": False,
        "name": True,
        "colour": False,
    }


def test_true_labels_score_full_marks_and_stock_labels_do_not():
    cases = sight.crop_cases(range(sight.FIRST_SEED, sight.FIRST_SEED + 3))
    table = sight.crop_table(cases, [c.truth["label"] for c in cases])
    for boxes in sight.BOXES:
        for kind, row in table[boxes].items():
            if row["n"]:
                assert row["label"] == row["name"] == 1.0, (boxes, kind)
                assert row["colour"] in (1.0, None)
    stock = sight.crop_table(cases, ["red circle"] * len(cases))
    assert stock["tight"]["all"]["label"] < 0.3
    assert "| tight | shape |" in sight.format_table(table, None)
