"""Fixtures for the training tests: hand-annotated OURO rows on skimage photos, written as a
build-shaped folder, and the tiny Qwen2-VL's processor."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def ouro_build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`data/train-00000-of-00001.parquet`: four good rows and one failed row (status "error")."""
    from ouro_toolkit.training.demo_rows import write_demo_build

    return write_demo_build(tmp_path_factory.mktemp("ouro-build") / "build")


@pytest.fixture(scope="session")
def tiny_processor(tiny_model_dir: Path):
    from transformers import AutoProcessor

    return AutoProcessor.from_pretrained(tiny_model_dir)
