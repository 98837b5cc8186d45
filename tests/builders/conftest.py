from __future__ import annotations

import datasets
import pytest


@pytest.fixture(autouse=True, scope="session")
def _quiet_datasets() -> None:
    # Dataset.to_parquet prints a progress bar per fixture file.
    datasets.disable_progress_bars()
