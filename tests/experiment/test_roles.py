"""M0's training samples: the pipeline's exact prompts, truthful targets, answer-only labels."""

from __future__ import annotations

import json
import math
import random

import pytest

from ouro_toolkit.annotate.annotator import RecursiveAnnotator, parse_description, parse_qa
from ouro_toolkit.annotate.prompts import load_prompts
from ouro_toolkit.backends.messages import with_json_instruction
from ouro_toolkit.experiment.base_model.roles import ROLES, RoleSampler, crop_label
from ouro_toolkit.experiment.base_model.train import (
    IGNORE,
    BaseModelConfig,
    collate,
    encode,
    lr_at,
    role_schedule,
)
from ouro_toolkit.models.seeing import SeeingConfig, make_seeing_qwen2vl
from ouro_toolkit.regions.tree import RegionNode
from ouro_toolkit.scenes import generate_scene
from ouro_toolkit.schema import QA_ASPECTS


@pytest.fixture(scope="module")
def sampler():
    return RoleSampler(0, 1000)


@pytest.fixture(scope="module")
def small(sampler):
    from ouro_toolkit.experiment.base_model.roles import corpus

    cfg = SeeingConfig.sized(400, hidden=64, layers=1, intermediate=64, vision_depth=1)
    return make_seeing_qwen2vl(corpus(sampler, 10, 0), cfg)


def test_crop_prompt_is_the_annotators_request(sampler):
    scene = generate_scene(7)
    obj = scene.objects[0]
    sample = sampler.crop_sample(scene, obj, obj.bbox, ocr=False)
    node = RegionNode(1, 0, 1, tuple(float(v) for v in obj.bbox), 1.0, "x")
    request = RecursiveAnnotator(None, load_prompts()).describe_request(scene.image, node)  # type: ignore[arg-type]
    expected = with_json_instruction(request.messages, request.json_schema)
    texts = [p["text"] for p in sample.messages[0]["content"] if p["type"] == "text"]
    assert texts == [p["text"] for p in expected[0]["content"] if p["type"] == "text"]
    [image] = [p["image"] for p in sample.messages[0]["content"] if p["type"] == "image"]
    assert image.size == scene.crop(obj).size
    assert parse_description(sample.answer) == (
        crop_label(obj),
        json.loads(sample.answer)["description"],
    )


def test_every_role_has_a_parseable_target(sampler):
    rng = random.Random(0)
    for role in ROLES:
        sample = sampler.sample(role, rng)
        assert sample.role == role and sample.answer
        if role == "qa":
            pairs = parse_qa(sample.answer)
            assert 1 <= len(pairs) <= 5 and all(p["aspect"] in QA_ASPECTS for p in pairs)
            texts = [p["text"] for p in sample.messages[0]["content"] if p["type"] == "text"]
            assert texts and all("{description}" not in text for text in texts)
        if role == "scene":
            assert json.loads(sample.answer)["label"] == "scene"


def test_loss_is_on_the_answer_only(sampler, small):
    model, processor = small
    sample = sampler.sample("crop", random.Random(1))
    enc = encode(sample, processor)
    answer = processor.tokenizer(sample.answer + "<|im_end|>", add_special_tokens=False)[
        "input_ids"
    ]
    labelled = [t for t in enc["labels"] if t != IGNORE]
    assert labelled == answer
    assert enc["labels"][: len(enc["labels"]) - len(answer)] == [IGNORE] * (
        len(enc["labels"]) - len(answer)
    )
    batch = collate(
        [enc, encode(sampler.sample("answer", random.Random(2)), processor)],
        processor.tokenizer.pad_token_id,
        model.config.image_token_id,
    )
    assert (
        batch["mm_token_type_ids"].sum()
        == (batch["input_ids"] == model.config.image_token_id).sum()
    )
    # The model's loss is the mean cross-entropy over the answer tokens, and nothing else.
    loss = model(**batch).loss
    assert loss.item() == pytest.approx(_answer_only_loss(model, batch), rel=1e-4)


def _answer_only_loss(model, batch) -> float:
    """Mean next-token cross-entropy over the positions whose label is not IGNORE."""
    import torch

    inputs = {k: v for k, v in batch.items() if k != "labels"}
    with torch.no_grad():
        logits = model(**inputs).logits[:, :-1].float()
    targets = batch["labels"][:, 1:]
    kept = targets != IGNORE
    return torch.nn.functional.cross_entropy(logits[kept], targets[kept]).item()


def test_padding_carries_no_label_and_the_answers_keep_their_ids(sampler, small):
    model, processor = small
    encoded = [
        encode(sampler.sample("crop", random.Random(1)), processor),
        encode(sampler.sample("answer", random.Random(2)), processor),
    ]
    lengths = [len(e["input_ids"]) for e in encoded]
    assert lengths[0] != lengths[1]
    pad_id = processor.tokenizer.pad_token_id
    batch = collate(encoded, pad_id, model.config.image_token_id)
    width = max(lengths)
    assert batch["input_ids"].shape == batch["labels"].shape == (2, width)
    for row, (e, n) in enumerate(zip(encoded, lengths, strict=True)):
        assert batch["attention_mask"][row].tolist() == [1] * n + [0] * (width - n)
        assert batch["input_ids"][row].tolist() == e["input_ids"] + [pad_id] * (width - n)
        # Labels: the sample's own (IGNORE on the prompt, the answer's ids), then IGNORE.
        assert batch["labels"][row].tolist() == e["labels"] + [IGNORE] * (width - n)
    assert (batch["labels"][batch["attention_mask"] == 0] == IGNORE).all()
    assert (batch["attention_mask"] == 0).sum() == abs(lengths[0] - lengths[1])


