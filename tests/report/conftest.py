"""Build folders for the report's tests, and one headless Chromium for the session.

The browser is Debian's `chromium`, driven by Playwright. Without it the browser tests fail
(never skip) with the command that installs it: a page nobody opened is not a tested page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from datasets import Dataset

from benchmarks.report import CHROMIUM_HINT, find_chromium, launch
from ouro_toolkit.schema import OURO_FEATURES
from tests.helpers.build_fixture import shard_rows, write_build

# Row texts that would run as code if the page ever put them in as markup.
HOSTILE_LABEL = "<script>window.__pwned = 1</script>"
HOSTILE_DESCRIPTION = '<img src=x onerror="window.__pwned = 2">'
HOSTILE_D0 = "</script><script>window.__pwned = 3</script> d0 text"


# Module scope, not session: while Playwright's sync API is open it keeps an asyncio loop
# running in the main thread, and every later test that calls asyncio.run() would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator:
    if find_chromium() is None:
        pytest.fail(CHROMIUM_HINT, pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: pip install -e '.[dev]'", pytrace=False)
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def small_build(tmp_path: Path) -> Path:
    """The fixture build (2 shards of 2 annotated rows + 1 error row) whose first row carries
    hostile text in a label, a description and d0; its second row has no OCR text."""
    root = write_build(tmp_path / "build")
    rows = shard_rows(0, 3)
    rows[0]["regions"][1]["label"] = HOSTILE_LABEL
    rows[0]["regions"][1]["description"] = HOSTILE_DESCRIPTION
    rows[0]["description"] = HOSTILE_D0
    rows[1]["regions"][2]["ocr_text"] = ""  # one annotated row without text
    Dataset.from_list(rows, features=OURO_FEATURES).to_parquet(
        str(root / "data" / "train-00000-of-00002.parquet")
    )
    return root
