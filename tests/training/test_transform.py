"""The OURO -> conversation transform: images and placeholders, crops, targets, loss masking."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from datasets import Dataset

from ouro_toolkit.schema import OURO_FEATURES
from ouro_toolkit.training.data import load_ouro_dataset, prepare_dataset
from ouro_toolkit.training.demo_rows import demo_image, demo_row, demo_rows, failed_row
from ouro_toolkit.training.transform import OuroTransform, bound_pixels, pixel_box

ASTRONAUT_REGIONS = 8  # non-root nodes in the astronaut row's hand-made tree


def _placeholders(messages: list[dict]) -> list[int]:
    """Index of the turn of every image placeholder, in order."""
    return [
        i
        for i, turn in enumerate(messages)
        for block in turn["content"]
        if block["type"] == "image"
    ]


def _assistant_texts(messages: list[dict]) -> list[str]:
    return [b["text"] for t in messages if t["role"] == "assistant" for b in t["content"]]


@pytest.mark.parametrize("k", [0, 1, 2, 3, 5, 7])
def test_k_crops_give_k_plus_one_images_and_placeholders(k):
    messages, images = OuroTransform(k=k).convert(demo_row("astronaut"))
    assert len(images) == k + 1
    assert _placeholders(messages) == [0] * (k + 1)  # all in the first user turn, one per image
    assert messages[0]["role"] == "user"
    assert [t["role"] for t in messages] == ["user", "assistant"] * (len(messages) // 2)


def test_crops_equal_the_tree_boxes_pixel_for_pixel():
    row = demo_row("astronaut")
    full = demo_image("astronaut")
    transform = OuroTransform(k=ASTRONAUT_REGIONS, max_pixels=None)
    messages, images = transform.convert(row)
    assert np.array_equal(np.asarray(images[0]), np.asarray(full))
    boxes = [
        pixel_box(r["bbox"], full.width, full.height) for r in row["regions"][1:]
    ]  # tree order
    assert len(images) - 1 == len(boxes)
    for crop, box in zip(images[1:], boxes, strict=True):
        assert crop.size == (box[2] - box[0], box[3] - box[1])
        assert np.array_equal(np.asarray(crop), np.asarray(full)[box[1] : box[3], box[0] : box[2]])
    # Each crop's own description is the target of its region turn, in the same order.
    region_descriptions = [r["description"] for r in row["regions"][1:]]
    assert _assistant_texts(messages)[1 : 1 + len(boxes)] == region_descriptions


def test_crop_choice_is_seeded_per_row_and_varies_with_the_seed():
    row = demo_row("astronaut")

    def chosen(seed: int) -> list[bytes]:
        _, images = OuroTransform(k=3, crop_seed=seed, max_pixels=None).convert(row)
        return [im.tobytes() for im in images[1:]]

    assert chosen(0) == chosen(0)  # same row, same seed -> same crops (also across processes)
    assert len({tuple(chosen(seed)) for seed in range(6)}) > 1


def test_max_pixels_bounds_every_image_and_keeps_aspect():
    _, images = OuroTransform(k=5, max_pixels=4096).convert(demo_row("coffee"))
    full = demo_image("coffee")
    assert all(im.width * im.height <= 4096 for im in images)
    assert images[0].width / images[0].height == pytest.approx(full.width / full.height, rel=0.05)
    assert bound_pixels(full, None) is full


def test_rows_with_fewer_regions_than_k_use_all_of_them():
    _, images = OuroTransform(k=7).convert(demo_row("rocket"))  # 4 regions
    assert len(images) == 5


def test_enhanced_targets_are_d0_region_descriptions_and_qa():
    row = demo_row("chelsea")
    messages, _ = OuroTransform(k=1).convert(row)
    answers = _assistant_texts(messages)
    assert answers[0] == row["description"]
    assert answers[2:] == [q["answer"] for q in row["qa"]]
    assert "<|box_start|>" in messages[0]["content"][-1]["text"]  # the crop's box is named
    only_d0, _ = OuroTransform(k=1, region_descriptions=False, max_qa=2).convert(row)
    assert _assistant_texts(only_d0) == [row["description"], *[q["answer"] for q in row["qa"][:2]]]


def test_original_annotations_use_the_sources_captions_and_qa():
    row = demo_row("coffee")
    messages, images = OuroTransform(k=2, annotations="original").convert(row)
    answers = _assistant_texts(messages)
    assert len(images) == 3  # same images as the enhanced run: only the targets change
    assert answers == [
        "A cup of coffee on a saucer.",
        "coffee",
    ]  # majority answer of ["coffee","latte","coffee"]
    questions = [
        b["text"]
        for t in messages
        if t["role"] == "user"
        for b in t["content"]
        if b["type"] == "text"
    ]
    assert "Options: coffee; tea; juice" in questions[-1]
    assert row["description"] not in answers


def test_failed_rows_are_skipped_with_a_logged_count(ouro_build_dir, caplog):
    dataset = load_ouro_dataset(str(ouro_build_dir))
    assert len(dataset) == 5
    with caplog.at_level(logging.WARNING, logger="ouro_toolkit.training.data"):
        prepared = prepare_dataset(dataset, OuroTransform(k=2))
    assert len(prepared) == 4
    assert "skipped 1 with status != 'ok'" in caplog.text
    assert all(row_id != "demo/broken" for row_id in prepared.with_format(None)["id"])


def test_row_with_no_target_for_original_annotations_is_skipped(caplog):
    rows = [demo_row("chelsea"), demo_row("coffee")]
    rows[0]["original"] = {"captions": [], "qa": []}
    dataset = Dataset.from_list(rows, features=OURO_FEATURES)
    with caplog.at_level(logging.WARNING, logger="ouro_toolkit.training.data"):
        prepared = prepare_dataset(dataset, OuroTransform(k=1, annotations="original"))
    assert len(prepared) == 1 and "1 with no target" in caplog.text


def test_lazy_transform_and_eager_map_agree():
    dataset = Dataset.from_list(demo_rows(), features=OURO_FEATURES)
    transform = OuroTransform(k=2, max_pixels=20_000)
    lazy = dataset.with_transform(transform)
    eager = dataset.map(transform, batched=True, batch_size=2, remove_columns=dataset.column_names)
    assert eager.column_names == ["messages", "images"]
    for i in range(len(dataset)):
        assert _assistant_texts(lazy[i]["messages"]) == _assistant_texts(eager[i]["messages"])
        assert len(eager[i]["images"]) == len(lazy[i]["images"]) == 3
        assert np.array_equal(np.asarray(eager[i]["images"][1]), np.asarray(lazy[i]["images"][1]))


def test_bad_settings_fail_with_the_setting_named():
    with pytest.raises(ValueError, match="annotations='both'"):
        OuroTransform(annotations="both")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k=-1"):
        OuroTransform(k=-1)
    with pytest.raises(ValueError, match="no training target"):
        OuroTransform().convert(failed_row())


@pytest.mark.parametrize("template", ["model", "recipe"])
def test_collated_labels_cover_answers_only(tiny_processor, template):
    """TRL's own vision collator on our conversations: loss on assistant tokens, never on images."""
    from pathlib import Path

    from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

    chat_template = None
    if template == "recipe":  # the template the 7B recipe gives Qwen2-VL-7B-Instruct
        chat_template = (Path(__file__).parents[2] / "recipes/templates/qwen2_vl.jinja").read_text()
    collator = DataCollatorForVisionLanguageModeling(
        tiny_processor, assistant_only_loss=True, chat_template=chat_template
    )
    transform = OuroTransform(k=3, max_pixels=12_544)
    rows = [demo_row("astronaut"), demo_row("rocket")]
    examples = [
        dict(zip(("messages", "images"), transform.convert(row), strict=True)) for row in rows
    ]
    answers = [_assistant_texts(ex["messages"]) for ex in examples]
    batch = collator(examples)
    tokenizer = tiny_processor.tokenizer
    image_pad = tokenizer.convert_tokens_to_ids("<|image_pad|>")
    vision_start = tokenizer.convert_tokens_to_ids("<|vision_start|>")
    assert batch["image_grid_thw"].shape[0] == 4 + 4  # k + 1 images per row
    for i in range(len(rows)):
        ids, labels = batch["input_ids"][i], batch["labels"][i]
        assert int((ids == vision_start).sum()) == 4
        assert not bool((labels == image_pad).any())
        learned = tokenizer.decode(ids[labels != -100])
        assert learned == "".join(f"{a}<|im_end|>\n" for a in answers[i])
        assert bool((labels[ids == image_pad] == -100).all())
        assert bool((labels[batch["attention_mask"][i] == 0] == -100).all())


