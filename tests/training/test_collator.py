"""`ListMaskVisionCollator` gives exactly TRL's batches: ids, masks, labels, pixels, grids."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

from ouro_toolkit.training.collator import ListMaskVisionCollator
from ouro_toolkit.training.demo_rows import DEMO_NAMES, demo_row
from ouro_toolkit.training.transform import OuroTransform

RECIPE_TEMPLATE = Path(__file__).parents[2] / "recipes/templates/qwen2_vl.jinja"


def _examples(k: int, names: tuple[str, ...]) -> list[dict]:
    transform = OuroTransform(k=k, max_pixels=12_544)
    return [
        dict(zip(("messages", "images"), transform.convert(demo_row(name)), strict=True))
        for name in names
    ]


def _assert_same_batch(ours: dict, theirs: dict) -> None:
    assert sorted(ours) == sorted(theirs)
    for key, value in theirs.items():
        assert ours[key].dtype == value.dtype, key
        assert torch.equal(ours[key], value), key


@pytest.mark.parametrize("template", ["model", "recipe"])
@pytest.mark.parametrize("k", [0, 3, 5])
def test_same_batches_as_trls_collator(tiny_processor, template, k):
    chat_template = RECIPE_TEMPLATE.read_text() if template == "recipe" else None
    settings = {"assistant_only_loss": True, "chat_template": chat_template}
    theirs = DataCollatorForVisionLanguageModeling(tiny_processor, **settings)
    ours = ListMaskVisionCollator.like(theirs)
    assert ours.chat_template == chat_template and ours.assistant_only_loss
    examples = _examples(k, DEMO_NAMES)  # rows of different lengths: right padding is compared
    expected = theirs(copy.deepcopy(examples))
    assert int((expected["attention_mask"] == 0).sum()) > 0  # padding is really there
    learned = expected["labels"] != -100
    assert 0 < int(learned.sum()) < int(expected["attention_mask"].sum())  # a real, partial mask
    _assert_same_batch(ours(copy.deepcopy(examples)), expected)


def test_other_rows_take_trls_own_path(tiny_processor):
    """Without assistant_only_loss there is no mask to build: TRL's code runs unchanged."""
    theirs = DataCollatorForVisionLanguageModeling(tiny_processor)
    examples = _examples(1, DEMO_NAMES[:2])
    expected = theirs(copy.deepcopy(examples))
    _assert_same_batch(ListMaskVisionCollator.like(theirs)(copy.deepcopy(examples)), expected)
