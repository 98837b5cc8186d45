"""Fixtures for backend tests."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.helpers.vlm_requests import photo


@pytest.fixture(scope="session")
def photos() -> dict[str, Image.Image]:
    return {name: photo(name) for name in ("astronaut", "coffee", "chelsea", "rocket")}
