"""How big `ouro report`'s page of a 10,000-row build is, and how fast it opens in Chromium.

    .venv/bin/python benchmarks/report.py [--rows 10000] [--image-side 320]
    .venv/bin/python benchmarks/report.py --page demo_out/build/report.html --screenshot docs/report.png

Writes a synthetic build folder (real Parquet shards of 1,000 rows in the `ouro build` layout,
with markers and build_config.json; rows cycle through six scikit-image photos, each with a
12-region tree, ~20-word region descriptions, a ~100-word d0 and 4 QA pairs; one row in 100 an
error), times `write_report` on it, and opens the page in headless Chromium (Debian's
`chromium`, driven by Playwright): the seconds from navigation until the gallery has drawn its
first page (the page sets `body[data-ready]`), median of `--repeats` fresh tabs. The browser test
holds a 10,000-row page to OPEN_BUDGET_S.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

if not __package__:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyarrow as pa
import pyarrow.parquet as pq

from ouro_toolkit.layout import BuildLayout
from ouro_toolkit.schema import OURO_FEATURES

# What the browser test holds a 10,000-row page to; measured on a 2-core machine: see --help.
OPEN_BUDGET_S = 5.0
ROWS_PER_SHARD = 1000
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera", "cat")
WORDS = (
    "red blue green small large circle square house door window sign car wheel flower petal "
    "left right above below inside beside near the a of with on in and is"
).split()
CHROMIUM_HINT = (
    "headless Chromium not found: install it with `apt-get update && apt-get install -y chromium` "
    "(Debian's package), or set OURO_CHROMIUM to a Chromium executable"
)


def find_chromium() -> str | None:
    """The Chromium executable: OURO_CHROMIUM, else `chromium` / `chromium-browser` on PATH."""
    override = os.environ.get("OURO_CHROMIUM")
    if override:
        return override if Path(override).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def photo_jpegs(side: int) -> list[bytes]:
    from PIL import Image
    from skimage import data as skdata

    out = []
    for name in PHOTOS:
        array = getattr(skdata, name)()
        image = Image.fromarray(array).convert("RGB")
        image.thumbnail((side, side))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85)
        out.append(buffer.getvalue())
    return out


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def synthetic_row(index: int, photos: list[bytes], side: int, rng: random.Random) -> dict:
    if index % 100 == 99:
        message = f"BackendError: request timed out after 3 retries (server {index % 3})"
        return {
            "id": f"synthetic/{index}", "source": "synthetic", "task": "caption", "image": None,
            "original": {"captions": [], "qa": []}, "regions": [], "description": "", "qa": [],
            "provenance": None, "status": "error", "error": message,
        }  # fmt: skip
    regions = [_region(0, -1, 0, (0.0, 0.0, float(side), float(side * 3 / 4)), rng)]
    for node in range(1, 12):
        parent = 0 if node < 5 else rng.randrange(1, 5)
        x0, y0 = rng.uniform(0, side / 2), rng.uniform(0, side / 3)
        box = (x0, y0, x0 + rng.uniform(8, side / 2), y0 + rng.uniform(8, side / 3))
        regions.append(_region(node, parent, 1 if parent == 0 else 2, box, rng))
    return {
        "id": f"synthetic/{index}",
        "source": "synthetic",
        "task": "caption",
        "image": {"bytes": photos[index % len(photos)], "path": None},
        "original": {"captions": [_text(rng, 10)], "qa": []},
        "regions": regions,
        "description": _text(rng, 100),
        "qa": [
            {"question": _text(rng, 8), "answer": _text(rng, 6), "aspect": a}
            for a in ("object details", "spatial relationships", "style", "scene context")
        ],
        "provenance": None,
        "status": "ok",
        "error": "",
    }


def _region(node: int, parent: int, depth: int, box: tuple, rng: random.Random) -> dict:
    return {
        "node_id": node, "parent_id": parent, "depth": depth, "bbox": list(box),
        "score": 1.0 if parent < 0 else rng.random(), "proposer": "root" if parent < 0 else "grouping",
        "label": rng.choice(WORDS[:16]), "description": _text(rng, 20),
        "ocr_text": rng.choice(WORDS[:8]).upper() if node % 6 == 5 else "",
    }  # fmt: skip


def write_synthetic_build(root: Path, rows: int, image_side: int = 320) -> Path:
    """A build folder of `rows` synthetic rows: real Parquet shards, markers, build_config.json."""
    num_shards = max(1, -(-rows // ROWS_PER_SHARD))
    layout = BuildLayout(root, num_shards)
    layout.data_dir.mkdir(parents=True, exist_ok=True)
    layout.marker_path(0).parent.mkdir(parents=True, exist_ok=True)
    config = {"source": "synthetic", "model": "synthetic", "num_shards": num_shards}
    layout.config_path.write_text(json.dumps(config))
    photos, rng = photo_jpegs(image_side), random.Random(0)
    schema = OURO_FEATURES.arrow_schema
    for shard in range(num_shards):
        indices = range(shard * ROWS_PER_SHARD, min(rows, (shard + 1) * ROWS_PER_SHARD))
        batch = [synthetic_row(i, photos, image_side, rng) for i in indices]
        pq.write_table(pa.Table.from_pylist(batch, schema=schema), layout.shard_path(shard))
        errors = sum(r["status"] != "ok" for r in batch)
        marker = {"rows": len(batch), "errors": errors, "model_calls": 13 * len(batch)}
        layout.marker_path(shard).write_text(json.dumps(marker | {"cache_hits": 0, "seconds": 1.0}))
    return root


def open_page(browser, html: Path, screenshot: Path | None = None) -> dict:
    """Open `html` in a fresh tab: seconds until the gallery is drawn, console errors, rows."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    start = time.perf_counter()
    page.goto(html.resolve().as_uri())
    page.wait_for_selector("body[data-ready]", timeout=60_000)
    seconds = time.perf_counter() - start
    result = {
        "seconds": seconds,
        "errors": errors,
        "rows_matching": int(page.inner_text("#shown-rows")),
        "cards": page.locator("article.row").count(),
        "page": page,
    }
    if screenshot is not None:
        # The first row's last region selected: its description shown, parent and children marked.
        regions = page.locator("article.row .regions").first.locator("li")
        if regions.count():
            regions.last.click()
        page.evaluate("document.getElementById('gallery').scrollIntoView()")
        page.screenshot(path=str(screenshot))
    return result