def test_dataset_name_forms_and_errors(ouro_build_dir, tmp_path, caplog):
    from ouro_toolkit.training.data import DatasetSpecError

    parquet = ouro_build_dir / "data" / "train-00000-of-00001.parquet"
    assert len(load_ouro_dataset(str(parquet))) == 5
    assert len(load_ouro_dataset(str(ouro_build_dir / "data" / "*.parquet"))) == 5
    with pytest.raises(DatasetSpecError, match="no such file or folder"):
        load_ouro_dataset(str(tmp_path / "missing"))
    with pytest.raises(DatasetSpecError, match="no Parquet files for split 'train'"):
        load_ouro_dataset(str(tmp_path))
    # Splits in a folder follow the Hub layout: data/{split}-*.parquet.
    (ouro_build_dir / "data" / "test-00000-of-00001.parquet").write_bytes(parquet.read_bytes())
    try:
        assert len(load_ouro_dataset(str(ouro_build_dir), split="test")) == 5
        assert (
            len(load_ouro_dataset(str(ouro_build_dir), split="train")) == 5
        )  # not test's rows too
    finally:
        (ouro_build_dir / "data" / "test-00000-of-00001.parquet").unlink()
    with pytest.raises(DatasetSpecError, match="is one split"):
        load_ouro_dataset(str(parquet), split="validation")
    # An unfinished sharded build: shard 0 of 2 only.
    partial = tmp_path / "partial" / "data"
    partial.mkdir(parents=True)
    (partial / "train-00000-of-00002.parquet").write_bytes(parquet.read_bytes())
    with caplog.at_level(logging.WARNING, logger="ouro_toolkit.training.data"):
        assert len(load_ouro_dataset(str(partial.parent))) == 5
    assert "training on 1 of 2 shards" in caplog.text
    Dataset.from_list([{"id": "x", "text": "not ouro"}]).to_parquet(str(tmp_path / "other.parquet"))
    with pytest.raises(DatasetSpecError, match="lacks the OURO columns"):
        load_ouro_dataset(str(tmp_path / "other.parquet"))


