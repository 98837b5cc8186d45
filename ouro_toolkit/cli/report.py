"""`ouro report OUT`: one self-contained HTML page of a build (or an experiment run folder)."""

from __future__ import annotations

import click

from ouro_toolkit.report.config import ReportConfig

DEFAULTS = ReportConfig()


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--html",
    type=click.Path(dir_okay=False),
    help="Where to write the page [default: FOLDER/report.html].",
)
@click.option(
    "--thumb-size",
    type=int,
    default=DEFAULTS.thumb_side,
    show_default=True,
    help="Longest side of each row's picture in the page (px); the page grows with it.",
)
@click.option(
    "--page-size",
    type=int,
    default=DEFAULTS.page_size,
    show_default=True,
    help="Rows shown per gallery page.",
)
def report(folder: str, html: str | None, thumb_size: int, page_size: int) -> None:
    """Write FOLDER's report: summary, histograms, errors, settings and a gallery of every row
    with its region tree over its image (an `ouro experiment` folder adds its results with
    95% CIs, plots and M0 vs M1 answers). Prints the page's path. No server, nothing fetched."""
    from ouro_toolkit.report.write import write_report

    config = ReportConfig(thumb_side=thumb_size, page_size=page_size)
    click.echo(str(write_report(folder, html, config)))
