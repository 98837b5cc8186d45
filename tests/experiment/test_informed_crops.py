"""Informed crop choice: the crops that cover what the QA asks about."""

from __future__ import annotations

import random

import pytest

from ouro_toolkit.training.transform import Crop, OuroTransform, choose_crops, choose_informed

CROPS = [
    Crop(1, (0, 0, 40, 40), "Plain background."),
    Crop(2, (40, 0, 80, 40), "A red circle."),
    Crop(3, (0, 40, 40, 80), "A house with a blue wall and a brown roof."),
    Crop(4, (40, 40, 80, 80), "Plain background."),
    Crop(5, (10, 10, 60, 60), "A green star."),
]
QA = ["What colour is the star? green", "What colour is the roof of the house? brown"]


def test_informed_takes_the_crops_the_questions_ask_about():
    for seed in range(5):
        chosen = choose_informed(CROPS, 2, random.Random(seed), QA)
        assert [c.node_id for c in chosen] == [3, 5]


def test_informed_fills_up_with_the_rest_and_keeps_tree_order():
    chosen = choose_informed(CROPS, 4, random.Random(0), QA)
    assert [c.node_id for c in chosen][:4] == sorted(c.node_id for c in chosen)
    assert {3, 5} <= {c.node_id for c in chosen} and len(chosen) == 4
    assert len(choose_informed(CROPS, 9, random.Random(0), QA)) == len(CROPS)


def test_random_choice_differs_from_informed_somewhere():
    picks = {tuple(c.node_id for c in choose_crops(CROPS, 2, random.Random(s))) for s in range(20)}
    assert len(picks) > 1  # random really varies; informed does not (first test)


def test_transform_refuses_an_unknown_choice():
    with pytest.raises(ValueError, match="crop_choice"):
        OuroTransform(crop_choice="best")  # type: ignore[arg-type]


def test_scenes_recipe_parses_and_carries_the_crop_choice():
    from pathlib import Path

    from ouro_toolkit.training import parse_training_args

    recipe = str(Path(__file__).parents[2] / "recipes" / "scenes_m0_lora.yaml")
    args = parse_training_args(["--config", recipe, "--crop_choice", "informed"])
    assert args.data.transform().crop_choice == "informed" and args.data.max_pixels == 224 * 224
    assert args.training.assistant_only_loss and args.training.max_length is None
    with pytest.raises(SystemExit):
        parse_training_args(["--config", recipe, "--crop_choice", "best"])


def test_recipe_and_experiment_carry_the_layout(tmp_path):
    from pathlib import Path

    from ouro_toolkit.experiment.config import ExperimentConfig
    from ouro_toolkit.experiment.runner import adapter_dir
    from ouro_toolkit.training.config import parse_training_args

    recipe = str(Path(__file__).parents[2] / "recipes" / "scenes_m0_lora.yaml")
    assert parse_training_args(["--config", recipe]).data.transform().layout == "joint"
    args = parse_training_args(["--config", recipe, "--layout", "per_sample"])
    assert args.data.transform().layout == "per_sample"
    with pytest.raises(SystemExit):
        parse_training_args(["--config", recipe, "--layout", "chat"])
    joint = ExperimentConfig(out=str(tmp_path))
    per = ExperimentConfig(out=str(tmp_path), layout="per_sample", annotator="oracle")
    assert (joint.label, per.label) == ("headline", "headline-per-sample-oracle")
    arm = joint.arms[0]
    assert adapter_dir(joint, arm, 0).name == "k5-enhanced-random-s0"
    assert adapter_dir(per, arm, 0).name == "k5-enhanced-random-per-sample-s0"
    with pytest.raises(ValueError, match="layout 'chat'"):
        ExperimentConfig(out=str(tmp_path), layout="chat")