def test_too_elongated_images_and_regions_are_left_out(caplog):
    """Qwen2-VL's processor raises on aspect ratios over 200:1; such inputs never reach it."""
    from PIL import Image

    from ouro_toolkit.images import image_to_png_bytes
    from ouro_toolkit.regions.tree import RegionTree

    strip = Image.new("RGB", (6000, 60), (200, 100, 50))
    tree = RegionTree.with_root(6000, 60)
    tree.add(tree.root, (0.0, 0.0, 6000.0, 29.0), 0.9, "ocr").description = "too thin: 207:1"
    tree.add(tree.root, (0.0, 0.0, 3000.0, 30.0), 0.9, "ocr").description = "fine: 100:1"
    ok_strip = {**demo_row("coffee"), "id": "strip", "image": {"bytes": image_to_png_bytes(strip)}}
    ok_strip["regions"] = tree.to_rows()
    messages, images = OuroTransform(k=2).convert(ok_strip)
    assert len(images) == 2 and "fine: 100:1" in _assistant_texts(messages)

    needle = {**ok_strip, "id": "needle", "regions": RegionTree.with_root(8000, 30).to_rows()}
    dataset = Dataset.from_list([ok_strip, needle], features=OURO_FEATURES)
    with caplog.at_level(logging.WARNING, logger="ouro_toolkit.training.data"):
        prepared = prepare_dataset(dataset, OuroTransform(k=2))
    assert len(prepared) == 1 and "1 with an image more elongated than 200:1" in caplog.text


# --- the per-sample layout ------------------------------------------------------------------


def _user_text(messages: list[dict]) -> str:
    return next(b["text"] for b in messages[0]["content"] if b["type"] == "text")


