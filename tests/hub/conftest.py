"""Fixtures for Hub tests: a fresh local Hub per test, or one per module (see tests/helpers/hub_env.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.fake_hub_server import LocalHubProtocolServer
from tests.helpers.hub_env import FAKE_TOKEN, HubEnv, hub_environment


def _start(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubEnv]:
    with LocalHubProtocolServer(token=FAKE_TOKEN) as server:
        home = tmp / "hf_home"
        env = hub_environment(server, home)
        for key in (
            "HF_ENDPOINT",
            "HF_TOKEN",
            "HF_HUB_DISABLE_XET",
            "HF_HUB_OFFLINE",
            "HF_DATASETS_OFFLINE",
        ):
            monkeypatch.setenv(key, env[key])
        yield HubEnv(server, env, home)


@pytest.fixture
def local_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubEnv]:
    """A fresh local Hub for one test."""
    yield from _start(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def module_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubEnv]:
    """One local Hub shared by the tests of a module (for an expensive push done once)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield from _start(tmp_path_factory.mktemp("hub"), monkeypatch)
