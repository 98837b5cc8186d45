"""`write_report`: a build folder or an experiment run folder -> one HTML file beside it."""

from __future__ import annotations

import os
from pathlib import Path

from ouro_toolkit.hub.build_folder import BuildFolder
from ouro_toolkit.report.config import ReportConfig
from ouro_toolkit.report.experiment import is_experiment, read_experiment
from ouro_toolkit.report.render import render_page
from ouro_toolkit.report.rows import read_rows
from ouro_toolkit.report.summary import summarise

REPORT_FILE = "report.html"


def write_report(
    folder: str | Path, html: str | Path | None = None, config: ReportConfig | None = None
) -> Path:
    """Write the report of `folder` (a build's --out, or an `ouro experiment --out`) and return
    its path: `folder/report.html` unless `html` names another."""
    config = config or ReportConfig()
    folder = Path(folder)
    experiment = None
    build_dir = folder
    if is_experiment(folder):
        experiment = read_experiment(
            folder, config.compare_scenes, config.thumb_side, config.jpeg_quality
        )
        build_dir = folder / "build"
    build = BuildFolder.open(build_dir)
    rows = read_rows(build.finished_files(), config)
    page = render_page(
        title=f"OURO report: {folder.resolve().name}",
        folder=str(folder),
        summary=summarise(rows.records, build, build.config),
        image_errors=rows.image_errors,
        experiment=experiment,
        records=rows.records,
        thumbs=rows.thumbs,
        page_size=config.page_size,
    )
    target = Path(html) if html else folder / REPORT_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, target)  # a reader never sees half a page
    return target