def test_per_sample_layout_gives_one_image_one_turn_per_target():
    from ouro_toolkit.training.transform import PER_SAMPLE_DESCRIBE, PER_SAMPLE_REGION, SHORT_ANSWER

    row = demo_row("chelsea")  # 3 regions, 3 QA pairs, a d0
    full = demo_image("chelsea")
    transform = OuroTransform(k=2, layout="per_sample", max_pixels=None)
    samples = transform.samples(row)
    assert len(samples) == transform.sample_count(row) == 1 + 3 + 2
    for messages, images in samples:
        assert [t["role"] for t in messages] == ["user", "assistant"] and len(images) == 1
        assert [b["type"] for b in messages[0]["content"]] == ["image", "text"]  # as the benchmark
    (d0, d0_images), *rest = samples
    assert _user_text(d0) == PER_SAMPLE_DESCRIBE and _assistant_texts(d0) == [row["description"]]
    assert np.array_equal(np.asarray(d0_images[0]), np.asarray(full))
    for (messages, images), pair in zip(rest[:3], row["qa"], strict=True):
        assert _user_text(messages) == pair["question"] + SHORT_ANSWER
        assert _assistant_texts(messages) == [pair["answer"]]
        assert images[0].size == full.size
    # The crops: the same two the joint layout shows, each alone with its own description.
    joint, joint_images = OuroTransform(k=2, max_pixels=None).convert(row)
    for (messages, images), crop, text in zip(
        rest[3:], joint_images[1:], _assistant_texts(joint)[1:3], strict=True
    ):
        # Asked as a region, not as the whole scene the benchmark's prompt asks for.
        assert _user_text(messages) == PER_SAMPLE_REGION and _assistant_texts(messages) == [text]
        assert PER_SAMPLE_REGION != PER_SAMPLE_DESCRIBE
        assert np.array_equal(np.asarray(images[0]), np.asarray(crop))
    assert [transform.sample(row, i)[0] for i in range(6)] == [m for m, _ in samples]


def test_per_sample_counts_follow_k_max_qa_and_annotations():
    row = demo_row("chelsea")
    assert OuroTransform(k=0, layout="per_sample").sample_count(row) == 4
    assert OuroTransform(k=7, layout="per_sample").sample_count(row) == 1 + 3 + 3  # all regions
    assert OuroTransform(k=2, max_qa=1, layout="per_sample").sample_count(row) == 1 + 1 + 2
    assert OuroTransform(k=2, region_descriptions=False, layout="per_sample").sample_count(row) == 4
    # Original annotations: the source's caption and its one QA; sources describe no region.
    coffee = OuroTransform(k=2, annotations="original", layout="per_sample").samples(
        demo_row("coffee")
    )
    assert [_assistant_texts(m) for m, _ in coffee] == [
        ["A cup of coffee on a saucer."],
        ["coffee"],
    ]
    assert OuroTransform().sample_count(row) == 1  # joint: one conversation per row
    with pytest.raises(ValueError, match="layout='chat'"):
        OuroTransform(layout="chat")  # type: ignore[arg-type]


def test_per_sample_datasets_index_every_sample_lazily_and_eagerly():
    dataset = Dataset.from_list(demo_rows(), features=OURO_FEATURES)
    transform = OuroTransform(k=2, layout="per_sample", max_pixels=20_000)
    # astronaut 1 + 5 + 2, coffee 1 + 5 + 2, chelsea 1 + 3 + 2, rocket 1 + 2 + 2
    assert [transform.sample_count(r) for r in demo_rows()] == [8, 8, 6, 5]
    prepared = prepare_dataset(dataset, transform)
    assert len(prepared) == 27
    eager = dataset.map(transform, batched=True, batch_size=3, remove_columns=dataset.column_names)
    assert len(eager) == 27
    for i in (0, 7, 8, 16, 26):
        assert _assistant_texts(prepared[i]["messages"]) == _assistant_texts(eager[i]["messages"])
        assert len(prepared[i]["images"]) == 1
    assert _assistant_texts(prepared[8]["messages"]) == [demo_rows()[1]["description"]]
    assert _assistant_texts(prepared[26]["messages"])[0] in [
        r["description"] for r in demo_rows()[3]["regions"][1:]
    ]


def test_per_sample_prompts_are_the_benchmarks():
    from ouro_toolkit.evaluation.readers import SCENE_DESCRIBE_PROMPT
    from ouro_toolkit.evaluation.tasks import SHORT
    from ouro_toolkit.training.transform import PER_SAMPLE_DESCRIBE, SHORT_ANSWER

    assert (PER_SAMPLE_DESCRIBE, SHORT_ANSWER) == (SCENE_DESCRIBE_PROMPT, SHORT)
