"""Fixture data for the evaluation tests: every benchmark in its real layout, written once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.eval_fixtures import write_fixtures


@pytest.fixture(scope="session")
def bench_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fixtures(tmp_path_factory.mktemp("bench-data"))
