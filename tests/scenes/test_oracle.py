"""The ground-truth oracle: right answers for true boxes, honest failures for anything else,
and a d0 that carries the truth when the tree is the true one."""

from __future__ import annotations

import asyncio
import json

import pytest

from ouro_toolkit.annotate.annotator import RecursiveAnnotator
from ouro_toolkit.annotate.prompts import load_prompts
from ouro_toolkit.backends import create_backend, request_key
from ouro_toolkit.backends.base import VLMRequest
from ouro_toolkit.backends.oracle_backend import GroundTruthOracle
from ouro_toolkit.regions.tree import RegionTree
from ouro_toolkit.scenes import describe_object, generate_scene, true_tree
from ouro_toolkit.scenes.matching import Judgement, judge_qa, mentions, score_description
from ouro_toolkit.scenes.oracle import describe_region, qa_about, qa_from_description


def test_true_boxes_get_their_own_object():
    for seed in range(10):
        scene = generate_scene(seed, render=False)
        for obj in scene.objects:
            label, text = describe_region(scene, obj.bbox)
            # A flower's head alone looks like a flower; a sign's text part reads as a word.
            name = {"head": "flower", "text": "word"}.get(obj.name, obj.name)
            assert (label, text) == (name, describe_object(scene, obj)), (scene.id, obj)


def test_whole_image_is_background_only_and_a_wide_box_lists_what_it_holds():
    scene = generate_scene(3, render=False)
    label, text = describe_region(scene, (0, 0, scene.width, scene.height))
    assert label == "scene" and scene.background in text
    assert score_description(scene, text).named == 0
    a, b = scene.top_level()[:2]
    both = (
        min(a.bbox[0], b.bbox[0]),
        min(a.bbox[1], b.bbox[1]),
        max(a.bbox[2], b.bbox[2]),
        max(a.bbox[3], b.bbox[3]),
    )
    _, text = describe_region(scene, both)
    named = {scene.object(i).id for i, _ in score_description(scene, text).matched}
    assert {a.id, b.id} <= named | {d.id for d in scene.descendants(a.id) + scene.descendants(b.id)}


def test_the_backend_answers_the_annotators_requests_with_the_truth():
    scene = generate_scene(8)
    tree = true_tree(scene)
    blank = RegionTree.from_rows(
        [{**row, "label": "", "description": ""} for row in tree.to_rows()]
    )
    oracle = create_backend("oracle", "ground-truth-oracle")
    annotator = RecursiveAnnotator(oracle, load_prompts())
    (annotation,) = asyncio.run(annotator.annotate([(scene.image, blank)], [f"scenes/{scene.id}"]))
    assert annotation.errors == []
    for node, true in zip(blank.nodes[1:], tree.nodes[1:], strict=True):
        assert node.description == true.description
    score = score_description(scene, annotation.description)
    # The true tree through merge: every object named with its colour, and placed.
    assert score.objects == 3
    assert score.recall == score.colour_recall == score.position_recall == score.precision == 1.0
    assert annotation.qa, "QA is written from d0"
    judged = [judge_qa(scene, p["question"], p["answer"]) for p in annotation.qa]
    assert all(j.judged for j in judged)
    assert sum(j.correct for j in judged) == sum(j.answerable for j in judged) > 0


def test_qa_comes_from_d0_not_from_the_truth():
    pairs = qa_from_description(
        'A picture. In the upper left, a red circle. A sign that says "OPEN".'
    )
    assert {
        "question": "What colour is the circle?",
        "answer": "red",
        "aspect": "object details",
    } in pairs
    assert any(p["answer"] == "OPEN" for p in pairs)
    assert qa_from_description("Plain background.") == []


def _request(meta: dict, image=None) -> VLMRequest:
    content = [{"type": "text", "text": "describe"}]
    if image is not None:
        content.insert(0, {"type": "image", "image": image})
    return VLMRequest(messages=[{"role": "user", "content": content}], meta=meta)