def launch(playwright):
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit(CHROMIUM_HINT)
    # --no-sandbox: CI and these machines run as root, where Chromium's sandbox refuses to start.
    return playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--image-side", type=int, default=320, help="Stored image size (px).")
    parser.add_argument("--repeats", type=int, default=3, help="Fresh tabs timed.")
    parser.add_argument("--page", type=Path, help="Open this page instead of a synthetic one.")
    parser.add_argument("--screenshot", type=Path, help="Write a PNG of the gallery here.")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from ouro_toolkit.report.write import write_report

    with tempfile.TemporaryDirectory() as tmp:
        html = args.page
        if html is None:
            start = time.perf_counter()
            build = write_synthetic_build(Path(tmp) / "build", args.rows, args.image_side)
            print(f"synthetic build, {args.rows} rows:  {time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            html = write_report(build)
            print(f"write_report:                 {time.perf_counter() - start:.1f} s")
            size = html.stat().st_size
            print(
                f"page size:                    {size / 1e6:.1f} MB ({size / args.rows:.0f} bytes a row)"
            )
        with sync_playwright() as playwright:
            browser = launch(playwright)
            runs = []
            for _ in range(args.repeats):
                runs.append(open_page(browser, html))
                runs[-1].pop("page").close()
            if args.screenshot:
                open_page(browser, html, args.screenshot)
                print(f"screenshot:                   {args.screenshot}")
            browser.close()
    times = [r["seconds"] for r in runs]
    print(
        f"open to first page drawn:     median {statistics.median(times):.2f} s, max {max(times):.2f} s (budget {OPEN_BUDGET_S:.1f} s)"
    )
    print(f"rows matching / cards drawn:  {runs[0]['rows_matching']} / {runs[0]['cards']}")
    print(f"console errors:               {len(runs[0]['errors'])}")


if __name__ == "__main__":
    main()
