"""A crop border is the model's own setting: off for real models, drawn where a model asks."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from PIL import Image

from ouro_toolkit.annotate.annotator import RecursiveAnnotator
from ouro_toolkit.annotate.model_settings import SETTINGS_FILE, ModelSettings, model_settings
from ouro_toolkit.annotate.prompts import load_prompts
from ouro_toolkit.backends.messages import images_in, request_messages
from ouro_toolkit.errors import ConfigError
from ouro_toolkit.pipeline.map_step import OuroMapStep
from ouro_toolkit.regions.tree import RegionTree


def _crop_of(annotator: RecursiveAnnotator, node) -> Image.Image:
    image = Image.new("RGB", (200, 100), "black")
    [crop] = images_in(request_messages(annotator.describe_request(image, node)))
    return crop


def test_regions_get_the_border_and_the_whole_image_never_does():
    tree = RegionTree.with_root(200, 100)
    region = tree.add(tree.root, (10, 10, 50, 40), 0.9, "grouping")
    plain = RecursiveAnnotator(None, load_prompts())  # type: ignore[arg-type]
    bordered = RecursiveAnnotator(None, load_prompts(), crop_border=6)  # type: ignore[arg-type]
    assert _crop_of(plain, region).size == (40, 30)
    crop = _crop_of(bordered, region)
    assert crop.size == (52, 42)
    assert crop.getpixel((0, 0)) == (255, 255, 255) and crop.getpixel((26, 21)) == (0, 0, 0)
    assert _crop_of(bordered, tree.root).size == (200, 100)


def test_a_model_folder_without_settings_gets_the_defaults(tmp_path):
    assert model_settings(str(tmp_path)) == ModelSettings()
    assert model_settings("Qwen/Qwen2-VL-2B-Instruct").crop_border == 0


def test_a_model_folder_asks_for_its_border_and_the_map_step_draws_it(tmp_path):
    (tmp_path / SETTINGS_FILE).write_text(json.dumps({"crop_border": 4}))
    backend = SimpleNamespace(model=str(tmp_path), name="stub")
    assert OuroMapStep.create(backend, []).annotator.crop_border == 4  # type: ignore[arg-type]
    assert OuroMapStep.create(backend, [], crop_border=0).annotator.crop_border == 0  # type: ignore[arg-type]
    elsewhere = SimpleNamespace(model=str(tmp_path / "other"), name="stub")
    assert OuroMapStep.create(elsewhere, []).annotator.crop_border == 0  # type: ignore[arg-type]


def test_an_unknown_setting_names_the_known_ones(tmp_path):
    (tmp_path / SETTINGS_FILE).write_text(json.dumps({"crop_boarder": 4}))
    with pytest.raises(ConfigError, match="crop_boarder.*known: crop_border"):
        model_settings(str(tmp_path))