def test_requests_it_cannot_answer_fail_with_a_reason():
    scene = generate_scene(2)
    oracle = GroundTruthOracle()
    box = list(scene.objects[0].bbox)
    results = asyncio.run(
        oracle.generate(
            [
                _request({}),
                _request({"kind": "region", "row_id": "coco/0001", "bbox": box}),
                _request({"kind": "region", "row_id": scene.id, "bbox": box}, scene.image),
                _request(
                    {"kind": "region", "row_id": scene.id, "bbox": box},
                    scene.crop(scene.objects[0]),
                ),
            ]
        )
    )
    assert "only the annotator's region and QA requests" in results[0].error
    assert "names no generated scene" in results[1].error
    assert "image is" in results[2].error and "but its box" in results[2].error
    assert results[3].ok and json.loads(results[3].text)["label"] == scene.objects[0].name


def test_meta_is_not_part_of_the_cache_key():
    base = _request({})
    with_meta = _request({"kind": "region", "row_id": "x", "bbox": [0, 0, 1, 1]})
    assert request_key("m", base) == request_key("m", with_meta)


@pytest.mark.timeout(600)
def test_oracle_path_names_nine_tenths_of_objects_on_simple_scenes():
    """The default proposers, tree rules and merge, with the oracle describing each region."""
    from ouro_toolkit.decomposition.recipe import TreeRecipe
    from ouro_toolkit.evaluation.scene_quality import measure
    from ouro_toolkit.proposers import DEFAULT_PROPOSERS, build_proposers
    from ouro_toolkit.scenes import generate_scenes

    scenes = generate_scenes(range(1_000_000, 1_000_008), "simple")
    figures = measure(
        scenes, build_proposers(DEFAULT_PROPOSERS), TreeRecipe(DEFAULT_PROPOSERS)
    ).summary()
    assert figures["d0_named"] >= 0.9, figures
    assert figures["d0_colour"] >= 0.85, figures


def test_the_oracles_rows_ask_every_benchmark_kind_with_true_answers():
    from ouro_toolkit.scenes.language import QA_KINDS, qa_pairs

    oracle = create_backend("oracle", "ground-truth-oracle")
    annotator = RecursiveAnnotator(oracle, load_prompts())
    scenes = [generate_scene(seed) for seed in range(2_000_000, 2_000_012)]
    items = []
    for scene in scenes:
        tree = true_tree(scene)
        blank = RegionTree.from_rows(
            [{**r, "label": "", "description": ""} for r in tree.to_rows()]
        )
        items.append((scene.image, blank))
    annotations = asyncio.run(annotator.annotate(items, [f"scenes/{s.id}" for s in scenes]))
    kinds = {}
    for scene, annotation in zip(scenes, annotations, strict=True):
        assert annotation.errors == [] and 1 <= len(annotation.qa) <= 5
        truth = {p["question"]: p for p in qa_pairs(scene)}
        named = {m.name for m in mentions(annotation.description)}
        for pair in annotation.qa:
            exact = truth[pair["question"]]  # every question is one the benchmark could ask
            assert pair["answer"] == exact["answer"]
            assert {m.name for m in mentions(pair["question"])} <= named  # about what d0 says
            kinds[exact["kind"]] = kinds.get(exact["kind"], 0) + 1
        assert len({truth[p["question"]]["kind"] for p in annotation.qa}) == min(
            len(annotation.qa), len({p["kind"] for p in qa_pairs(scene)})
        )
    assert set(kinds) == set(QA_KINDS), kinds


def test_qa_about_asks_only_about_what_d0_names():
    scene = generate_scene(2_000_005)  # a triangle left of the square, a star, ...
    pairs = qa_about(scene, "A picture. Three triangles. A purple star.")
    for pair in pairs:
        said = {m.name for m in mentions(pair["question"] + " " + pair["answer"])}
        assert said <= {"triangle", "star"}, pair
    assert {"question": "What colour is the star?", "answer": "purple"} in [
        {k: p[k] for k in ("question", "answer")} for p in pairs
    ]
    assert all("square" not in p["question"] for p in pairs)
    assert qa_about(scene, "A picture on a plain background.") == []


def test_spatial_questions_of_the_scene_are_judged_exactly():
    scene = generate_scene(2_000_005)
    question = "What is to the left of the square?"  # truth: the red triangle
    assert judge_qa(scene, question, "red triangle") == Judgement(True, True, True)
    assert judge_qa(scene, question, "a triangle") == Judgement(True, True, True)
    assert judge_qa(scene, question, "blue triangle").correct is False
    assert judge_qa(scene, question, "purple star").correct is False
