"""The scene generator: deterministic, and its ground truth agrees with its pixels and itself."""

from __future__ import annotations

import numpy as np
import pytest

from ouro_toolkit.regions.box import intersection
from ouro_toolkit.scenes import (
    Scene,
    SceneConfig,
    generate_scene,
    position_word,
    size_class,
    true_tree,
)
from ouro_toolkit.scenes.vocab import COLOURS, POSITIONS, SHAPES

SEEDS = range(120)


@pytest.fixture(scope="module")
def scenes() -> list[Scene]:
    return [generate_scene(seed) for seed in SEEDS]


def test_same_seed_same_scene_and_different_seeds_differ():
    a, b = generate_scene(11), generate_scene(11)
    assert a.to_dict() == b.to_dict()
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image))
    c = generate_scene(12)
    assert c.to_dict() != a.to_dict()


def test_render_false_gives_the_same_truth_without_pixels():
    drawn, bare = generate_scene(5), generate_scene(5, render=False)
    assert bare.image is None and bare.to_dict() == drawn.to_dict()


def test_sizes_counts_and_ids(scenes):
    for scene in scenes:
        assert scene.width % 28 == 0 and scene.height % 28 == 0
        assert 224 <= min(scene.width, scene.height) and max(scene.width, scene.height) <= 448
        assert scene.image.size == (scene.width, scene.height)
        assert 2 <= len(scene.top_level()) <= 8, scene.id
        assert [o.id for o in scene.objects] == list(range(1, len(scene.objects) + 1))


def test_boxes_inside_image_and_parts_inside_parents(scenes):
    for scene in scenes:
        for obj in scene.objects:
            x0, y0, x1, y1 = obj.bbox
            assert 0 <= x0 < x1 <= scene.width and 0 <= y0 < y1 <= scene.height, (scene.id, obj)
            if obj.parent:
                parent = scene.object(obj.parent)
                assert obj.depth == parent.depth + 1
                px0, py0, px1, py1 = parent.bbox
                assert px0 <= x0 and py0 <= y0 and x1 <= px1 and y1 <= py1, (scene.id, obj, parent)
            else:
                assert obj.depth == 1


def test_words_agree_with_boxes(scenes):
    for scene in scenes:
        for obj in scene.objects:
            assert obj.position in POSITIONS.values()
            assert obj.position == position_word(obj.bbox, (0, 0, scene.width, scene.height))
            frame = (
                scene.object(obj.parent).bbox if obj.parent else (0, 0, scene.width, scene.height)
            )
            assert obj.position_in_parent == position_word(obj.bbox, frame)
            assert obj.size == size_class(obj.bbox, scene.width, scene.height)
            if obj.name in ("sign", "board", "text"):
                assert obj.text.isupper() and obj.text.isalpha()
            else:
                assert obj.text == ""


def test_tree_depths_span_two_to_three_and_composites_have_parts(scenes):
    depths = {scene.depth for scene in scenes}
    assert {2, 3} <= depths
    for scene in scenes:
        for obj in scene.objects:
            if obj.kind == "composite":
                assert scene.children(obj.id), (scene.id, obj.name)
                assert max(d.depth for d in scene.descendants(obj.id)) == 3


def test_layout_rules(scenes):
    config = SceneConfig()
    for scene in scenes:
        tops = scene.top_level()
        for i, a in enumerate(tops):
            for b in tops[i + 1 :]:
                inter = intersection(a.bbox, b.bbox)
                if "composite" in (a.kind, b.kind):
                    assert inter == 0, (scene.id, a.name, b.name)
                else:
                    smaller = min(_area(a.bbox), _area(b.bbox))
                    assert inter <= config.max_overlap * smaller + 1e-9, (scene.id, a, b)
                # A later top-level object that meets an earlier one's box covers it.
                assert (b.id in a.occluded_by) == (inter > 0)


def test_unhidden_shape_centres_have_their_colour(scenes):
    checked = 0
    for scene in scenes:
        pixels = np.asarray(scene.image)
        for obj in scene.top_level():
            if obj.kind != "shape" or obj.occluded_by or scene.children(obj.id):
                continue
            if any(
                o.depth == 1 and o.id != obj.id and intersection(o.bbox, obj.bbox)
                for o in scene.objects
            ):
                continue  # covering an earlier shape: its centre may still be fine, but skip
            x0, y0, x1, y1 = obj.bbox
            centre = pixels[(y0 + y1) // 2, (x0 + x1) // 2]
            assert tuple(int(v) for v in centre) == COLOURS[obj.colour], (scene.id, obj)
            checked += 1
    assert checked > 50


def test_truth_round_trips_and_tree_matches(scenes):
    for scene in scenes[:20]:
        again = Scene.from_dict(scene.to_dict())
        assert again.to_dict() == scene.to_dict()
        tree = true_tree(scene)
        assert len(tree.nodes) == len(scene.objects) + 1
        assert tree.max_depth == scene.depth
        by_box = {n.bbox: n for n in tree.nodes[1:]}
        for obj in scene.objects:
            node = by_box[tuple(float(v) for v in obj.bbox)]
            assert node.depth == obj.depth
            assert node.description


def test_vocabulary_is_covered(scenes):
    names = {o.name for s in scenes for o in s.objects}
    assert set(SHAPES) <= names and {"house", "sign", "flower", "car", "door", "petal"} <= names


def test_simple_config_has_no_overlap_or_nesting():
    for seed in range(40):
        scene = generate_scene(seed, "simple")
        tops = scene.top_level()
        assert 2 <= len(tops) <= 4
        assert all(not o.occluded_by for o in tops)
        assert all(scene.children(o.id) == [] for o in tops if o.kind == "shape")


def test_real_ocr_reads_every_sign_word():
    from ouro_toolkit.proposers.ocr import OcrProposer

    ocr = OcrProposer()
    signs = [
        (s, o)
        for s in (generate_scene(seed) for seed in range(40))
        for o in s.objects
        if o.name == "sign"
    ]
    assert len(signs) >= 5
    for scene, sign in signs[:8]:
        read = {p.text.strip().upper() for p in ocr.propose(scene.image)}
        assert sign.text in read, (scene.id, sign.text, read)


def _area(box) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


def test_scene_ids_make_the_scene_again():
    from ouro_toolkit.scenes import scene_from_id

    for preset in ("scene", "simple"):
        scene = generate_scene(31, preset)
        assert scene.id == f"{preset}-0000031"
        again = scene_from_id(f"scenes/{scene.id}")
        assert again is not None and again.to_dict() == scene.to_dict()
    assert generate_scene(31, SceneConfig(max_objects=3)).id == "custom-0000031"
    assert scene_from_id("custom-0000031") is None and scene_from_id("coco/123") is None
    with pytest.raises(ValueError, match="unknown scene preset 'hard'"):
        generate_scene(1, "hard")


def test_bundled_samples_are_what_the_generator_makes():
    from ouro_toolkit.scenes.samples import SAMPLE_SCENES, load_samples

    samples = load_samples()
    assert [(s.preset, s.seed) for s in samples] == list(SAMPLE_SCENES)
    assert {o.name for s in samples for o in s.objects} >= {"house", "sign", "flower", "car"}
    for bundled in samples:
        made = generate_scene(bundled.seed, bundled.preset)
        assert bundled.to_dict() == made.to_dict()
        # Pixels: the same but for text antialiasing, should the font renderer change.
        differ = np.any(np.asarray(bundled.image) != np.asarray(made.image), axis=-1)
        assert differ.mean() < 0.01, bundled.id
