"""Shared fixtures: a tiny random Qwen2-VL built once per session, and a real `transformers serve`
serving it on 127.0.0.1 (started once, stopped by its PID at the end)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before torch is imported anywhere: CPU OpenMP spinning makes small runs 30x slower,
# and tests must never reach the Hub.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Qwen2-VL folder (model + processor + chat template); text is meaningless."""
    from ouro_toolkit.models.tiny import make_tiny_qwen2vl

    return make_tiny_qwen2vl(tmp_path_factory.mktemp("tiny-qwen2vl") / "model")


@pytest.fixture(scope="session")
def tiny_server(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A real `transformers serve` with the tiny model: `.url`, `.model`, `.process`."""
    from ouro_toolkit.serving.transformers_serve import start_transformers_serve

    log = tmp_path_factory.mktemp("tiny-server") / "serve.log"
    server = start_transformers_serve(tiny_model_dir, log_path=log)
    try:
        yield server
    finally:
        server.stop()
