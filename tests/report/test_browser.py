"""The report page in a real headless Chromium: a small build's page draws every row without a
console error, selecting a region shows its description, row text is shown and never run,
scenes rows show their truth, and a 10,000-row page opens within the benchmark's budget."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.report import OPEN_BUDGET_S, open_page, write_synthetic_build
from ouro_toolkit.backends.spec import BackendSpec
from ouro_toolkit.experiment.truth_check import check_row
from ouro_toolkit.report.write import write_report
from tests.report.conftest import HOSTILE_DESCRIPTION, HOSTILE_LABEL


def test_small_build_page_draws_rows_and_selects_regions(browser, small_build, tmp_path):
    shot = tmp_path / "report.png"
    opened = open_page(browser, write_report(small_build), screenshot=shot)
    page = opened["page"]
    try:
        assert opened["errors"] == []
        assert opened["rows_matching"] == 6 and opened["cards"] == 6
        assert page.evaluate("window.__pwned") is None  # hostile text did not run
        first = page.locator("article.row").first
        assert (
            first.locator('.regions li[data-node="1"]')
            .inner_text()
            .startswith(f"1 {HOSTILE_LABEL}")
        )  # shown as text
        first.locator('.regions li[data-node="1"]').click()
        assert first.locator(".ri-description").inner_text() == HOSTILE_DESCRIPTION
        assert first.locator(".ri-label").inner_text() == HOSTILE_LABEL
        # Selecting a box on the picture: its description, its parent and children marked.
        first.locator('rect.box[data-node="3"]').click(force=True)
        assert first.locator(".ri-description").inner_text() == "astronaut helmet description 0."
        assert "parent" in first.locator('rect.box[data-node="1"]').get_attribute("class")
        first.locator('.regions li[data-node="1"]').click()
        assert "child" in first.locator('rect.box[data-node="3"]').get_attribute("class")
        # Hovering shows another region for as long as the pointer stays; the click's comes back.
        first.locator('.regions li[data-node="2"]').hover()
        assert first.locator(".ri-ocr").inner_text() == "TEXT 0"
        page.mouse.move(0, 0)
        assert first.locator(".ri-label").inner_text() == HOSTILE_LABEL
        assert page.evaluate("window.__pwned") is None
        assert shot.stat().st_size > 10_000
    finally:
        page.close()


def test_filters_and_search_narrow_the_gallery(browser, small_build):
    opened = open_page(browser, write_report(small_build))
    page = opened["page"]

    def shown() -> tuple[int, int]:
        return int(page.inner_text("#shown-rows")), page.locator("article.row").count()

    try:
        page.select_option("#f-status", "error")
        assert shown() == (2, 2)
        page.select_option("#f-status", "")
        page.fill("#f-search", "HELMET")  # a label, any case
        assert shown() == (4, 4)
        page.fill("#f-search", "rocket scene")  # in d0
        assert shown() == (1, 1)
        page.fill("#f-search", "")
        page.fill("#f-regions", "5")
        assert shown() == (0, 0)
        page.fill("#f-regions", "4")
        assert shown() == (4, 4)
        page.check("#f-text")
        assert shown() == (3, 3)
        assert opened["errors"] == []
    finally:
        page.close()


def test_scenes_rows_show_truth_boxes_and_scores(browser, tmp_path):
    from ouro_toolkit.decomposition.decompose import DecomposeConfig
    from ouro_toolkit.decomposition.recipe import TreeRecipe
    from ouro_toolkit.pipeline.build import build_shard
    from ouro_toolkit.pipeline.config import BuildConfig
    from ouro_toolkit.pipeline.inspect import load_build

    # A real build of two scenes, every region described by the ground-truth oracle.
    config = BuildConfig(
        source="scenes", split="validation", limit=2,
        backend=BackendSpec("ground-truth-oracle", "oracle"), out=str(tmp_path / "build"),
        tree=TreeRecipe(("grouping", "ocr"), decompose=DecomposeConfig(max_depth=2, max_children=5)),
        progress=False,
        proposal_workers=0,
    )  # fmt: skip
    # Playwright's sync API keeps an event loop running in this thread; the build runs its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(build_shard, config).result()
    rows = load_build(config.out).remove_columns("image")
    opened = open_page(browser, write_report(config.out))
    page = opened["page"]
    try:
        assert opened["errors"] == [] and opened["cards"] == 2
        for index, row in enumerate(rows):
            check = check_row(row)
            text = page.locator("article.row").nth(index).locator(".truth-scores").inner_text()
            assert f"region labels {check['labels_right']}/{check['regions']} right" in text
            assert f"QA {check['qa_exact_questions']}/{check['qa']} exact questions" in text
        truth = page.locator("article.row").first.locator("rect.truth")
        assert truth.count() > 0 and not truth.first.is_visible()
        page.check("#f-truth")
        assert truth.first.is_visible()
    finally:
        page.close()


def test_ten_thousand_rows_open_within_the_benchmarks_budget(browser, tmp_path):
    build = write_synthetic_build(tmp_path / "build", 10_000, image_side=64)
    opened = open_page(browser, write_report(build))
    page = opened["page"]
    try:
        assert opened["errors"] == []
        assert opened["rows_matching"] == 10_000 and opened["cards"] == 20
        assert opened["seconds"] < OPEN_BUDGET_S, f"opened in {opened['seconds']:.1f} s"
        first = page.locator("article.row .row-id").first.inner_text()
        page.click("#next")
        assert page.inner_text("#page") == "2" and page.inner_text("#pages") == "500"
        assert page.locator("article.row .row-id").first.inner_text() != first
    finally:
        page.close()


def test_the_page_is_one_file(small_build, tmp_path):
    # No URL other than data: and the page's own anchors: nothing to fetch, no CDN.
    html = Path(write_report(small_build, tmp_path / "elsewhere" / "page.html")).read_text()
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and 'src="//' not in html
