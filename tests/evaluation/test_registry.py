"""The registry: 20 declarations, each reading its real column layout into samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from ouro_toolkit.evaluation import (
    BENCHMARKS,
    DataSource,
    DataUnavailable,
    get_benchmark,
    iter_samples,
    parse_benchmarks,
)
from ouro_toolkit.evaluation.data import resolve_image
from ouro_toolkit.evaluation.runner import build_request
from ouro_toolkit.evaluation.scoring import EXTRACTORS, SCORERS
from ouro_toolkit.evaluation.tasks import resolve_hub_id
from ouro_toolkit.images import ImageLoadError

PAPER = ["okvqa", "vqav2", "vizwiz", "gqa", "vsr", "scienceqa", "iconqa", "docvqa", "chartqa", "infovqa",
         "deepform", "klc", "wtq", "textvqa", "ai2d", "stvqa", "estvqa", "coco", "flickr30k", "textcaps"]  # fmt: skip

# first sample of each fixture: (id, answers[:2], answer_index, number of images, prompt contains)
EXPECTED = {
    "okvqa": ("1", ["cat", "cat"], None, 1, "respond with 'Unanswerable'"),
    "vqav2": ("11", ["cat", "cat"], None, 1, "single word or phrase"),
    "vizwiz": ("VizWiz_val_0.jpg", ["unanswerable"] * 2, None, 1, "What is this 0?"),
    "gqa": ("q1", ["yes"], None, 1, "picture 0"),
    "vsr": ("vsr-0", ["no"], None, 1, "left of the dog 0. Please answer yes or no."),
    "scienceqa": (
        "scienceqa-0",
        ["A", "cat"],
        0,
        1,
        "Context: A pet.\nWhat is shown in picture 0?\nA. cat\nB. dog",
    ),
    "iconqa": ("1", ["B", "square"], 1, 1, "A. circle\nB. square\nC. triangle"),
    "docvqa": ("101", ["ITC Limited", "ITC"], None, 1, "picture 0"),
    "chartqa": ("chartqa-0", ["45"], None, 1, "picture 0"),
    "infovqa": ("101", ["ITC Limited", "ITC"], None, 1, "picture 0"),
    "deepform": ("deepform-0", ["ACME Corp"], None, 1, 'value for the "advertiser"'),
    "klc": ("klc-0", ["Good Cause"], None, 1, '"charity_name"'),
    "wtq": ("wtq-0", ["Spain"], None, 1, "Which country won?"),
    "textvqa": ("1", ["nokia", "nokia"], None, 1, "What brand is this 0?"),
    "ai2d": ("ai2d-0", ["C", "stem"], 2, 1, "C. stem\nD. flower\nAnswer with the option's letter"),
    "stvqa": ("1", [], None, 1, "picture 0"),
    "estvqa": ("e1", ["OPEN"], None, 1, "picture 0"),
    "coco": (
        "000000000000.jpg",
        ["A woman in a space suit.", "An astronaut poses for a photo."],
        None,
        1,
        "caption",
    ),
    "flickr30k": (
        "0",
        ["A woman in a space suit.", "An astronaut poses for a photo."],
        None,
        1,
        "caption",
    ),
    "textcaps": (
        "t0",
        ["A woman in a space suit.", "An astronaut poses for a photo."],
        None,
        1,
        "caption",
    ),
}


def test_the_papers_twenty_benchmarks_are_declared() -> None:
    assert list(BENCHMARKS)[: len(PAPER)] == PAPER  # then the toolkit's own ("scenes")
    for bench in BENCHMARKS.values():
        assert bench.metric in SCORERS and bench.extract in EXTRACTORS
        assert bench.source, f"{bench.name} must cite where its layout comes from"
        assert bench.hub_id or bench.notes


@pytest.mark.parametrize("name", PAPER)
def test_fixture_rows_read_into_samples(name: str, bench_data: Path) -> None:
    bench = BENCHMARKS[name]
    samples = list(iter_samples(bench, DataSource(data_dir=bench_data), limit=2))
    assert len(samples) == 2  # --limit
    first = samples[0]
    sample_id, answers, answer_index, n_images, in_prompt = EXPECTED[name]
    assert first.error is None
    assert first.id == sample_id
    assert first.answers[:2] == answers
    assert first.answer_index == answer_index
    assert len(first.images) == n_images
    assert in_prompt in first.prompt
    request = build_request(first, bench)  # every image opens
    parts = request.messages[0]["content"]
    assert [p["type"] for p in parts] == ["image"] * n_images + ["text"]
    assert parts[0]["image"].mode == "RGB"
    assert request.sampling.max_new_tokens == bench.max_new_tokens


def test_limit_none_reads_everything_and_gqa_joins_images(bench_data: Path) -> None:
    samples = list(iter_samples(BENCHMARKS["gqa"], DataSource(data_dir=bench_data)))
    assert [s.id for s in samples] == ["q1", "q2", "q3"]
    first, third = (build_request(s, BENCHMARKS["gqa"]) for s in (samples[0], samples[2]))
    # q1 and q3 both ask about image n1
    assert (
        first.messages[0]["content"][0]["image"].tobytes()
        == third.messages[0]["content"][0]["image"].tobytes()
    )


def test_iconqa_image_choices_and_fill_in_blank(bench_data: Path) -> None:
    samples = list(iter_samples(BENCHMARKS["iconqa"], DataSource(data_dir=bench_data)))
    assert samples[1].choices == ["The first image.", "The second image."]
    assert samples[1].answer_index == 1 and len(samples[1].images) == 3
    assert samples[2].choices is None and samples[2].answers == ["7"]


def test_hub_ids_are_configurable() -> None:
    vqav2 = BENCHMARKS["vqav2"]
    assert resolve_hub_id(vqav2) == "lmms-lab/VQAv2"
    assert resolve_hub_id(vqav2, org="lmms-lab-encoder") == "lmms-lab-encoder/VQAv2"
    assert resolve_hub_id(BENCHMARKS["vsr"], org="lmms-lab-encoder") == "cambridgeltl/vsr_zeroshot"
    assert resolve_hub_id(vqav2, hub_ids={"vqav2": "me/vqa"}) == "me/vqa"


def test_names_and_aliases() -> None:
    assert get_benchmark("ST-VQA").name == "stvqa"
    assert get_benchmark("COCO Caption").name == "coco"
    assert [b.name for b in parse_benchmarks("okvqa, DocVQA")] == ["okvqa", "docvqa"]
    assert len(parse_benchmarks("all")) == 20
    with pytest.raises(KeyError, match="unknown benchmark 'mmmu'"):
        parse_benchmarks("okvqa,mmmu")


def test_missing_data_gives_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "okvqa").mkdir()
    with pytest.raises(DataUnavailable, match=r"okvqa: no data files .* split 'val2014'"):
        list(iter_samples(BENCHMARKS["okvqa"], DataSource(data_dir=tmp_path)))
    with pytest.raises(DataUnavailable, match="estvqa: has no Hub copy; pass --data-dir"):
        list(iter_samples(BENCHMARKS["estvqa"], DataSource()))


def test_offline_hub_load_names_the_dataset_and_the_fix() -> None:
    # HF_HUB_OFFLINE=1 in tests: the real Hub listing fails, and the message says what to do
    with pytest.raises(DataUnavailable, match=r"lmms-lab-encoder/ChartQA .*--data-dir"):
        list(iter_samples(BENCHMARKS["chartqa"], DataSource(org="lmms-lab-encoder"), limit=1))


def test_bad_rows_and_images_are_kept_as_failures(tmp_path: Path) -> None:
    from datasets import Dataset

    folder = tmp_path / "chartqa" / "data"
    folder.mkdir(parents=True)
    Dataset.from_dict({"question": ["q"], "type": ["human_test"]}).to_parquet(
        str(folder / "test-00000-of-00001.parquet")
    )
    (sample,) = iter_samples(BENCHMARKS["chartqa"], DataSource(data_dir=tmp_path))
    assert sample.error and "no image" in sample.error
    with pytest.raises(ImageLoadError, match="cannot fetch an image URL offline"):
        resolve_image("http://images.cocodataset.org/val2017/x.jpg", None)
    with pytest.raises(ImageLoadError):
        resolve_image({"path": "missing.jpg"}, str(tmp_path))


@pytest.mark.parametrize(
    "recipe", sorted(Path(__file__).parents[2].joinpath("recipes/eval").glob("*.yaml"))
)
def test_eval_recipes_are_valid(recipe: Path) -> None:
    from ouro_toolkit.cli.eval import _load_recipe

    settings = _load_recipe(str(recipe))
    assert parse_benchmarks(settings["benchmarks"])
    assert settings.get("profile", "official") in ("official", "contains")


def test_unknown_recipe_keys_are_refused(tmp_path: Path) -> None:
    import click

    from ouro_toolkit.cli.eval import _load_recipe

    recipe = tmp_path / "r.yaml"
    recipe.write_text("benchmarks: okvqa\nlimt: 5\n")
    with pytest.raises(click.BadParameter, match="unknown keys limt"):
        _load_recipe(str(recipe))


def test_extractors_use_the_backends_special_token_cleaner() -> None:
    # One definition of "a chat-template token" (backends/messages.py), not a copy in scoring.
    import ouro_toolkit.evaluation.scoring as scoring
    from ouro_toolkit.backends.messages import strip_special_tokens

    assert (
        EXTRACTORS["raw"] is strip_special_tokens and EXTRACTORS["option"] is strip_special_tokens
    )
    assert not hasattr(scoring, "_SPECIAL_TOKEN")
    assert EXTRACTORS["short"](" Paris<|im_end|>\nmore") == "Paris"
    assert EXTRACTORS["yes_no"]("Yes.<|endoftext|>") == "yes"
    assert EXTRACTORS["caption"]("a  cat\n on a mat<|im_end|>") == "a cat on a mat"