def test_schedule_meets_the_weights_and_lr_warms_then_decays():
    weights = {"crop": 0.5, "scene": 0.1, "qa": 0.28, "answer": 0.12}
    cfg = BaseModelConfig(steps=200, warmup=10, role_weights=weights)
    roles = role_schedule(cfg)
    # 200 steps at 0.5 / 0.1 / 0.28 / 0.12, exactly, in a shuffled order.
    assert {r: roles.count(r) for r in ROLES} == {"crop": 100, "scene": 20, "qa": 56, "answer": 24}
    assert len(roles) == 200 and roles != sorted(roles, key=ROLES.index)
    # Linear warm-up over 10 steps, then a cosine from lr down to lr * min_lr_ratio (0.1).
    assert lr_at(0, cfg) == pytest.approx(cfg.lr / 10)
    assert lr_at(9, cfg) == lr_at(10, cfg) == pytest.approx(cfg.lr)
    assert lr_at(105, cfg) == pytest.approx(cfg.lr * 0.55)  # half way: (0.1 + 1) / 2
    last = 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 189 / 190))
    assert lr_at(199, cfg) == pytest.approx(cfg.lr * last)
    assert lr_at(250, cfg) == pytest.approx(cfg.lr * 0.1)  # past the end: the floor


def test_a_resumed_run_reads_its_own_tokenizer(tmp_path, sampler, monkeypatch):
    from ouro_toolkit.experiment.base_model import train

    cfg = BaseModelConfig(
        tokenizer_samples=3,
        architecture=SeeingConfig.sized(350, hidden=64, layers=1, intermediate=64, vision_depth=1),
    )
    _, first = train.initial_model(tmp_path, sampler, cfg)
    # A later corpus (other code, other samples) must not change the run's vocabulary.
    monkeypatch.setattr(train, "corpus", lambda *a: ["something else entirely"] * 50)
    model, again = train.initial_model(tmp_path, sampler, cfg)
    assert again.tokenizer.get_vocab() == first.tokenizer.get_vocab()
    assert model.config.text_config.vocab_size == len(first.tokenizer)


def _truth_of(scene, question: str) -> dict:
    from ouro_toolkit.scenes.language import qa_pairs

    return {p["question"]: p for p in qa_pairs(scene)}[question]


def test_the_qa_role_writes_every_kind_the_benchmark_scores_with_true_answers(sampler):
    from ouro_toolkit.scenes.language import QA_KIND_ASPECT, QA_KINDS

    rng = random.Random(3)
    kinds = set()
    for _ in range(60):
        scene = sampler.scene(rng)
        sample = sampler._qa(scene, rng)
        pairs = parse_qa(sample.answer)
        assert 1 <= len(pairs) <= 5
        for pair in pairs:
            truth = _truth_of(scene, pair["question"])  # an exact question of the scene
            assert pair["answer"] == truth["answer"]
            assert pair["aspect"] == QA_KIND_ASPECT[truth["kind"]]
            kinds.add(truth["kind"])
        # One per kind first: no kind twice while the scene had another one to ask.
        listed = sample.truth["kinds"].split(",")
        assert len(set(listed[: len(set(listed))])) == len(set(listed))
    assert kinds == set(QA_KINDS)


def test_the_answer_role_asks_every_kind_and_answers_as_the_benchmark_scores(sampler):
    from ouro_toolkit.scenes.language import QA_KINDS
    from ouro_toolkit.scenes.matching import answer_is_right

    rng = random.Random(4)
    seen = {}
    for _ in range(200):
        sample = sampler.sample("answer", rng)
        if "kind" in sample.truth:
            seen[sample.truth["kind"]] = seen.get(sample.truth["kind"], 0) + 1
            assert answer_is_right(sample.truth["kind"], sample.truth["answer"], sample.answer)
    assert set(seen) == set(QA_KINDS)
    # Kinds drawn uniformly among the scene's own: colour (most pairs) is not most samples.
    assert seen["colour"] < 0.4 * sum(seen.values())


def test_a_salient_caption_names_the_biggest_object_and_the_scene_role_says_it():
    from ouro_toolkit.scenes import caption, salient_caption

    def area(o):
        return (o.bbox[2] - o.bbox[0]) * (o.bbox[3] - o.bbox[1])

    salient = RoleSampler(0, 1000, scene_caption="salient")
    full = RoleSampler(0, 1000, scene_caption="full")
    for seed in range(20):
        scene = generate_scene(seed)
        biggest = max(scene.top_level(), key=area)
        text = salient_caption(scene)
        assert text.endswith(f"on a {scene.background} background.")
        assert biggest.name in text
        others = {o.name for o in scene.top_level()} - {biggest.name}
        assert not any(f" {name}" in text for name in others)  # the rest is left out
        rng = random.Random(seed)
        said = json.loads(salient._scene(scene, rng).answer)["description"]
        assert said == text
        assert json.loads(full._scene(scene, rng).answer)["description"] == caption(scene)
        # The d0 the QA role reads begins with the same caption M0 gives of the whole scene.
        assert salient.d0(scene).startswith(text.rstrip("."))


def test_m0_is_trained_on_salient_captions_by_default():
    assert BaseModelConfig().scene_caption == "salient"
    with pytest.raises(ValueError, match="scene_caption 'long'"):
        RoleSampler(0, 10, scene_caption="long")
